"""What the Autopilot tests share: a noisy linear regression and a loop that trains it to the end."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from lrkit.torch import Autopilot


def regression(seed: int = 0, n: int = 512, d: int = 8,
               noise: float = 0.1) -> tuple[torch.Tensor, torch.Tensor]:
    """``y = x w + noise``, the features scaled 0.3..3 (condition number ~100 for the Hessian)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g) * torch.linspace(0.3, 3.0, d)
    w = torch.randn(d, generator=g)
    return x, x @ w + noise * torch.randn(n, generator=g)


def run(budget: int | None = 300, *, seed: int = 0, optimizer: str = "sgd",
        on_step: Callable[[int, Autopilot, torch.nn.Module, torch.Tensor], torch.Tensor] | None = None,
        max_updates: int | None = None, **kw: Any) -> tuple[Autopilot, torch.nn.Module, float, int]:
    """Train a linear model on :func:`regression` with an Autopilot until it is done, or for
    ``max_updates`` (a run without a budget is never done; ``optimizer``: ``"sgd"``, ``"adam"`` or
    ``"momentum"``, SGD with momentum 0.9).

    ``on_step(step, ap, model, loss)`` runs before every ``ap.step`` and returns the loss to
    pass (a fault injected, or the loss as it is). Returns ``(ap, model, final MSE, updates)``.
    """
    torch.manual_seed(seed)
    x, y = regression(seed)
    model = torch.nn.Linear(x.shape[1], 1)
    params = model.parameters()
    opt = {"sgd": lambda: torch.optim.SGD(params, lr=1.0), "adam": lambda: torch.optim.Adam(params),
           "momentum": lambda: torch.optim.SGD(params, lr=1.0, momentum=0.9)}[optimizer]()
    ap = Autopilot(opt, budget=budget, model=model, **kw)
    g = torch.Generator().manual_seed(seed + 1)
    step = 0
    while not ap.done and (max_updates is None or step < max_updates):
        opt.zero_grad()
        i = torch.randint(0, len(x), (32,), generator=g)
        loss = ((model(x[i]).squeeze(1) - y[i]) ** 2).mean()
        loss.backward()
        if on_step is not None:
            loss = on_step(step, ap, model, loss)
        ap.step(loss)
        step += 1
    with torch.no_grad():
        return ap, model, float(((model(x).squeeze(1) - y) ** 2).mean()), step
