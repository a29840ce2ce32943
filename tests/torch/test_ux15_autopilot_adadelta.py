"""The Autopilot on torch's Adadelta trains at least as well as Adadelta's own default rate, or says why not
(session-15 new-user probe, ux; ``/work/notes/ux15/REPORT.md`` D15, high).

``torch.optim.Adadelta(model.parameters())`` (its default ``lr=1.0``: the rate multiplies a unit-corrected
step, as docs/see.md says) on a small classifier (8 features, MLP 8-32-2 with BatchNorm, batches of 32;
``/work/notes/ux15/scripts/base.py``): at a constant 1.0 the training loss ends at 0.14-0.16 after 100
updates (0.24-0.29 after 60, 0.17-0.19 after 150; seeds 0-2). ``Autopilot(Adadelta(...), budget=B)``
sweeps the adaptive band, 1e-4 to 1, which ends where Adadelta begins to work: at B = 60, 100, 150 (seeds
0-2) eight of nine runs end at 0.58-0.85 (untrained 0.84), with peaks 0.002-0.07; the first event says
"guess" on four of them and, on the others, reads an ordinary valley ("falling: where the valley at half
depth begins: lr 0.00428 (falling) to 0.0199 (rising)", B = 100, seed 0: final 0.846). No warning: a ramp
that never blew up inside its band says nothing unless a user's ``lr_max`` cut it. ``find_lr`` (band
1e-7..10) answers 2.02 (``medium``). Expected: at B = 100 the run trains (loss under 0.5), or a warning
says the band may sit below the optimizer's working rates.
"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")

from lrkit.torch import Autopilot  # noqa: E402


@pytest.mark.xfail(strict=True, reason="ux15 D15: Adadelta under the adaptive band does not train")
def test_the_autopilot_trains_adadelta_or_says_its_band_is_low():
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(512, 8, generator=g)
    y = (x[:, 0] + x[:, 1] > 0).long()
    batches = [(x[i:i + 32], y[i:i + 32]) for i in range(0, 384, 32)]
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.BatchNorm1d(32), torch.nn.ReLU(),
                                torch.nn.Linear(32, 2))
    opt = torch.optim.Adadelta(model.parameters())
    loss_fn = torch.nn.CrossEntropyLoss()
    ap = Autopilot(opt, budget=100, model=model)
    step = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        while not ap.done:
            xb, yb = batches[step % len(batches)]
            step += 1
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            ap.step(loss)
    said = [str(w.message) for w in caught if "peak" in str(w.message) or "band" in str(w.message)
            or "probe" in str(w.message)]
    assert float(loss.detach()) < 0.5 or said, (ap.peak, float(loss.detach()), ap.events[0].get("how"))
