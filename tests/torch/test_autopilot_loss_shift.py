"""A constant added to the loss changes nothing the Autopilot does (ux17 D5).

``loss + C`` has the gradients of ``loss``, and a loss is often known only up to a constant (a negative
log-likelihood, a negative cosine similarity, ``mse - 1``): the probe's reading, the guard's faults (the ramp
ceiling, :func:`lrkit.torch._autopilot_guard.loss_ceiling`, measures a rise against the ramp's own range),
the race, the trial and the reactions must all answer the same. Checked on the tests' regression with plain
SGD (budget 60: the ceiling's faults and rollbacks fire) and with Adam (budget 300), for shifts that leave
the losses positive and ones that make every loss negative: the same rates at every update, the same events
(to a rounding: the probe interpolates a rate between two losses) and the same final weights, bit for bit
(the shift is added in float64 after the backward, so every loss compared is the unshifted one plus ``C``
up to one rounding).
"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")
from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ._autopilot_run import run  # noqa: E402
from lrkit.torch._autopilot_guard import loss_ceiling  # noqa: E402


def _trajectory(shift: float, budget: int | None, optimizer: str):
    rates = []

    def shifted(step, ap, model, loss):
        rates.append(ap.lr)
        return loss.detach().double() + shift

    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ap, model, _, _ = run(budget, seed=0, optimizer=optimizer, on_step=shifted,
                              max_updates=None if budget else 400)  # no budget: the reactions too
    # the losses an event quotes (and the probe's words, which quote them) move with the shift
    events = [{k: v for k, v in e.items() if k not in ("loss", "start", "end", "how")} for e in ap.events]
    return rates, events, [p.detach().clone() for p in model.parameters()], ap


def _close(a, b):
    """Equal, floats to a relative 1e-12: a rate interpolated between two losses (the probe's half-depth
    crossing) reads ``loss + C`` to within a rounding of the unshifted one."""
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    return a == b


@pytest.mark.parametrize(("budget", "optimizer"), [(60, "sgd"), (300, "adam"), (None, "momentum")])
@settings(max_examples=6, deadline=None)
@given(shift=st.floats(-1e4, 1e3, allow_nan=False))
@example(shift=-1e4)  # every loss negative
@example(shift=-1.0)
def test_a_constant_added_to_the_loss_changes_no_rate_event_or_weight(budget, optimizer, shift):
    rates, events, weights, ap = _trajectory(0.0, budget, optimizer)
    s_rates, s_events, s_weights, s_ap = _trajectory(shift, budget, optimizer)
    assert _close(s_rates, rates)
    assert _close(s_events, events), (s_events, events)
    assert all(torch.equal(a, b) for a, b in zip(s_weights, weights))  # float32 weights: bit for bit
    assert s_ap._guard.ceiling == pytest.approx(ap._guard.ceiling + shift, rel=1e-9, abs=1e-6)
    if budget == 60:
        assert any("fault" in e for e in events)  # the ceiling was exercised, not only passed


def test_the_ceiling_is_the_ramps_floor_plus_times_its_depth_and_moves_with_the_loss():
    lrs, losses = [1e-4, 1e-3, 1e-2, 1e-1, 1.0], [2.0, 1.9, 1.5, 1.0, 50.0]
    assert loss_ceiling(lrs, losses, 1e-2, 100.0) == 1.0 + 100.0 * 1.0  # the floor past the peak counts
    assert loss_ceiling(lrs, [v - 3.0 for v in losses], 1e-2, 100.0) == -2.0 + 100.0 * 1.0
    assert loss_ceiling(lrs, losses, 1e-2, 100.0) <= 100.0 * 2.0  # losses >= 0: never above the old 100 x max
    assert loss_ceiling(lrs, losses, 1e-2, None) is None
    assert loss_ceiling(lrs, losses, 1e-5, 100.0) is None  # no ramp loss at or below the peak
    assert loss_ceiling(lrs, [2.0, 2.0, 2.0, 2.0, 50.0], 1e-2, 100.0) is None  # no depth to measure by
    assert loss_ceiling(lrs, [float("nan"), 2.0, 1.0, 1.5, float("inf")], 1e-2, 100.0) == 1.0 + 100.0
