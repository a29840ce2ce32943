"""A plain-loop user who clips gradients (``clip_grad_norm_``, the default of the Hugging Face Trainer and
of most transformer recipes) and accumulates micro-batches has no way to tell ``find_lr``: ``Update`` has
no clipping field, and a ``step`` hook (which could clip) is refused with ``accumulation_steps > 1``.
``lrkit.hf.find_lr`` and ``lrkit.lightning`` do clip as their trainers do; plain ``find_lr`` cannot.

Measured (session-7 new-user probe, ``/work/notes/ux7/grid.py``, workload ``reg1d_sgd_clip``: a 1-D
regression on raw targets, SGD momentum, clip at norm 1, 4 micro-batches of 8, 3 seeds): grid-best
peak 1.0; ``find_lr`` with ``Update(accumulation_steps=4)`` (no clipping possible) suggests
7e-7..9e-6, 5-6 decades low, and training there gains nothing (gap 100%); with a clipping step hook
(no accumulation) 0.014-0.024 (gap 18.6%).

``Update(max_grad_norm=...)`` (the name ``lrkit.hf`` reads from ``TrainingArguments``) clips after
accumulation: it sweeps the same updates as a clipping step hook on the same rows in one batch."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from lrkit.finder import Sweep
from lrkit.torch import Update, find_lr


def _data():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(512, 1, generator=g) * 10
    y = (2000 * torch.sin(x) + 300 * x).squeeze(1)
    return x, y


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(1, 32), nn.ReLU(), nn.Linear(32, 1), nn.Flatten(0))


def _clip_step(model, optimizer, batch, loss_fn):
    x, y = batch
    loss = loss_fn(model(x), y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    return loss


SWEEP = Sweep(start=1e-4, end=100.0, num_steps=40)


def test_a_step_hook_cannot_be_combined_with_accumulation():
    from lrkit import LRKitError

    with pytest.raises(LRKitError, match=r"^`step` of Update must be None with accumulation_steps > 1"):
        Update(step=_clip_step, accumulation_steps=4)


def test_clipping_after_accumulation_sweeps_as_a_clipped_full_batch():
    x, y = _data()
    big = [(x[i:i + 32], y[i:i + 32]) for i in range(0, 512, 32)]
    small = [(x[i:i + 8], y[i:i + 8]) for i in range(0, 512, 8)]
    m1 = _model()
    ref = find_lr(m1, torch.optim.SGD(m1.parameters(), lr=1e-3, momentum=0.9), nn.MSELoss(), big,
                  sweep=SWEEP, update=Update(step=_clip_step), interval=False, retry=False)
    m2 = _model()
    got = find_lr(m2, torch.optim.SGD(m2.parameters(), lr=1e-3, momentum=0.9), nn.MSELoss(), small,
                  sweep=SWEEP, update=Update(accumulation_steps=4, max_grad_norm=1.0), interval=False,
                  retry=False)
    assert ref.suggestion is not None and got.suggestion is not None
    assert abs(math.log10(got.suggestion / ref.suggestion)) < 0.2


def test_the_optimizer_steps_on_the_clipped_accumulated_gradient():
    """Each update's gradient, as the optimizer sees it, has total 2-norm at most max_grad_norm."""
    x, y = _data()
    small = [(x[i:i + 8], y[i:i + 8]) for i in range(0, 512, 8)]
    model = _model()
    before = [p.detach().clone() for p in model.parameters()]
    norms = []

    class Recorder(torch.optim.SGD):
        def step(self, closure=None):
            grads = [p.grad for g in self.param_groups for p in g["params"] if p.grad is not None]
            each = torch.stack([torch.linalg.vector_norm(g) for g in grads])
            norms.append(float(torch.linalg.vector_norm(each)))
            return super().step(closure)

    opt = Recorder(model.parameters(), lr=1e-3)
    find_lr(model, opt, nn.MSELoss(), small, sweep=Sweep(start=1e-6, end=1e-3, num_steps=12),
            update=Update(accumulation_steps=4, max_grad_norm=0.5), interval=False, retry=False)
    assert len(norms) == 12
    assert max(norms) <= 0.5 * (1 + 1e-5)  # clip_grad_norm_ scales by max_norm / (norm + 1e-6)
    assert min(norms) > 0.4  # this regression's raw gradients are in the thousands: every one was clipped
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))  # the sweep left the model


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), "1"])
def test_a_bad_max_grad_norm_is_one_error_naming_it(bad):
    from lrkit import LRKitError

    with pytest.raises(LRKitError, match=r"^`max_grad_norm` of Update must be a finite number > 0; got"):
        Update(max_grad_norm=bad)


def test_a_step_hook_cannot_be_combined_with_clipping():
    from lrkit import LRKitError

    with pytest.raises(LRKitError, match=r"max_grad_norm \(the step hook owns the whole update: clip inside"):
        Update(step=_clip_step, max_grad_norm=1.0)
