"""``LRScheduler``'s rate warning counts the rate a schedule holds past its horizon (session-14 new-user
probe, ux; ``/work/notes/ux14/REPORT.md`` L2).

``LRScheduler(SGD(lr=0.1), "linear(start=0.01, end=0.1, steps=10)")`` warned "the optimizer was built
with lr=0.1 but the schedule peaks at 0.091": the peak was scanned over ``t < 10``, yet from ``t = 10`` on
the run holds 0.1, the optimizer's own rate. A rate the run never reaches is still said.
"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")

from lrkit import RateConflictWarning  # noqa: E402
from lrkit.torch import LRScheduler  # noqa: E402


def _warnings(lr: float, spec: str) -> list[str]:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        LRScheduler(opt, spec)
    return [str(w.message) for w in caught if issubclass(w.category, RateConflictWarning)]


def test_a_ramp_that_ends_at_the_optimizers_rate_is_not_said():
    assert _warnings(0.1, "linear(start=0.01, end=0.1, steps=10)") == []


def test_a_rate_the_run_never_reaches_is_still_said():
    said = _warnings(0.1, "linear(start=0.01, end=0.05, steps=10)")
    assert len(said) == 1 and "peaks at 0.05" in said[0], said
    assert len(_warnings(0.01, "cosine(lr=0.1, steps=10)")) == 1
