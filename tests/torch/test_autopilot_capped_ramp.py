"""A ramp the user's ``lr_max`` cut below the kind's band that never blew up: its peak is read below the
cap, not below a blow-up, said in the events (``capped_at``) and a warning; every other run is as before."""

from __future__ import annotations

import warnings

import numpy as np

import pytest

torch = pytest.importorskip("torch")

from lrkit.torch._autopilot_probe import Probe  # noqa: E402

from ._autopilot_run import run  # noqa: E402


def _probe(hi: float, adaptive: bool = False, n: int = 20) -> Probe:
    probe = Probe(1e-5, hi, n, True, "default", adaptive)
    for k in range(n):
        if probe.record(2.0 - 0.05 * k, True):
            break
    return probe


def test_capped_at_names_an_lr_max_below_the_band_the_ramp_reached_without_blowing_up():
    assert _probe(0.01).capped_at() == 0.01 and _probe(0.1, adaptive=True).capped_at() == 0.1
    assert _probe(10.0).capped_at() is None and _probe(1.0, adaptive=True).capped_at() is None  # the band
    blew = Probe(1e-5, 0.01, 20, True, "default")
    for k in range(20):
        if blew.record(1.0 if k < 10 else 10.0 ** (k - 9), True):
            break
    assert blew.diverged_at() is not None and blew.capped_at() is None
    assert Probe(1e-5, 0.01, 20, True, "default").capped_at() is None  # not over yet


@pytest.mark.parametrize("lr_max", [None, 10.0, 100.0])
def test_an_uncapped_run_is_bit_for_bit_the_same(lr_max):
    # lr_max at or above the band's top (10 for SGD) is no cap: the same run, no warning, capped_at None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ap, model, mse, _ = run(200, optimizer="momentum", lr_max=lr_max)
    ref, ref_model, ref_mse, _ = run(200, optimizer="momentum")
    if lr_max == 100.0:  # a wider ramp is another run; it is still no cap
        assert ap.events[0]["capped_at"] is None
        return
    assert ap.peak == ref.peak and mse == ref_mse and ap.events == ref.events
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), ref_model.parameters()))
    assert ap.events[0]["capped_at"] is None and "lr_max" not in ap.events[0]["how"]


def test_a_capped_run_warns_once_and_records_its_cap():
    with pytest.warns(UserWarning, match=r"reached lr_max=0.003 without the loss blowing up") as caught:
        ap, _, _, _ = run(200, optimizer="momentum", lr_max=0.003)
    assert len([w for w in caught if "lr_max" in str(w.message)]) == 1
    assert ap.events[0]["capped_at"] == 0.003 and ap.events[0]["diverged_at"] is None
    with warnings.catch_warnings():  # a given peak reads nothing off the ramp: nothing to warn about
        warnings.simplefilter("error")
        given, _, _, _ = run(200, optimizer="momentum", lr_max=0.003, peak=0.001)
    assert given.events[0]["capped_at"] == 0.003 and given.events[0]["how"] == "given"


def test_an_uncapped_ramp_whose_last_update_came_below_the_band_keeps_its_anchor():
    # The cap is the user's lr_max, not the ramp's last rate: an uncapped SGD-momentum ramp whose last
    # applied update came below the band's top (a skipped fault at the end) is read with the anchor,
    # as the Autopilot reads it; read without it only when capped_at names a user's lr_max.
    from lrkit.torch._autopilot_peak import capped_at, read_peak

    lrs = list(np.geomspace(1e-4, 5.0, 40))
    losses = [1.0 / (1.0 + 50 * r) for r in lrs]
    assert capped_at(None, lrs, None) is None and capped_at(10.0, lrs, None) is None
    anchored = read_peak(lrs, losses, 1e-4, None, "default", False, anchor=2.25)
    assert "not anchored" not in anchored[1]
    assert capped_at(5.0, lrs, None) == 5.0
    cut = read_peak(lrs, losses, 1e-4, None, "default", False, anchor=2.25, capped=5.0)
    assert "not anchored: the ramp reached its cap 5 without blowing up" in cut[1]
    assert cut[0] > anchored[0]  # the anchor pulls the reading towards 2.25 decades below the top


def test_autopilot_peak_reads_a_recorded_capped_ramp_as_the_run_did():
    from lrkit.torch import autopilot_peak

    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
    lrs = list(np.geomspace(1e-4, 0.05, 40))
    losses = [1.0 / (1.0 + 50 * r) for r in lrs]
    assert "not anchored" in autopilot_peak(lrs, losses, opt, lr_max=0.05)[1]
    assert "not anchored" not in autopilot_peak(lrs, losses, opt)[1]
