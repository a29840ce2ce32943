"""The Autopilot's rollback restores the optimizer in place: a wrapper that reads its optimizer's groups
through ``__getattr__`` (Lightning's ``LightningOptimizer``, what ``self.optimizers()`` returns) still
shares them after it, so the rate the Autopilot writes is the rate the optimizer steps at (ux13 D7:
``test_ux13_autopilot_lightning_optimizer.py``, end to end in a real Trainer).
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch", reason="lightning is not installed (it is in the dev extra)")

from lightning.pytorch.core.optimizer import LightningOptimizer  # noqa: E402

from lrkit.torch._autopilot_guard import restore_snapshot, take_snapshot  # noqa: E402


def _stepped(opt: torch.optim.Optimizer, w: torch.nn.Parameter) -> None:
    w.grad = torch.ones_like(w)
    opt.step()


def test_a_rollback_through_lightnings_wrapper_leaves_it_sharing_the_optimizer():
    w = torch.nn.Parameter(torch.ones(3))
    inner = torch.optim.SGD([w], lr=0.1, momentum=0.9)
    wrapper = LightningOptimizer(inner)
    snap = take_snapshot(wrapper, None, 0)
    _stepped(inner, w)
    restore_snapshot(wrapper, None, snap)
    wrapper.param_groups[0]["lr"] = 0.01  # what the Autopilot does next
    assert inner.param_groups[0]["lr"] == 0.01
    assert wrapper.param_groups is inner.param_groups and wrapper.state is inner.state
    assert torch.equal(w.detach(), torch.ones(3)) and not inner.state  # the snapshot: before any step


def test_a_rollback_restores_the_state_bit_for_bit_into_the_objects_held():
    w = torch.nn.Parameter(torch.ones(3))
    opt = torch.optim.Adam([w], lr=0.1)
    _stepped(opt, w)
    snap = take_snapshot(opt, None, 1)
    saved = {k: v.clone() for k, v in opt.state[w].items()}
    group, state = opt.param_groups[0], opt.state
    _stepped(opt, w)
    opt.param_groups[0]["lr"] = 0.05
    restore_snapshot(opt, None, snap)
    assert opt.param_groups[0] is group and opt.state is state and group["lr"] == 0.05
    assert all(torch.equal(opt.state[w][k], v) for k, v in saved.items())
