"""The guard of ``lrkit.diagnose``: which signs of a rate at its limit forbid which verdicts."""

from __future__ import annotations

import numpy as np

from lrkit.diagnostics import DiagnosePolicy, calibrated, diagnose, measure


def _hard_first_batch(seed: int = 0, n: int = 300) -> np.ndarray:
    """A good run whose first batch happened to be hard: 3.5, then the curve itself starts near 2.3,
    wobbles up to about 2.75 over a few noisy batches and falls towards 0.3, still creeping down at
    the end (the built-in diabetes-linear
    and regression-linear good runs look like this)."""
    t = np.arange(n - 6, dtype=float)
    head = [3.5, 2.2, 2.3, 2.75, 2.8, 2.7]
    fall = 0.3 + 2.0 * np.exp(-t / 30.0) + 0.4 * (1.0 - t / n)
    return np.concatenate([head, fall]) + 0.01 * np.random.default_rng(seed).normal(size=n)


def test_a_hard_first_batch_followed_by_its_fall_is_not_a_jump_above_the_start():
    # Regression (issue 14, built-in corpus): the jump was measured from the lower start reading
    # min(y_0, median(y_0..y_2)), so a good run whose first loss was high and whose next few batches
    # wobbled read as "rose above its first loss" and became `uncertain`. The loss never rose above
    # y_0: the jump is measured from y_0 itself.
    y = _hard_first_batch()
    m = measure(y)
    assert m.shape.peak_excess > DiagnosePolicy().limit_peak  # above the start reading the descent uses
    assert m.shape.jump_excess < 0  # never above the first loss itself
    d = diagnose(y, np.full(y.size, 0.1))
    assert d.verdict == "healthy", d.recommendation


def test_a_real_jump_above_the_first_loss_still_vetoes_keep():
    # The same run whose first loss was the low one: the loss rose above it by about 0.2 of its descent.
    y = _hard_first_batch()
    y[0] = 2.3
    d = diagnose(y, np.full(y.size, 0.1))
    assert d.verdict == "uncertain" and d.runner_up == "healthy" and "rose" in d.recommendation


def test_a_verdict_no_held_out_run_measured_claims_no_more_than_unmeasured_max():
    # loss_spikes has no label in the zoo corpus, so the calibration has no steps for it; its raw
    # score (the spike's margin) is not a share right on any family and must stay under the 0.8 that
    # measured verdicts earn. With no calibration at all the confidence is the raw score.
    rng = np.random.default_rng(0)
    y = 0.3 + 2.0 * np.exp(-np.arange(400) / 60.0) + 0.01 * rng.normal(size=400)
    y[200:203] += 3.0
    d = diagnose(y)
    assert d.verdict == "loss_spikes" and d.confidence <= DiagnosePolicy().unmeasured_max < 0.8
    raw = diagnose(y, policy=DiagnosePolicy(calibration=()))
    assert raw.confidence > DiagnosePolicy().unmeasured_max


def test_calibrated_maps_a_raw_score_through_its_verdicts_steps_and_caps_the_unmeasured():
    p = DiagnosePolicy(calibration=(("too_low_slow", ((0.6, 0.0), (0.9, 0.5), (1.0, 0.7))),))
    rates = (0.55, 0.6, 0.61, 0.95, 1.0)
    assert [calibrated("too_low_slow", r, p) for r in rates] == [0.0, 0.0, 0.5, 0.7, 0.7]
    assert calibrated("loss_spikes", 0.9, p) == p.unmeasured_max  # no steps for it: capped
    assert calibrated("loss_spikes", 0.6, p) == 0.6
    assert calibrated("too_low_slow", 0.95, p.replace(calibration=())) == 0.95  # no map: the raw score
    # The shipped map gives no measured verdict but nan 0.8 (held out, the only one right 95% of the time).
    shipped = DiagnosePolicy()
    assert all(calibrated(v, 1.0, shipped) < 0.8 for v, _ in shipped.calibration if v != "nan")


def test_a_slow_run_whose_only_sign_is_a_validation_rise_is_overfitting_and_keeps_its_rate():
    # A training loss still creeping down (the slow test fires) while the validation loss has turned up
    # is a model fitting past what generalises at a rate that learns: "raise the rate" would be wrong
    # and "I can't tell" says less than the history shows. With a jump above y_0 too, it stays uncertain.
    t = np.arange(400, dtype=float)
    y = 0.5 + 2.0 * np.exp(-t / 200.0) + 0.01 * np.random.default_rng(0).normal(size=400)
    val_steps = np.arange(50, 401, 50)
    turned = np.array([2.0, 1.2, 1.0, 0.95, 1.0, 1.05, 1.1, 1.15])  # rose back 0.2 / 1.05 of its drop
    assert diagnose(y).verdict == "too_low_slow"
    d = diagnose(y, val_losses=turned, val_steps=val_steps)
    assert d.verdict == "healthy" and d.direction == "keep" and d.runner_up == "too_low_slow"
    assert "overfitting" in d.recommendation and "too_low_slow" not in d.fired
    off = DiagnosePolicy(overfit_val_rise=100.0)
    assert diagnose(y, val_losses=turned, val_steps=val_steps, policy=off).verdict == "uncertain"
    jumped = y.copy()
    jumped[1:6] = y[0] + 0.4  # rose above y_0 by about 0.3 of its descent first
    assert diagnose(jumped, val_losses=turned, val_steps=val_steps).verdict == "uncertain"


def test_negative_rates_are_refused_by_measure_and_the_monitor_before_any_state_changes():
    import pytest

    from lrkit import LRKitError
    from lrkit.diagnostics import Monitor

    with pytest.raises(LRKitError, match="`lrs` of measure must be non-negative.*-0.5.*index 3"):
        measure(np.linspace(2.0, 1.0, 50), np.array([0.1, 0.1, 0.1, -0.5] + [0.1] * 46))
    # measure's errors name measure, the function the user called (they said "of diagnose")
    with pytest.raises(LRKitError, match=r"`lrs` of measure must have one value per loss \(50\); got 3"):
        measure(np.linspace(2.0, 1.0, 50), [0.1] * 3)
    with pytest.raises(LRKitError, match="`losses` of measure must be one-dimensional"):
        measure(np.ones((10, 2)))
    mon = Monitor(every=10)
    mon.observe(0, 1.0, lr=0.1)
    with pytest.raises(LRKitError, match="`lr` of Monitor.observe must be a non-negative"):
        mon.observe(1, 1.0, lr=-0.1)
    assert mon.observe(1, 1.0, lr=0.1) is False  # step 1 was not consumed by the refused call
