"""``Monitor.load_state_dict`` restores every state format it ever wrote, and a resumed Monitor goes on
exactly as one that never stopped.

``data/monitor_states.json`` holds, per format, a Monitor's state after 47 steps (``mid``) and after 101
(``final``), each saved by the lrkit of that format (``made_at``): ``no_norms`` before gradient norms and
validation losses were kept, ``grad_norms`` before weight norms, ``current`` as of 716fcea. Each was fed
the steps of :func:`_feed` with the arguments its ``observe`` took (``Monitor(every=5, capacity=20)``: by
step 47 the stride is 4 and the open bucket holds 3 steps).
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
TOOK = {"no_norms": (False, False, False), "grad_norms": (True, False, True), "current": (True, True, True)}


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


@pytest.mark.parametrize("fmt", sorted(STATES))
def test_a_stored_state_resumes_as_a_run_that_never_stopped(fmt):
    resumed = Monitor(every=5, capacity=20)
    resumed.load_state_dict(STATES[fmt]["mid"])
    _feed(resumed, range(47, 101), fmt)
    straight = Monitor(every=5, capacity=20)
    _feed(straight, range(0, 101), fmt)
    assert _plain(resumed.state_dict()) == _plain(straight.state_dict())
    history = resumed.history()
    assert history["grad_norms"].shape == history["weight_norms"].shape == history["losses"].shape
    if not TOOK[fmt][1]:
        assert np.isnan(history["weight_norms"]).all()


@pytest.mark.parametrize("fmt", sorted(STATES))
def test_the_held_points_are_those_the_saving_lrkit_held(fmt):
    resumed = Monitor(every=5, capacity=20)
    resumed.load_state_dict(STATES[fmt]["mid"])
    _feed(resumed, range(47, 101), fmt)
    now, then = _plain(resumed.state_dict()), STATES[fmt]["final"]
    width = len(then["acc"])
    assert now["acc"][:width] == then["acc"] and not any(now["acc"][width:])
    for key in set(then) - {"acc", "diagnosis"}:  # diagnose's rules moved since; the points did not
        assert now[key] == then[key], key


def test_the_current_format_goes_on_bit_for_bit_diagnosis_included():
    resumed = Monitor(every=5, capacity=20)
    resumed.load_state_dict(STATES["current"]["mid"])
    assert _plain(resumed.state_dict()) == STATES["current"]["mid"]
    _feed(resumed, range(47, 101), "current")
    assert _plain(resumed.state_dict()) == STATES["current"]["final"]
