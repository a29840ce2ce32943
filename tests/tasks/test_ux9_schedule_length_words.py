"""A schedule written for another run length than the run: ``lrkit train --schedule "cosine(lr=0.1,
steps=100)"`` on digits-mlp (920 updates) trains 820 updates at the cosine's held final rate 0 (the
compute is spent, the weights frozen); ``steps=100000`` runs a cosine that never decays. Neither says a
word, on the command line or from ``lrkit.tasks.train`` (session-9 new-user probe,
``/work/notes/ux9/cli/sweep.log``), though ``train`` knows the run's budget and the schedule its
``horizon``; the Lightning and Hugging Face helpers avoid this by binding ``total``. Expected: a
warning naming the schedule's length and the run's budget when they are far apart; none when they
agree or when the schedule has no horizon."""

from __future__ import annotations

import warnings

import pytest

from lrkit.tasks import LENGTH_FACTOR, ScheduleLengthWarning, train

_TASK = "diabetes-linear"   # 300 updates, 0.05 s


def _said(schedule: str) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        train(_TASK, schedule=schedule)
    assert all(w.category is ScheduleLengthWarning for w in caught)
    return [str(w.message) for w in caught]


def test_a_schedule_as_long_as_the_run_says_nothing():
    assert not _said("cosine(lr=0.01, steps=300)")
    assert not _said("constant(lr=0.01)")


@pytest.mark.parametrize("steps", [30, 30_000])
def test_a_schedule_far_from_the_run_length_is_said(steps):
    said = _said(f"cosine(lr=0.01, steps={steps})")
    assert any(str(steps) in s and "300" in s for s in said), said


def test_within_the_factor_it_is_taken_as_meant_and_at_it_said():
    # a decay that ends early to hold a floor, or an epoch count rounded: silent below LENGTH_FACTOR
    assert not _said(f"cosine(lr=0.01, steps={int(300 / LENGTH_FACTOR) + 1}, min_lr=0.001)")
    (said,) = _said(f"cosine(lr=0.01, steps={int(300 / LENGTH_FACTOR)})")
    assert "its last 150 updates run at its final rate 0" in said
    (said,) = _said(f"cosine(lr=0.01, steps={int(300 * LENGTH_FACTOR)})")
    assert "the run stops at update 300, at rate 0.005" in said
