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


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"repeat": 3}, "unknown argument of LearningRateFinder 'repeat'; did you mean 'repeats'?"),
    ({"rule": "best"}, "unknown rule 'best'"),
    ({"repeats": 0}, "`repeats` of LearningRateFinder"),
    ({"snapshot": "gpu"}, "`snapshot` of LearningRateFinder"),
    ({"num_steps": 50}, "pass num_training_steps=50"),
])
def test_a_bad_find_lr_keyword_is_refused_where_it_is_written(kwargs, words):
    with pytest.raises(LRKitError) as caught:
        LearningRateFinder(**kwargs)
    assert words in str(caught.value)


def test_find_lr_keywords_it_passes_on_are_still_taken():
    finder = LearningRateFinder(rule="falling", repeats=3, interval=False, seed=2, progress=False)
    assert finder.find_kwargs == {"rule": "falling", "repeats": 3, "interval": False, "seed": 2,
                                  "progress": False}


def test_find_lr_and_the_callback_read_one_check_of_the_model_free_arguments():
    from lrkit.torch import check_find_options

    assert check_find_options("find_lr", {"repeats": 2, "seed": 0}) == {"repeats": 2, "seed": 0}
    for given in ({"repeats": 0}, {"rule": "best"}, {"interval": "no"}, {"on_step": 3}):
        with pytest.raises(LRKitError):
            check_find_options("find_lr", given)
