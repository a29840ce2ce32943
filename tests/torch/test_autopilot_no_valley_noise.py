"""``AutopilotPolicy(no_valley_peak="noise")`` (an opt-in): a ramp with no valley that blew up at r, read by
its noise.

A quiet ramp (batch noise under ``no_valley_quiet`` of its median loss: a plateau) takes
``r / no_valley_below[0]``, a noisy one ``r / no_valley_below[1]``; a ramp with a valley, or one that
never blew up, reads exactly as under the floor. The noise is ``lrkit.finder.noise_scale`` over the
median loss, checked here against numpy's standard deviation of Gaussian noise.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lrkit import LRKitError  # noqa: E402
from lrkit.finder import sweep_schedule  # noqa: E402
from lrkit.torch import AutopilotPolicy, autopilot_peak  # noqa: E402
from lrkit.torch._autopilot_peak import no_valley_divisor, peak_rule, read_peak  # noqa: E402

from ._autopilot_run import assert_resumes, noise_run  # noqa: E402

P = [torch.nn.Parameter(torch.zeros(2))]
FLOOR = AutopilotPolicy(no_valley_peak="floor")
NOISE = AutopilotPolicy(no_valley_peak="noise")
KINDS = [lambda: torch.optim.Adam(P), lambda: torch.optim.SGD(P, lr=0.1),
         lambda: torch.optim.SGD(P, lr=0.1, momentum=0.9)]


def _flat(sd: float, level: float = 2.08, seed: int = 5, n: int = 80) -> tuple[np.ndarray, np.ndarray]:
    """A ramp whose loss never falls: ``level`` plus Gaussian noise of SD ``sd``."""
    lrs = sweep_schedule(1e-4, 1.0, n)(np.arange(n))
    return lrs, level + sd * np.random.default_rng(seed).standard_normal(n)


@pytest.mark.parametrize("make", KINDS)
@pytest.mark.parametrize("sd, which", [(0.02, 0), (0.2, 1)])  # 1% of the loss: quiet; 10%: noisy
def test_a_quiet_ramp_reads_the_first_divisor_and_a_noisy_one_the_second(make, sd, which):
    assert AutopilotPolicy().no_valley_peak == "floor"  # an opt-in; its divisors' defaults:
    assert AutopilotPolicy().no_valley_below == (10.0, 100.0) and AutopilotPolicy().no_valley_quiet == 0.03
    lrs, losses = _flat(sd)
    r = float(lrs[-1])
    peak, how = autopilot_peak(lrs, losses, make(), NOISE, diverged_at=r)
    f = peak_rule(make(), "auto").factor  # the kind's factor applies after (plain SGD's 2), capped at r/3
    k = NOISE.no_valley_below[which]
    assert peak == pytest.approx(min(f * r / k, r / NOISE.clip_above), rel=1e-12)
    assert ("the ramp quiet" if which == 0 else "the ramp noisy") in how and f"r/{k:g}" in how
    assert "no valley on the ramp" in how
    other = NOISE.replace(no_valley_below=(7.0, 70.0))  # the divisors are the field's, two numbers
    assert autopilot_peak(lrs, losses, make(), other, r)[0] == pytest.approx(
        min(f * r / (7.0, 70.0)[which], r / 3), rel=1e-12)


def test_the_noise_is_a_robust_sd_over_the_median_loss_and_the_threshold_splits_it():
    for sd, level in ((0.01, 2.0), (0.1, 2.0), (0.3, 0.8)):
        losses = level + sd * np.random.default_rng(0).standard_normal(4000)
        noise, _ = no_valley_divisor(losses)
        assert noise == pytest.approx(sd / np.median(losses), rel=0.05)  # numpy's Gaussian, known SD
    losses = 2.0 + 0.1 * np.random.default_rng(1).standard_normal(200)
    noise, _ = no_valley_divisor(losses)
    assert no_valley_divisor(losses, NOISE.replace(no_valley_quiet=noise * 1.01))[1] == 10.0
    assert no_valley_divisor(losses, NOISE.replace(no_valley_quiet=noise * 0.99))[1] == 100.0
    spiked = np.append(losses, [50.0, np.inf])  # the blow-up's last points move nothing
    assert no_valley_divisor(spiked)[1] == 100.0 and no_valley_divisor(spiked)[0] < 2 * noise


def test_a_ramp_with_a_valley_or_without_a_blow_up_reads_as_under_the_floor():
    n = 60
    lrs = sweep_schedule(1e-4, 1.0, n)(np.arange(n))
    x = np.log10(lrs)
    valley = 1.0 + 0.5 * np.tanh(-(x + 2.5) * 3) + np.exp(3 * (x + 0.3))
    for make in KINDS:
        for losses, r in ((valley, None), (valley, float(lrs[-1])), (_flat(0.02, n=n)[1], None),
                          (_flat(0.2, n=n)[1], None)):
            noise, floor = (autopilot_peak(lrs, losses, make(), p, r) for p in (NOISE, FLOOR))
            assert noise == floor


def test_read_peak_says_the_noise_reading_is_a_no_valley_floor_and_never_races():
    lrs, losses = _flat(0.02)
    r = float(lrs[-1])
    peak, how, at_floor = read_peak(lrs, losses, 1e-4, r, "default", True, NOISE)
    assert at_floor is True and (peak, how) == autopilot_peak(lrs, losses, torch.optim.Adam(P), NOISE, r)
    assert read_peak(lrs, losses, 1e-4, None, "default", True, NOISE)[2] is False


@pytest.mark.parametrize("field, bad", [("no_valley_below", (10.0,)), ("no_valley_below", (0.5, 100.0)),
                                        ("no_valley_below", (10.0, float("inf"))), ("no_valley_below", "10"),
                                        ("no_valley_quiet", 0.0), ("no_valley_quiet", -0.1)])
def test_bad_noise_fields_are_refused_by_name(field, bad):
    with pytest.raises(LRKitError, match=field):
        AutopilotPolicy(**{field: bad})


def test_an_autopilot_run_read_by_its_noise_spends_its_budget_and_resumes_bit_for_bit(assert_same):
    model, opt, ap, _, steps = noise_run(NOISE)
    first = ap.events[0]
    assert steps == ap.total_steps == 120 and ap.done
    assert "the ramp noisy" in first["how"]  # squared error on random targets: a noisy ramp
    assert ap.peak == pytest.approx(first["diverged_at"] / NOISE.no_valley_below[1], rel=1e-12)
    assert_resumes(NOISE, (model, opt, ap), (5, ap.probe_steps + 1, 100), assert_same)
