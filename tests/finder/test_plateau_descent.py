"""A sweep that sits on a plateau for decades and falls only under the blow-up (a tanh/Huber MLP).

The data: ``data/huber_plateau.json``, full 100-step sweeps (stop rule off) of a tanh MLP on Friedman #1
with Huber loss and SGD momentum 0.9, alone and with three parameter groups, whose 500-update cosine runs
peak best at 0.19 and 0.38. Without the descent floor the reading lands 1.2-1.8 decades low: the weak
rule's minimum/10 and the blow-up anchor (2.25 decades under the blow-up) both land on the plateau before
the descent. ``FinderPolicy.descent_floor`` (on by default, chosen by leave-one-family-out on the zoo:
``docs/evidence.md#finder-a-plateau-then-a-descent``) raises such a reading to the valley's own reading when
the valley is a descent the smoother resolves; where it is narrower (two of the six sweeps), the curve cannot
tell a short descent from a dip at the cliff, and the answer says so and names the valley's reading to try.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lrkit.finder import DivergenceMonitor, FinderPolicy, suggest, valley_geometry
from lrkit.finder._batch import half_depth_rows

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


def _decades_off(key: str, lr: float) -> float:
    return float(np.log10(lr / DATA["best"][key.split("|")[0]]))


@pytest.mark.parametrize("key", SWEEPS)
def test_the_default_reading_of_a_plateau_then_a_descent_lands_within_a_decade_or_says_it_cannot_tell(key):
    lrs, y = _sweep(key, FinderPolicy())
    got = suggest(lrs, y, "default")
    if abs(_decades_off(key, got.lr)) > 1.0:  # only where the valley is too narrow to call a descent:
        v = valley_geometry(lrs, y)
        assert v.x_edge - v.x_fast < FinderPolicy().descent_floor * FinderPolicy().smooth_window
        assert "I can't tell" in got.reason and "try both" in got.reason
        assert abs(_decades_off(key, got.alternative)) <= 1.0  # and what it says to try is near the best
    else:
        assert got.alternative is None


def test_four_of_the_six_sweeps_are_read_within_a_decade_by_the_floor():
    near = [abs(_decades_off(k, suggest(*_sweep(k, FinderPolicy()), "default").lr)) <= 1.0 for k in SWEEPS]
    off = [abs(_decades_off(k, suggest(*_sweep(k, FinderPolicy()), "default",
                                       policy=FinderPolicy(descent_floor=0.0)).lr)) <= 1.0 for k in SWEEPS]
    assert sum(near) == 4 and sum(off) == 0


@pytest.mark.parametrize("reading", ["valley", "descent"])
@pytest.mark.parametrize("key", SWEEPS)
def test_the_floor_raises_a_reading_on_the_plateau_when_the_valley_is_wide(key, reading):
    floor = FinderPolicy(descent_floor_reading=reading)
    lrs, y = _sweep(key, floor)
    v = valley_geometry(lrs, y, policy=floor)
    got = suggest(lrs, y, "default", policy=floor)
    off = suggest(lrs, y, "default", policy=FinderPolicy(descent_floor=0.0))
    assert np.log10(off.lr) < v.x_fast  # without the floor the reading lands on the plateau
    if v.x_edge - v.x_fast >= floor.descent_floor * floor.smooth_window:
        own = v.x_fast + floor.edge_weight * (v.x_edge - v.x_fast)
        assert np.log10(got.lr) == pytest.approx(own if reading == "valley" else v.x_fast)
        assert "made no measured progress" in got.reason and got.alternative is None
    else:  # a valley narrower than the smoother's kernel is a dip or a descent: left as is, and said
        assert got.lr == off.lr and got.alternative is not None


def test_the_floor_never_lowers_a_reading_and_zero_turns_it_off():
    for key in SWEEPS:
        lrs, y = _sweep(key, FinderPolicy())
        plain = suggest(lrs, y, "default", policy=FinderPolicy(descent_floor=0.0))
        assert plain.alternative is None and "plateau" not in plain.reason
        for k in (1.0, 2.0):
            for reading in ("valley", "descent"):
                policy = FinderPolicy(descent_floor=k, descent_floor_reading=reading)
                assert suggest(lrs, y, "default", policy=policy).lr >= plain.lr


def test_the_batched_bootstrap_reads_the_floor_as_the_one_curve_rule():
    lrs = np.asarray(DATA[SWEEPS[0]]["lrs"])
    raw = [np.array([np.nan if v is None else v for v in DATA[k]["losses"]]) for k in SWEEPS]
    n = min(int(np.argmax(~np.isfinite(r))) if not np.isfinite(r).all() else r.size for r in raw)
    rows = np.stack([r[:n] for r in raw])
    assert half_depth_rows(lrs[:n], rows, "default") != half_depth_rows(
        lrs[:n], rows, "default", policy=FinderPolicy(descent_floor=0.0))  # the floor moves some rows
    for reading in ("valley", "descent"):
        policy = FinderPolicy(descent_floor_reading=reading)
        assert half_depth_rows(lrs[:n], rows, "default", policy=policy) == [
            suggest(lrs[:n], row, "default", policy=policy).lr for row in rows]


def test_a_range_test_on_a_narrow_valley_records_the_alternative_and_the_advice_names_it():
    from lrkit.finder import Sweep, advise, range_test

    key = "huber_mlp|1"  # its valley is 0.47 decades wide: under two smoothing windows
    recorded = iter(y for y in _sweep(key, FinderPolicy())[1].tolist())
    result = range_test(lambda lr: next(recorded), sweep=Sweep(1e-7, 10.0, 100), interval=False)
    assert np.allclose(result.lrs, np.asarray(DATA[key]["lrs"])[: result.lrs.size])
    alternative = result.meta["alternative"]
    assert abs(_decades_off(key, alternative)) <= 1.0 < abs(_decades_off(key, result.suggestion))
    assert any(f"try {alternative:.3g} as well" in line for line in advise(result).lines())
