"""find_lr with an optimizer whose ``step`` needs a closure (LBFGS): one error naming the way out, first."""

from __future__ import annotations

import pytest
import torch

from lrkit import LRKitError
from lrkit.torch import Update, find_lr


def _parts(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(256, 4, generator=g)
    y = x @ torch.tensor([1.0, -1.0, 0.5, 2.0])
    torch.manual_seed(seed)
    model = torch.nn.Linear(4, 1)
    loss_fn = lambda out, t: ((out.squeeze(1) - t) ** 2).mean()  # noqa: E731
    return model, loss_fn, [(x[i:i + 32], y[i:i + 32]) for i in range(0, 256, 32)]


def test_lbfgs_without_a_step_is_one_error_naming_update_step_and_nothing_changes():
    model, loss_fn, batches = _parts()
    opt = torch.optim.LBFGS(model.parameters(), lr=1.0)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(LRKitError, match=r"LBFGS.*closure.*Update\(step="):
        find_lr(model, opt, loss_fn, batches, progress=False)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert opt.param_groups[0]["lr"] == 1.0 and not opt.state


def test_lbfgs_with_a_closure_step_sweeps():
    model, loss_fn, batches = _parts()
    opt = torch.optim.LBFGS(model.parameters(), lr=1.0, max_iter=1)

    def step(model, optimizer, batch, loss_fn):
        inputs, target = batch

        def closure():
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), target)
            loss.backward()
            return loss

        return optimizer.step(closure)

    r = find_lr(model, opt, loss_fn, batches, update=Update(step=step), progress=False, interval=False)
    assert r.steps >= 10 and r.losses.size == r.steps


def test_the_ways_out_find_lr_names_are_public_for_front_ends_that_reword_them():
    from lrkit.torch import BATCH_LAYOUTS, FIND_LR_WAYS_OUT
    from lrkit.torch._finder_rule import needs_closure

    model, loss_fn, batches = _parts()
    opt = torch.optim.LBFGS(model.parameters(), lr=1.0)
    assert needs_closure(opt) and not needs_closure(torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(LRKitError) as closure:
        find_lr(model, opt, loss_fn, batches, progress=False)
    with pytest.raises(LRKitError) as layout:
        find_lr(model, torch.optim.SGD(model.parameters(), lr=0.1), loss_fn, [(x,) for x, _ in batches],
                progress=False)
    assert FIND_LR_WAYS_OUT["step"] in str(closure.value)
    assert FIND_LR_WAYS_OUT["forward"] in str(layout.value) and BATCH_LAYOUTS in str(layout.value)
