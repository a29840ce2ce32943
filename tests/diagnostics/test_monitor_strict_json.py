"""A Monitor's (and a Watchdog's) ``state_dict`` is strict JSON, as the guide promises ("plain data: it
survives JSON") and as lrkit's records are: a NaN is ``null``, an infinity the string ``"inf"`` or
``"-inf"`` (an infinite gradient norm, an overflow, is not a missing one, and a resumed run must go on bit
for bit). States saved before, with bare NaN and infinity, still resume (session-16 review: the state held
NaN wherever no rate was given, so ``json.dumps(..., allow_nan=False)`` and strict readers refused it)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from lrkit.diagnostics import Monitor
from lrkit.torch import Watchdog


def _feed(m, steps) -> None:
    for t in steps:
        loss = 2.0 / (1 + t / 7) + 0.05 * math.sin(1.3 * t)
        if t in (31, 44):
            loss = math.nan if t == 31 else math.inf
        m.observe(t, loss, lr=None if t % 5 == 0 else 0.1, grad_norm=math.inf if t == 12 else 1.0 + (t % 3),
                  weight_norm=5.0 + 0.01 * t if t % 4 == 0 else None)
        if t % 10 == 9:
            m.observe_val(t, math.nan if t == 19 else loss + 0.1)


def _same_run(a: Monitor, b: Monitor) -> None:
    ha, hb = a.history(), b.history()
    for key in ha:
        np.testing.assert_array_equal(ha[key], hb[key], err_msg=key)  # NaN, inf and -inf where they were
    assert a.diagnosis.to_json() == b.diagnosis.to_json()


def test_the_state_is_strict_json_and_resumes_bit_for_bit():
    m = Monitor(every=5, capacity=20)
    _feed(m, range(0, 50))
    text = json.dumps(m.state_dict(), allow_nan=False)
    resumed = Monitor(every=5, capacity=20)
    resumed.load_state_dict(json.loads(text))
    _feed(resumed, range(50, 90))
    straight = Monitor(every=5, capacity=20)
    _feed(straight, range(0, 90))
    _same_run(resumed, straight)
    assert json.dumps(resumed.state_dict(), allow_nan=False) == json.dumps(straight.state_dict(),
                                                                           allow_nan=False)


def test_a_state_saved_with_bare_nan_and_infinity_still_resumes():
    """The earlier form (Python's json writes NaN and Infinity) loads as it always did."""
    m = Monitor(every=5, capacity=20)
    _feed(m, range(0, 50))

    def bare(v):
        if isinstance(v, list):
            return [bare(x) for x in v]
        return math.nan if v is None else float(v) if isinstance(v, str) else v

    old = {k: bare(v) if isinstance(v, list) else v for k, v in m.state_dict().items()}
    assert "NaN" in json.dumps(old) and "Infinity" in json.dumps(old)
    resumed = Monitor(every=5, capacity=20)
    resumed.load_state_dict(json.loads(json.dumps(old)))
    _feed(resumed, range(50, 90))
    straight = Monitor(every=5, capacity=20)
    _feed(straight, range(0, 90))
    _same_run(resumed, straight)


def test_a_watchdogs_state_is_strict_json():
    w = torch.nn.Parameter(torch.ones(2))
    wd = Watchdog(every=5, on_nan="ignore", weight_norms=True, optimizer=torch.optim.SGD([w], lr=0.1))
    for t in range(30):
        wd.observe(t, math.nan if t == 20 else 1.0 / (1 + t))  # no rate given: NaN rates held
    state = json.loads(json.dumps(wd.state_dict(), allow_nan=False))
    again = Watchdog(every=5, on_nan="ignore")
    again.load_state_dict(state)
    assert again.diagnosis.to_json() == wd.diagnosis.to_json()


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 1.5])
def test_each_number_reads_back_as_itself(value):
    m = Monitor(every=5, capacity=20)
    m.observe(0, value)
    state = json.loads(json.dumps(m.state_dict(), allow_nan=False))
    back = Monitor(every=5, capacity=20)
    back.load_state_dict(state)
    np.testing.assert_array_equal(back.history()["losses"], m.history()["losses"])
