"""A short plain-SGD run that blows up from its first main-phase update (found by fixauto in session 15 on an
exact linear regression, noted in that session's closing note; reproduced here on the tests' own regression).

The noisy linear regression of ``tests/torch/_autopilot_run.py`` (8 features scaled 0.3..3: the MSE's Hessian
has its largest eigenvalue near 17.8, so plain SGD diverges above 2/17.8 = 0.11), plain SGD, ``budget=60``:
the 15-update ramp climbs 0.4 decades an update, the loss first rises at 1.6 and the divergence test reads the
blow-up at 4.0 (35 times the edge), the band's floor r/30 = 0.13 is already above it and plain SGD's factor 2
makes the peak 0.27. The main phase diverges from its first update, the loss growing about ten times an
update; the guard's spike test waits for ``min_spike_history`` (20) healthy losses, so the first rollback
comes 21 updates in (loss 1e21), and a first rollback keeps the rate (only a repeat within
``2 * snapshot_every`` cuts it): the run climbs again, unseen (the first climb's losses, kept as healthy,
set the spike test's bar above it), and ends at MSE 3e13 (seed 0; seeds 1, 3, 4: 5e18,
5e15, 7e17; seed 2, whose ramp blew up at 1.6, trains). Only the ``untrained`` warning says so. Expected:
the run ends no worse than it started.

Fixed by the guard's ceiling (``AutopilotPolicy.ramp_ceiling``, 100): a main-phase loss risen above the
lowest the ramp saw by a hundred times its depth (its highest at or below the peak less that) is a fault
at once; the climb is rolled back within a few updates and the repeated rollbacks halve the rate
(``BENCHMARKS.md#autopilot_ramp_ceiling``). The reading itself (a fast ramp's blow-up read 35x above the
edge) is unchanged.
"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")

from lrkit.torch import AutopilotPolicy  # noqa: E402
from lrkit.torch._autopilot_guard import Guard  # noqa: E402

from ._autopilot_run import regression, run  # noqa: E402


def test_a_short_plain_sgd_run_ends_no_worse_than_it_started():
    torch.set_num_threads(1)
    ended = {}
    for seed in range(5):
        torch.manual_seed(seed)
        x, y = regression(seed)
        start = float(((torch.nn.Linear(x.shape[1], 1)(x).squeeze(1) - y) ** 2).mean().detach())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ap, _, mse, _ = run(60, seed=seed)
        ended[seed] = (start, mse, ap.peak)
    assert all(mse < start for start, mse, _ in ended.values()), ended


def test_without_the_ceiling_the_short_run_still_blows_up():
    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, _, mse, _ = run(60, seed=0, policy=AutopilotPolicy(ramp_ceiling=None))
    assert mse > 1e6


def test_the_guard_faults_above_its_ceiling_before_the_spike_test_has_a_history():
    w = torch.nn.Parameter(torch.ones(1))
    guard = Guard(torch.optim.SGD([w], lr=0.5), None)
    guard.reset(0)
    guard.ceiling = 100.0
    w.grad = torch.ones(1)
    assert guard.update(99.0, 0) is None and w.item() == 0.5  # under it: applied
    first = guard.update(101.0, 1)
    assert first["fault"] == "loss above the ramp's" and first["action"] == "skipped" and w.item() == 0.5
    assert guard.update(150.0, 2)["action"] == "rolled back" and w.item() == 1.0  # the snapshot's
    state = guard.state_dict()
    again = Guard(torch.optim.SGD([w], lr=0.5), None)
    again.load_state_dict(state)
    assert again.ceiling == 100.0
    del state["ceiling"]  # a state saved before the ceiling: none
    again.load_state_dict(state)
    assert again.ceiling is None and again.update(1e9, 3) is None


def test_the_ceiling_is_the_ramps_lowest_loss_plus_the_policys_times_its_depth_below_the_peak():
    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ap, _, _, _ = run(300, seed=2)
    below = [v for r, v in zip(ap.probe_lrs, ap.probe_losses) if r <= ap.peak]
    floor = min(ap.probe_losses)
    assert ap._guard.ceiling == pytest.approx(floor + AutopilotPolicy().ramp_ceiling * (max(below) - floor))
    with pytest.raises(ValueError, match="ramp_ceiling"):
        AutopilotPolicy(ramp_ceiling=0.5)
