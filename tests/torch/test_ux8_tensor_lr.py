"""A tensor learning rate stays the same tensor object (ux8 probe).

torch's advice for a compiled optimizer step (``torch.compile(opt.step)``) and for capturable optimizers
is ``lr=torch.tensor(...)``: the compiled step reads the tensor, so a new rate is a new value, not a
recompile. ``LRScheduler`` keeps that object (``fill_``, "fused kernels hold it"). The Autopilot
replaces it with a Python float at its first write (`/work/notes/ux8/p9_tensor_lr.py`: Adam, AdamW and
SGD built with a tensor rate end with ``float`` rates), so a compiled step recompiles for every new rate.
``find_lr`` is worse: the sweep writes its rates into the user's tensor in place, and the restore puts a
*new* tensor holding 0.01 into the group, leaving the user's tensor at the sweep's last rate, 10.0: any
other holder of it (a second optimizer, a compiled step's closure, the user's own variable) now reads
10.0 (docs/find.md: "group dicts updated in place"; the brief: never leave a user's state changed).
Owners: auto (``torch/_autopilot*``), finder (the restore in ``torch/_finder.py`` / ``_state.py``).
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from lrkit.finder import Sweep  # noqa: E402
from lrkit.torch import Autopilot, find_lr  # noqa: E402


def _data() -> list[tuple[torch.Tensor, torch.Tensor]]:
    x = torch.randn(512, 4, generator=torch.Generator().manual_seed(0))
    y = x @ torch.tensor([1.0, -2.0, 0.5, 3.0])
    return [(x[i:i + 32], y[i:i + 32]) for i in range(0, 512, 32)]


def _loss(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return ((out.squeeze(1) - target) ** 2).mean()


def test_the_autopilot_keeps_a_tensor_rate_the_same_tensor():
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=torch.tensor(0.01), momentum=0.9)
    rate = opt.param_groups[0]["lr"]
    ap, data, i = Autopilot(opt, budget=40, model=model), _data(), 0
    while not ap.done:
        x, t = data[i % len(data)]
        i += 1
        opt.zero_grad()
        loss = _loss(model(x), t)
        loss.backward()
        ap.step(loss)
    assert opt.param_groups[0]["lr"] is rate, type(opt.param_groups[0]["lr"]).__name__
    assert float(rate) == ap.lr


def test_find_lr_puts_back_the_same_tensor_rate():
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.Adam(model.parameters(), lr=torch.tensor(0.01))
    rate = opt.param_groups[0]["lr"]
    find_lr(model, opt, _loss, _data(), sweep=Sweep(start=1e-5, end=10.0, num_steps=40), interval=False)
    assert float(opt.param_groups[0]["lr"]) == pytest.approx(0.01)  # the group's value (it is, today)
    assert float(rate) == pytest.approx(0.01), f"the user's lr tensor was left at {float(rate)}"
    assert opt.param_groups[0]["lr"] is rate
