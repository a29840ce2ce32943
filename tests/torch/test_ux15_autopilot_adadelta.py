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


def test_the_adaptive_band_sits_where_the_class_default_lives():
    from lrkit.torch import AutopilotPolicy
    from lrkit.torch._autopilot_peak import kind_policy
    from lrkit.torch._autopilot_probe import probe_range
    from lrkit.torch._finder_rule import documented_lr

    p = [torch.nn.Parameter(torch.zeros(2))]
    policy = AutopilotPolicy()
    # every zoo kind's documented default sits >= 100x under the band's top: the same policy object
    for cls in (torch.optim.Adam, torch.optim.AdamW, torch.optim.NAdam, torch.optim.RAdam, torch.optim.Adamax,
                torch.optim.RMSprop, torch.optim.Adagrad):
        assert kind_policy(cls(p), policy) is policy, cls
    sgd = torch.optim.SGD(p, lr=0.1)  # an SGD rate has the gradient's units: its default is no scale
    assert kind_policy(sgd, policy) is policy and probe_range(sgd, "ramp") == policy.sgd_band
    ada = torch.optim.Adadelta(p)
    assert documented_lr(ada) == 1.0
    raised = kind_policy(ada, policy)
    assert raised.adaptive_band == pytest.approx((1e-2, 100.0))
    assert raised.adaptive_floor == pytest.approx(1e-3)
    assert probe_range(ada, "ramp") == pytest.approx((1e-2, 100.0))
    assert probe_range(ada, "rollback") == pytest.approx((1e-3, 100.0))
    assert kind_policy(ada, policy.replace(default_headroom=1.0)).adaptive_band == pytest.approx((1e-4, 1.0))


def test_a_default_that_is_no_number_leaves_the_band():
    from lrkit.torch import AutopilotPolicy
    from lrkit.torch._autopilot_peak import kind_policy
    from lrkit.torch._finder_rule import documented_lr

    class Relative(torch.optim.Optimizer):  # Hugging Face Adafactor's shape: lr=None, a relative step
        def __init__(self, params, lr=None, betas=(0.9, 0.99)):
            super().__init__(params, {"lr": lr, "betas": betas})

    class NearOne(torch.optim.Optimizer):  # an LR-free multiplier with betas (Prodigy's shape)
        def __init__(self, params, lr=1.0, betas=(0.9, 0.99)):
            super().__init__(params, {"lr": lr, "betas": betas})

    p = [torch.nn.Parameter(torch.zeros(2))]
    policy = AutopilotPolicy()
    assert documented_lr(Relative(p)) is None and kind_policy(Relative(p), policy) is policy
    assert kind_policy(NearOne(p), policy).adaptive_band == pytest.approx((1e-2, 100.0))
    with pytest.raises(ValueError, match="default_headroom"):
        AutopilotPolicy(default_headroom=0.5)
