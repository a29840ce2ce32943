"""benchmarks/autopilot_shape.py's floor twin: a variant reading a ramp with no valley by its noise
(``no_valley_peak="noise"``) is its floor twin's run wherever the twin's ramp was not read at the floor
(one code path up to that reading), so the store keeps those runs once."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")

import autopilot_shape as shape  # noqa: E402
from dev import autopilot_truth as truth  # noqa: E402
from dev.autopilot_no_valley_race import at_floor  # noqa: E402
from dev.autopilot_zoo_runs import reads_as, resolve_task, run_autopilot  # noqa: E402

NOISE = {"no_valley_peak": "noise", "no_valley_below": (10.0, 100.0), "no_valley_quiet": 0.03}


def test_the_twin_is_the_floor_without_the_noise_fields():
    assert shape.floor_twin({**shape.DEFAULT, **NOISE}) == {**shape.BEFORE_15, "no_valley_peak": "floor"}
    assert shape.DEFAULT == shape.BEFORE_15 and shape.DEFAULT["no_valley_peak"] == "floor"  # noise: an opt-in
    assert shape.floor_twin(shape.DEFAULT) is None
    assert shape.floor_twin(None) is None


def test_a_unit_with_a_valley_reads_its_twins_record_and_is_that_run_bit_for_bit():
    name = "autoencoder-curve-momentum"  # no seed reads the floor
    rerun = shape.SHAPES[next(iter(shape.SHAPES))]["rerun"]
    cands = {"floor": {"rerun": rerun, "base": shape.BEFORE_15}, "noise": {"rerun": rerun}}
    floor = shape.runs(name, "floor", False, cands, (0,))
    assert not at_floor(floor[0]) and shape.runs(name, "noise", False, cands, (0,)) == floor
    fresh = run_autopilot(resolve_task(name), 0, truth.budget_of(name),
                          reads_as({**shape.DEFAULT, **NOISE}, shape._kind(name)))
    same = ("metric", "raw_metric", "steps", "peak", "how", "probe_losses")
    assert all(fresh[f] == floor[0][f] for f in same)
