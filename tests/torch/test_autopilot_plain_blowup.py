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
"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")

from ._autopilot_run import regression, run  # noqa: E402


@pytest.mark.xfail(strict=True, reason="plain SGD's blow-up read late on a fast ramp, and the guard's spike "
                                       "test blind for its first 20 losses")
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
