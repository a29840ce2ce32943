"""``LearningRateFinder(min_lr=-1)`` names another record's field (twelfth new-user probe, ux;
``/work/notes/ux16/REPORT.md``, L7; ``lightning/_finder.py``).

The callback takes Lightning's sweep arguments, ``min_lr``, ``max_lr`` and ``num_training_steps``, and built
an :class:`lrkit.finder.Sweep` from them, whose checks named its own fields: "`start` of Sweep must be a
finite number > 0; got -1", "`end` of Sweep must be > start=1", "`num_steps` of Sweep ...". The brief: one
``LRKitError`` naming the parameter the user wrote, the value and what is allowed. The checks are Sweep's
own (:func:`lrkit.finder.check_sweep`), called with the callback's names.
"""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("lightning.pytorch", reason="lightning is not installed (it is in the dev extra)")

from lrkit import LRKitError  # noqa: E402
from lrkit.finder import Sweep, check_sweep  # noqa: E402
from lrkit.lightning import LearningRateFinder  # noqa: E402


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"min_lr": -1}, "`min_lr` of LearningRateFinder must be a finite number > 0; got -1"),
    ({"min_lr": float("nan")}, "`min_lr` of LearningRateFinder must be a finite number > 0"),
    ({"max_lr": 0}, "`max_lr` of LearningRateFinder must be a finite number > 0; got 0"),
    ({"min_lr": 1, "max_lr": 0.1}, "`max_lr` of LearningRateFinder must be > min_lr=1; got 0.1"),
    ({"num_training_steps": 1}, "`num_training_steps` of LearningRateFinder must be"),
    ({"num_training_steps": 2.5}, "`num_training_steps` of LearningRateFinder must be"),
])
def test_a_bad_sweep_argument_is_named_as_the_callback_takes_it(kwargs, words):
    with pytest.raises(LRKitError) as caught:
        LearningRateFinder(**kwargs)
    message = str(caught.value)
    assert words in message
    assert "Sweep" not in message and "`start`" not in message and "`num_steps`" not in message


def test_the_allowed_step_count_is_said():
    words = r"`num_training_steps` of LearningRateFinder must be .*>= 10.*got 1"
    with pytest.raises(LRKitError, match=words):
        LearningRateFinder(num_training_steps=1)


def test_sweep_itself_still_names_its_fields():
    with pytest.raises(LRKitError, match=r"`end` of Sweep must be > start=1; got 0.5"):
        Sweep(start=1.0, end=0.5)
    assert LearningRateFinder(min_lr=1e-5, max_lr=1.0, num_training_steps=20).sweep == Sweep(1e-5, 1.0, 20)
    assert check_sweep(1e-5, 1, 20) == (1e-5, 1.0, 20)
    with pytest.raises(LRKitError, match=r"`steps` of demo must be an integer >= 10; got 3"):
        check_sweep(1e-5, 1, 3, "demo", ("lo", "hi", "steps"))
