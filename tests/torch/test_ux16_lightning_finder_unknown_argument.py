"""ux16 D8: ``lrkit.lightning.LearningRateFinder`` takes ``**find_lr_kwargs`` unchecked: a misspelt keyword
is a bare ``TypeError`` from inside ``Trainer.fit``, and a bad rule fails only when the fit starts.

Probe (``/work/notes/ux16/e1_integration_errors.py``, ``e2_late_errors.py``):
``LearningRateFinder(repeat=3)`` (for ``repeats``) and ``LearningRateFinder(rule="best")`` are accepted;
``trainer.fit(model)`` then ends in "TypeError: find_lr() got an unexpected keyword argument 'repeat'" (a
traceback through Lightning's callback hooks) or "unknown rule 'best'. Valid: ...". The same keywords
given to ``lrkit.hf.find_lr(trainer, repeat=3)`` are one ``LRKitError`` at the call: "unknown argument of
lrkit.hf.find_lr 'repeat'; did you mean 'repeats'? Valid: interval, on_step, ...". The brief: bad input is
one ``LRKitError`` naming the parameter, the value and what is allowed, before anything runs; Lightning's
own callback has a fixed signature, so a misspelt argument fails where it is written. Expected: the
constructor refuses an unknown ``find_lr`` keyword (and a bad value of a known one, ``rule``) with one
``LRKitError``, as ``lrkit.hf.find_lr`` does.
"""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("lightning.pytorch", reason="lightning is not installed (it is in the dev extra)")

from lrkit import LRKitError  # noqa: E402
from lrkit.lightning import LearningRateFinder  # noqa: E402


@pytest.mark.xfail(strict=True, reason="ux16 D8: LearningRateFinder takes any keyword, unchecked")
@pytest.mark.parametrize("kwargs", [{"repeat": 3}, {"rule": "best"}])
def test_a_bad_find_lr_keyword_is_refused_where_it_is_written(kwargs):
    with pytest.raises(LRKitError):
        LearningRateFinder(**kwargs)
