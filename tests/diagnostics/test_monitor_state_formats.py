"""``Monitor.load_state_dict`` restores every state format it ever wrote, and a resumed Monitor goes on
exactly as one that never stopped.

``data/monitor_states.json`` holds, per format, a Monitor's state after 47 steps (``mid``) and after 101
(``final``), each saved by the lrkit of that format (``made_at``): ``no_norms`` before gradient norms and
validation losses were kept, ``grad_norms`` before weight norms, ``weight_norms`` as of 716fcea, ``current``
since a merged point keeps the readings of a series measured now and then. Each was fed the steps of
:func:`_feed` with the arguments its ``observe`` took (``Monitor(every=5, capacity=20)``: by step 47 the
stride is 4 and the open bucket holds 3 steps).

The states are kept as their lrkit wrote them, not made again: they are what a user's checkpoint holds. The
two formats with a series (``grad_norms``, ``weight_norms``) were saved by a Monitor that merged a full
history's points as ``(a + b) / 2``, which made a point NaN ("no reading") when either half had none: their
``mid`` states hold fewer readings than a run made today would, and what was erased before the save stays
erased. So for them a resumed run is held to everything the saving lrkit kept (every step, loss, rate and
every reading it held, bit for bit), not to a run made today from the start.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from lrkit.diagnostics import Monitor

STATES = json.loads((Path(__file__).parent / "data" / "monitor_states.json").read_text(encoding="utf-8"))
#: What each format's ``observe`` took: gradient norms, weight norms, validation losses.
TOOK = {"no_norms": (False, False, False), "grad_norms": (True, False, True),
        "weight_norms": (True, True, True), "current": (True, True, True)}
#: The formats saved with series merged as ``(a + b) / 2`` (a reading beside a point without one erased).
PAIR_MEAN = ("grad_norms", "weight_norms")
#: The state keys of the per-step series.
SERIES = ("grads", "weights")


def _feed(monitor: Monitor, steps: range, fmt: str) -> None:
    grads, weights, vals = TOOK[fmt]
    for t in steps:
        loss = 2.0 / (1 + t / 7) + 0.05 * math.sin(1.3 * t)
        kw = {"lr": 0.1 * (1 - t / 200)}
        if grads and t % 4:
            kw["grad_norm"] = 1.0 + 0.3 * math.cos(0.7 * t)
        if weights and t % 3 == 0:
            kw["weight_norm"] = 5.0 + 0.01 * t
        monitor.observe(t, loss, **kw)
        if vals and t % 10 == 9:
            monitor.observe_val(t, loss + 0.1)


def _plain(state: dict) -> dict:
    """``state`` as its JSON reads back (NaN compared as ``null``)."""
    return json.loads(json.dumps(state, allow_nan=False))


def _resumed(fmt: str) -> Monitor:
    resumed = Monitor(every=5, capacity=20)
    resumed.load_state_dict(STATES[fmt]["mid"])
    _feed(resumed, range(47, 101), fmt)
    return resumed


@pytest.mark.parametrize("fmt", sorted(STATES))
def test_a_stored_state_resumes_as_a_run_that_never_stopped(fmt):
    resumed = _resumed(fmt)
    straight = Monitor(every=5, capacity=20)
    _feed(straight, range(0, 101), fmt)
    now, then = _plain(resumed.state_dict()), _plain(straight.state_dict())
    history = resumed.history()
    assert history["grad_norms"].shape == history["weight_norms"].shape == history["losses"].shape
    if not TOOK[fmt][1]:
        assert np.isnan(history["weight_norms"]).all()
    if fmt not in PAIR_MEAN:
        assert now == then
        return
    for key in set(then) - {*SERIES, "diagnosis"}:
        assert now[key] == then[key], key
    after_save = np.array(now["steps"]) >= STATES[fmt]["mid"]["acc_step"]
    for key in SERIES:
        held, straight_held = np.array(now[key], dtype=float), np.array(then[key], dtype=float)
        # nothing is invented: a reading erased before the save stays erased; the points made of steps
        # observed after the save are a run's that never stopped
        assert not (np.isfinite(held) & np.isnan(straight_held)).any(), key
        np.testing.assert_array_equal(held[after_save], straight_held[after_save])


@pytest.mark.parametrize("fmt", sorted(STATES))
def test_the_held_points_are_those_the_saving_lrkit_held(fmt):
    now, then = _plain(_resumed(fmt).state_dict()), STATES[fmt]["final"]
    width = len(then["acc"])
    assert now["acc"][:width] == then["acc"] and not any(now["acc"][width:])
    kept = [key for key in SERIES if key in then] if fmt in PAIR_MEAN else []
    for key in set(then) - {"acc", "diagnosis", *kept}:  # diagnose's rules moved since; the points did not
        assert now[key] == then[key], key
    for key in kept:  # every reading the saving lrkit kept is kept as it was, and none is lost
        held = [(i, v) for i, v in enumerate(then[key]) if v is not None]
        assert [(i, now[key][i]) for i, _ in held] == held, key
        assert sum(v is not None for v in now[key]) >= len(held)


def test_a_pair_mean_state_gains_the_readings_it_no_longer_erases():
    # 716fcea's run held 7 of 12 weight readings after 101 steps; resumed today from its step-47 state, the
    # merges after the save keep what they would have erased
    then = STATES["weight_norms"]["final"]["weights"]
    now = _plain(_resumed("weight_norms").state_dict())["weights"]
    assert sum(v is not None for v in now) > sum(v is not None for v in then)


def test_the_current_format_goes_on_bit_for_bit_diagnosis_included():
    resumed = Monitor(every=5, capacity=20)
    resumed.load_state_dict(STATES["current"]["mid"])
    assert _plain(resumed.state_dict()) == STATES["current"]["mid"]
    _feed(resumed, range(47, 101), "current")
    assert _plain(resumed.state_dict()) == STATES["current"]["final"]
    assert all(v is not None for key in SERIES for v in STATES["current"]["final"][key])
