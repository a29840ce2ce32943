"""Does each optimizer's update follow the rate written into its groups? (find_lr's and the Autopilot's check)

``find_lr`` sweeps ``group["lr"]`` and the Autopilot drives it; an optimizer whose step does not read it
moves the model the same at every rate, and the sweep reads that descent as the rate's
(``lrkit.torch._rate_response``: ux15 D9, a user's fixed step read ``high``). The check tries the step
on a copy of the optimizer over small slices of its parameters, three updates at 1e-3 against a first at
1e-3 and two at 1e-1, and reads the last update's exponent in the rate: ``log(moved at 1e-1 / moved at
1e-3) / 2``. A step below ``MIN_RATE_EXPONENT`` (0.5) is refused.

The rows: every optimizer lrkit names (``lrkit.tasks.OPTIMIZERS``: the zoo's and the built-in tasks'),
torch's other optimizers, the LR-free peers as ``benchmarks/dev/peers_lrfree.py`` configures them
(schedule-free, Prodigy, D-Adaptation; their ``lr`` multiplies their own step), Hugging Face's Adafactor
with ``relative_step=False`` (an lr of its own), optimizers written by a user (Lion, a from-scratch Adam,
``benchmarks/finder_kind.py``'s), and two that ignore the rate (a fixed step; a rate copied onto
``self`` at construction). The last column times the check on a 12-layer, 85M-parameter transformer
encoder's optimizer (median of 5 calls), against one ``optimizer.step()`` of the same optimizer.

    PYTHONPATH=src .venv/bin/python benchmarks/rate_response.py      # about 1 minute; records BENCHMARKS.md
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

from lrkit import LRKitError  # noqa: E402
from lrkit.tasks import OPTIMIZERS, make_optimizer  # noqa: E402
from lrkit.finder import Sweep  # noqa: E402
from lrkit.torch import find_lr, rate_response  # noqa: E402

Params = Any


class _Lion(torch.optim.Optimizer):
    """Lion (Chen et al. 2023): ``p -= lr * sign(b1 m + (1 - b1) g)``, as written outside torch."""

    def __init__(self, params: Params, lr: float = 1e-4, betas: tuple[float, float] = (0.9, 0.99)) -> None:
        super().__init__(params, {"lr": lr, "betas": betas})

    @torch.no_grad()
    def step(self, closure: Any = None) -> None:
        for group in self.param_groups:
            b1, b2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                m = self.state[p].setdefault("m", torch.zeros_like(p))
                p.add_(torch.sign(b1 * m + (1 - b1) * p.grad), alpha=-group["lr"])
                m.mul_(b2).add_(p.grad, alpha=1 - b2)


class _FixedStep(torch.optim.Optimizer):
    """Has an ``lr`` and steps ``p -= 0.05 * grad`` whatever it says (ux15 D9's)."""

    def __init__(self, params: Params, lr: float = 0.1) -> None:
        super().__init__(params, {"lr": lr})

    @torch.no_grad()
    def step(self, closure: Any = None) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-0.05)


class _RateOnSelf(torch.optim.Optimizer):
    """Copies its rate onto ``self`` at construction and steps by that copy (the groups' ``lr`` unread)."""

    def __init__(self, params: Params, lr: float = 0.1) -> None:
        super().__init__(params, {"lr": lr})
        self.rate = lr

    @torch.no_grad()
    def step(self, closure: Any = None) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-self.rate)


def _peers() -> dict[str, Callable[[Params], torch.optim.Optimizer]]:
    """The LR-free peers and Hugging Face's Adafactor, where installed."""
    found: dict[str, Callable[[Params], torch.optim.Optimizer]] = {}
    try:
        import schedulefree

        def train_mode(opt: torch.optim.Optimizer) -> torch.optim.Optimizer:
            opt.train()
            return opt

        found["schedule-free SGD (lr 1.0)"] = lambda p: train_mode(schedulefree.SGDScheduleFree(p, lr=1.0))
        found["schedule-free AdamW (lr 0.0025)"] = lambda p: train_mode(schedulefree.AdamWScheduleFree(p))
    except ImportError:
        pass
    try:
        from prodigyopt import Prodigy

        found["Prodigy (lr 1.0)"] = lambda p: Prodigy(p, lr=1.0)
    except ImportError:
        pass
    try:
        import dadaptation

        found["DAdaptSGD (lr 1.0)"] = lambda p: dadaptation.DAdaptSGD(p, lr=1.0, momentum=0.9)
        found["DAdaptAdam (lr 1.0)"] = lambda p: dadaptation.DAdaptAdam(p, lr=1.0)
    except ImportError:
        pass
    try:
        from transformers.optimization import Adafactor

        found["HF Adafactor (relative_step=False, lr 1e-3)"] = lambda p: Adafactor(
            p, lr=1e-3, relative_step=False, scale_parameter=False, warmup_init=False)
        found["HF Adafactor (relative_step=False, scale_parameter)"] = lambda p: Adafactor(
            p, lr=1e-3, relative_step=False, warmup_init=False)
    except ImportError:
        pass
    return found


def optimizers() -> list[tuple[str, str, Callable[[Params], torch.optim.Optimizer]]]:
    """``(family, name, build)`` for every row."""
    o = torch.optim
    rows: list[tuple[str, str, Callable[[Params], torch.optim.Optimizer]]] = [
        ("lrkit names", name, lambda p, n=name: make_optimizer(n, p, 0.01)) for name in OPTIMIZERS]
    rows += [("torch", name, build) for name, build in (
        ("Adadelta", lambda p: o.Adadelta(p)), ("Adamax", lambda p: o.Adamax(p)),
        ("ASGD", lambda p: o.ASGD(p)), ("Adam (foreach)", lambda p: o.Adam(p, foreach=True)),
        ("Adam (fused)", lambda p: o.Adam(p, fused=True)), ("SparseAdam", lambda p: o.SparseAdam(list(p))),
        ("Adam (tensor lr)", lambda p: o.Adam(p, lr=torch.tensor(1e-3))),
        *((("Adafactor", lambda p: o.Adafactor(p)),) if hasattr(o, "Adafactor") else ()),
        ("Rprop", lambda p: o.Rprop(p)), ("LBFGS", lambda p: o.LBFGS(p)))]
    rows += [("peers", name, build) for name, build in _peers().items()]
    rows += [("user-written", "Lion", lambda p: _Lion(p)),
             ("user-written", "fixed step (lr unread)", lambda p: _FixedStep(p)),
             ("user-written", "rate copied at construction", lambda p: _RateOnSelf(p))]
    return rows


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.Flatten(), torch.nn.Linear(8 * 6 * 6, 32),
                               torch.nn.LayerNorm(32), torch.nn.Linear(32, 10))


def _big() -> torch.nn.Module:
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(768, 12, 3072, batch_first=True)
    return torch.nn.TransformerEncoder(layer, 12, enable_nested_tensor=False)


def _verdict(model: torch.nn.Module, opt: torch.optim.Optimizer) -> str:
    """What ``find_lr``'s checks do with ``opt`` (over ``model``): refuse it (why), or let the sweep run."""
    data = [(torch.randn(4, 3, 8, 8, generator=torch.Generator().manual_seed(0)), torch.zeros(4, 10))]
    try:
        find_lr(model, opt, torch.nn.functional.mse_loss, data, sweep=Sweep(num_steps=10), interval=False,
                retry=False)
    except LRKitError as exc:  # a refusal by the checks, or a failure of the sweep after them
        text = str(exc)
        if text.startswith("`optimizer` of find_lr must read the rate"):
            return "refused: reads lr once" if "first step" in text else "refused: does not follow lr"
        if "whose step() needs a closure" in text:
            return "refused before: needs a closure"
    except Exception:  # noqa: BLE001 - a failure after the checks (a sweep this short): accepted by them
        pass
    return "accepted (by class)" if type(opt).__module__.startswith("torch.optim") else "accepted"


def _timing(build: Callable[[Params], torch.optim.Optimizer], big: torch.nn.Module) -> tuple[float, float]:
    """Median seconds of the check and of one real step (gradients of ones) of ``build`` over ``big``."""
    opt = build(big.parameters())
    for p in big.parameters():
        p.grad = torch.ones_like(p)
    checks, steps = [], []
    for _ in range(5):
        t0 = time.perf_counter()
        rate_response(opt)
        checks.append(time.perf_counter() - t0)
    for _ in range(3):
        t0 = time.perf_counter()
        opt.step()
        steps.append(time.perf_counter() - t0)
    return statistics.median(checks), statistics.median(steps)


def main() -> None:
    args = arguments(__doc__).parse_args()
    torch.set_num_threads(1)
    rows = []
    for family, name, build in optimizers():
        model = _model()
        opt = build(model.parameters())
        r = None if isinstance(opt, torch.optim.LBFGS) else rate_response(opt)
        moved = ("-", "-", "-") if r is None else (f"{r.moved[0]:.3g}", f"{r.moved[1]:.3g}",
                                                   round(r.exponent, 3))
        rows.append([family, name, *moved, _verdict(model, opt)])
    headers = ["family", "optimizer", "moved at 1e-3", "moved at 1e-1", "exponent", "check"]
    print_table(rows, headers, ".3g")
    big = _big()
    n = sum(p.numel() for p in big.parameters())
    timing = []
    for name, build in (("SGD momentum", lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9)),
                        ("AdamW", lambda p: torch.optim.AdamW(p))):
        check, step = _timing(build, big)
        timing.append([name, f"{n / 1e6:.0f}M", len(list(big.parameters())), f"{check * 1e3:.1f}",
                       f"{step * 1e3:.1f}"])
    theaders = ["optimizer", "parameters", "tensors", "check (ms)", "one step (ms)"]
    print_table(timing, theaders, ".3g")
    if args.no_record:
        return
    body = ("The last update's size on a copy (three updates: all at 1e-3, or the first at 1e-3 and the "
            "others at 1e-1; the same seeded gradients), its exponent in the rate, and what `find_lr` and "
            "the Autopilot do with it (refused where `RateResponse.follows` is false: an exponent below "
            "`MIN_RATE_EXPONENT`; torch's own classes are accepted by class, their exponents measured "
            "here; '-': not tried: LBFGS needs a closure and is refused for it before). A conv-MLP's "
            "parameters (conv 3x3, linear, LayerNorm).\n\n"
            + markdown_table(rows, headers, ".3g")
            + "\n\nThe cost of trying a step on a copy (`rate_response`; what the check spends on an "
              "optimizer it tries: torch's own are accepted by class, for nothing), on a 12-layer "
              "transformer encoder (d=768), median of 5 calls, beside one real step of the same optimizer "
              "on this CPU:\n\n"
            + markdown_table(timing, theaders, ".3g"))
    record("rate_response", "Does the optimizer's update follow its rate (find_lr's and the Autopilot's "
           "check)", body, command="PYTHONPATH=src .venv/bin/python benchmarks/rate_response.py")


if __name__ == "__main__":
    main()
