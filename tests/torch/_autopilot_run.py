"""What the Autopilot tests share: a noisy linear regression and a loop that trains it to the end; a ramp
with no valley (random targets) and the check that a run paused anywhere resumes bit for bit."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import torch

from lrkit.torch import Autopilot, AutopilotPolicy


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


def noise_run(policy: AutopilotPolicy, budget: int = 120, stop: int | None = None, state=None,
              learnable: bool = False):
    """SGD with momentum on targets with nothing to learn (the ramp's loss never falls, then blows up;
    ``learnable``: a linear target, whose ramp has a valley). Returns the model, optimizer, Autopilot,
    generator and updates made (``stop``: pause there)."""
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(512, 8, generator=g), torch.randn(512, generator=g)
    if learnable:
        y = x @ torch.linspace(-2.0, 2.0, 8)
    model = torch.nn.Linear(8, 1)
    with torch.no_grad():
        model.weight.zero_()
        model.bias.zero_()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    ap = Autopilot(opt, budget=budget, model=model, policy=policy)
    batches, step = torch.Generator().manual_seed(3), 0
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        ap.load_state_dict(state["ap"])
        batches.set_state(state["g"])
        step = state["step"]
    while not ap.done and (stop is None or step < stop):
        opt.zero_grad()
        i = torch.randint(0, 512, (32,), generator=batches)
        loss = ((model(x[i]).squeeze(1) - y[i]) ** 2).mean()
        loss.backward()
        ap.step(loss)
        step += 1
    return model, opt, ap, batches, step


def assert_resumes(policy: AutopilotPolicy, whole: tuple, stops: tuple[int, ...], assert_same,
                   paused: Callable[[Autopilot], None] = lambda a: None) -> None:
    """Runs of ``policy`` paused at each of ``stops`` (``paused`` checks the Autopilot there), saved with
    ``torch.save`` and resumed end as the ``whole`` (model, optimizer, Autopilot) run did, bit for bit."""
    model, opt, ap = whole
    reference = {"model": model.state_dict(), "opt": opt.state_dict(), "events": ap.events, "lr": ap.lr}
    for at in stops:
        m, o, a, g, step = noise_run(policy, stop=at)
        paused(a)
        buffer = io.BytesIO()
        torch.save({"model": m.state_dict(), "opt": o.state_dict(), "ap": a.state_dict(),
                    "g": g.get_state(), "step": step}, buffer)
        buffer.seek(0)
        m, o, a, _, end = noise_run(policy, state=torch.load(buffer, weights_only=True))
        assert end == 120
        assert_same(reference, {"model": m.state_dict(), "opt": o.state_dict(), "events": a.events,
                                "lr": a.lr}, f"resumed at {at}")


RACE = AutopilotPolicy(no_valley_peak="race")
