"""A sweep that sits on a plateau for decades and falls only under the blow-up (a tanh/Huber MLP).

The data: ``data/huber_plateau.json``, full 100-step sweeps (stop rule off) of a tanh MLP on Friedman #1
with Huber loss and SGD momentum 0.9, alone and with three parameter groups, whose 500-update cosine runs
peak best at 0.19 and 0.38. The default reading lands 1.2-1.8 decades low: the weak rule's minimum/10 and
the blow-up anchor (2.25 decades under the blow-up) both land on the plateau before the descent.
``FinderPolicy.descent_floor`` raises such a reading to the descent; it is off by default because on the
zoo, held out, it does not hold (``docs/evidence.md#finder-a-plateau-then-a-descent``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lrkit.finder import DivergenceMonitor, FinderPolicy, suggest, valley_geometry

DATA = json.loads((Path(__file__).parent / "data" / "huber_plateau.json").read_text())
SWEEPS = sorted(k for k in DATA if "|" in k)


def _sweep(key: str, policy: FinderPolicy) -> tuple[np.ndarray, np.ndarray]:
    """The recorded curve up to where ``policy``'s stop rule ends it (what find_lr's first pass reads)."""
    lrs = np.asarray(DATA[key]["lrs"])
    y = np.array([np.nan if v is None else v for v in DATA[key]["losses"]])
    monitor = DivergenceMonitor(policy=policy)
    ended = (i for i, v in enumerate(y.tolist()) if not np.isfinite(v) or monitor.update(v))
    stop = next(ended, y.size - 1)
    return lrs[: stop + 1], y[: stop + 1]


def _decades_off(key: str, policy: FinderPolicy) -> float:
    lrs, y = _sweep(key, policy)
    return float(np.log10(suggest(lrs, y, "default", policy=policy).lr / DATA["best"][key.split("|")[0]]))


@pytest.mark.xfail(strict=True, reason="known miss, not fixed: the one rule that fixes it (descent_floor) "
                   "does not hold out on the zoo; docs/evidence.md#finder-a-plateau-then-a-descent")
@pytest.mark.parametrize("key", SWEEPS)
def test_the_default_reading_of_a_plateau_then_a_descent_lands_within_a_decade_of_the_best(key):
    assert abs(_decades_off(key, FinderPolicy())) <= 1.0


@pytest.mark.parametrize("key", SWEEPS)
def test_the_floor_raises_a_reading_on_the_plateau_to_the_descent_when_the_valley_is_wide(key):
    floor = FinderPolicy(descent_floor=2.0)
    lrs, y = _sweep(key, floor)
    v = valley_geometry(lrs, y, policy=floor)
    got = suggest(lrs, y, "default", policy=floor)
    off = suggest(lrs, y, "default", policy=FinderPolicy())
    assert np.log10(off.lr) < v.x_fast  # the default lands on the plateau
    if v.x_edge - v.x_fast >= 2.0 * floor.smooth_window:
        assert np.log10(got.lr) == pytest.approx(v.x_fast) and "half depth" in got.reason
        assert _decades_off(key, floor) > _decades_off(key, FinderPolicy())
    else:  # a valley narrower than the smoother's kernel is a dip, not a descent: left as is
        assert got.lr == off.lr


def test_the_floor_never_lowers_a_reading_and_is_off_by_default():
    assert FinderPolicy().descent_floor == 0
    for key in SWEEPS:
        for k in (1.0, 2.0):
            lrs, y = _sweep(key, FinderPolicy())
            assert suggest(lrs, y, "default", policy=FinderPolicy(descent_floor=k)).lr >= suggest(
                lrs, y, "default").lr
