"""A short ramp's weak reading does not leave the run untrained, silently (session-15 new-user probe, ux;
``/work/notes/ux15/REPORT.md`` D12, high).

The multi-label MLP of ``/work/notes/ux15/workloads.py`` (``multilabel``: BCEWithLogits, MLP 20-64-6, SGD
momentum 0.9, batch 32; grid-best constant rate 0.1 over 300 updates), ``train_autopilot(task,
budget=60)``: at seeds 1-3 and 5-7 the peak is 0.38-0.49 and validation loss ends at 0.16-0.18; at seed 0
(and 4) the 16-update ramp's losses sit at 0.70-0.73 from 1e-5 to 0.63 and fall only at 1.6 and 4 (0.614,
0.584) before 10 (0.757); the reading is "weak signal: the drop is only 5.8 noise SDs ... minimum/10 rule
... minimum of the EMA curve / 10; then 0.5 of the way in log-rate from 6.31e-06 to 1/10^2.25 of the
sweep's last rate", peak **0.0006** (0.0094 at seed 4), and the run ends ``done`` at validation loss 0.718
(0.678) against 0.721 untrained: nothing trained, no warning, the event's words a reading like any other.
At budget 30 the same on 2 of 8 seeds (peaks 0.001-0.0017, 0.705-0.708). The EMA's minimum on a 16-point
ramp that is flat until its last three points is a noise dip near its start. Expected: the run trains (its
validation loss under 0.6 here), or a warning says the peak is a guess.
"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")

from lrkit.torch import Autopilot  # noqa: E402


def test_a_short_ramp_on_a_multilabel_mlp_trains_or_says_it_guessed():
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3000, 20, generator=g)
    w = torch.randn(20, 6, generator=g)
    y = ((x @ w + 0.5 * torch.randn(3000, 6, generator=g)) > 0.3).float()
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(20, 64), torch.nn.ReLU(), torch.nn.Linear(64, 6))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x[:2500], y[:2500]), batch_size=32,
                                         shuffle=True, generator=torch.Generator().manual_seed(0),
                                         drop_last=True)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    ap = Autopilot(opt, budget=60, model=model)
    batches = iter(loader)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        while not ap.done:
            try:
                xb, yb = next(batches)
            except StopIteration:
                batches = iter(loader)
                xb, yb = next(batches)
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            ap.step(loss)
    with torch.no_grad():
        val = float(loss_fn(model(x[2500:]), y[2500:]))
    said = [str(w.message) for w in caught if "peak" in str(w.message) or "probe" in str(w.message)]
    assert val < 0.6 or said, (ap.peak, val, ap.events[0].get("how"))


def test_untrained_is_diagnoses_nothing_moved_on_the_two_ends():
    from lrkit.torch._autopilot_phases import untrained

    flat = [0.70, 0.72, 0.71, 0.69, 0.72, 0.70, 0.71, 0.70, 0.72, 0.71] * 3
    start, end, z = untrained([0.71, 0.70, 0.72], flat)
    assert (start, end) == (0.71, 0.71) and -2.0 < z < 2.0
    assert untrained([0.71, 0.70, 0.72], [0.3 + 0.01 * (i % 3) for i in range(30)]) is None  # it fell
    assert untrained([0.71, 0.70, 0.72], [5.0 + 0.01 * (i % 3) for i in range(30)])[2] > 2.0  # it rose
    assert untrained([0.71, 0.70], flat) is None and untrained([0.71, 0.70, 0.72], [0.7, 0.7]) is None
    assert untrained([0.7, 0.7, 0.7], [0.7] * 10) == (0.7, 0.7, 0.0)  # no noise at all, no move


def test_a_run_that_trains_does_not_say_it_did_not():
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(512, 4, generator=g)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]])
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    ap = Autopilot(opt, budget=300, model=model)
    i = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        while not ap.done:
            xb, yb = x[i % 16 * 32:(i % 16 + 1) * 32], y[i % 16 * 32:(i % 16 + 1) * 32]
            i += 1
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(model(xb), yb)
            loss.backward()
            ap.step(loss)
    assert float(loss.detach()) < 1e-2
    assert not [w for w in caught if "where it started" in str(w.message)]
    assert not [e for e in ap.events if e.get("untrained")]


def test_the_untrained_run_names_its_peak_and_logs_an_event():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    g = torch.Generator().manual_seed(1)
    ap = Autopilot(opt, budget=60, model=model, peak=1e-9)  # a peak that moves nothing
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        while not ap.done:
            xb, yb = torch.randn(32, 4, generator=g), torch.randn(32, 1, generator=g)
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(model(xb), yb)
            loss.backward()
            ap.step(loss)
    said = [str(w.message) for w in caught if "where it started" in str(w.message)]
    assert len(said) == 1 and "peak of 1e-09 (given)" in said[0], said
    event = [e for e in ap.events if e.get("untrained")]
    assert len(event) == 1 and abs(event[0]["z"]) < 2.0
