"""Shared helper: compare a schedule with an independent closed form, step by step."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np


def assert_closed_form(
    schedule, expected: Callable[[int], float], steps: Iterable[int], *, rel: float = 1e-12
) -> None:
    """Check ``schedule(t)`` (vectorized) against the plain-Python ``expected(t)`` at every step.

    The failure message names the first few bad steps with expected and actual values.
    """
    ts = np.asarray(list(steps), dtype=np.int64)
    actual = schedule(ts)
    want = np.array([expected(int(t)) for t in ts], dtype=np.float64)
    bad = [
        (int(t), w, a)
        for t, w, a in zip(ts, want, actual)
        if not math.isclose(a, w, rel_tol=rel, abs_tol=1e-300)
    ]
    assert not bad, f"{schedule}: " + "; ".join(
        f"step {t}: expected {w!r}, actual {a!r}" for t, w, a in bad[:5]
    )
