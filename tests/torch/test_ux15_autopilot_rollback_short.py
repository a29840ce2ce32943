"""The Autopilot's rolled-back probe at a short budget trains, or says it cannot read a peak (session-15
new-user probe, ux; ``/work/notes/ux15/REPORT.md`` D11, high).

docs/watch.md: ``probe="rollback"`` runs ``max(10, min(100, B // 10))`` updates from 1e-5 to 10 ("pass
``probe="rollback"`` for a model too large for" the ramp's snapshots). At ``budget=100`` (or 16, or 50)
that is 10 rates a factor 4.6 apart. On the Autopilot's own docstring example (a linear regression, SGD
momentum 0.9, ``/work/notes/ux15/ap_rollback.py``) the probe's losses are 13.7, 16.3, 26.8, 17.2, 19.1,
11.6, 11.5, 1.08, **286, 547**: the loss blew up 40x over its start at the last two rates, yet
``events[0]["diverged_at"]`` is None, the first event's ``how`` reads "fastai valley: middle of the
longest descent; no valley on the ramp (no descent): this peak is a guess" (not the band's floor r/30 the
guide promises for a ramp with no valley), and the peak is **4.6e-05**, four decades under the rate that
took the loss from 13.7 to 1.08. The main phase trains at it: the run ends ``done`` at loss 14.6 (16.4 at
budget 16, 11.5 at 50), above or near its untrained 13.7, no warning. The default ramp at the same budget
ends at 0.002 (0.096 at 16). The finder calls a sweep whose rates lie more than a factor 3 apart
``coarse`` and says ``low``; the Autopilot reads it silently. Expected: the run trains (its final loss a
tenth of its first or lower), or a warning says the probe could not read a peak.
"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")

from lrkit.torch import Autopilot  # noqa: E402


def _run(probe: str) -> tuple[list[float], list[str], Autopilot]:
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(512, 4, generator=g)
    y = x @ torch.tensor([1.0, -2.0, 0.5, 3.0])
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    batches = torch.Generator().manual_seed(1)
    ap = Autopilot(torch.optim.SGD(model.parameters(), lr=1.0, momentum=0.9), budget=100, model=model,
                   probe=probe)
    losses = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        while not ap.done:
            ap.optimizer.zero_grad()
            i = torch.randint(0, 512, (32,), generator=batches)
            loss = ((model(x[i]).squeeze(1) - y[i]) ** 2).mean()
            loss.backward()
            losses.append(float(loss.detach()))
            ap.step(loss)
    said = [str(w.message) for w in caught if "probe" in str(w.message) or "peak" in str(w.message)]
    return losses, said, ap


def test_a_short_rolled_back_probe_trains_or_says_it_cannot_tell():
    losses, said, ap = _run("rollback")
    assert losses[-1] < 0.1 * losses[0] or said, (ap.peak, losses[0], losses[-1], ap.events[0].get("how"))


def test_a_ramp_that_reads_a_peak_says_nothing():
    losses, said, ap = _run("ramp")
    assert losses[-1] < 0.1 * losses[0] and not said, (said, ap.events[0].get("how"))
