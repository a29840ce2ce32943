"""Which finder rule for an Adam-like optimizer that is not a torch class (``is_adaptive``).

``find_lr(rule="auto")`` picks ``falling`` for adaptive optimizers and ``default`` for SGD-like
ones (``lrkit.torch._finder_rule``). Third-party Adam-family optimizers (fused and 8-bit Adams,
Lion, LAMB, ...) are not ``torch.optim.Adam`` subclasses, so a class check alone gives them the
SGD rule; ``is_adaptive`` also reads ``betas`` in the parameter groups. This benchmark checks that
choice on ``finder_dev.py``'s development set (4 sklearn data sets, a 64-unit tanh MLP, seeds 0
and 1; not the built-in tasks) with two optimizers written here, outside torch:

* **plain Adam**: Adam's update written from scratch. It must behave as torch's Adam does, so the
  rule it gets should be Adam's; its row is next to torch's Adam as a check.
* **Lion** (Chen et al. 2023): ``p -= lr * sign(b1 m + (1 - b1) g)``, then ``m <- b2 m + (1 - b2) g``;
  a sign update, so each coordinate moves by ``lr`` whatever the gradient's scale: adaptive in the
  sense that matters here.

and torch's own **Adafactor**, which divides by a running second moment without ``betas`` (its
decay is ``beta2_decay``): ``is_adaptive`` knows it by class (``ADAPTIVE_OPTIMIZERS``).

For each: a constant-rate grid (1e-5.5 .. 10^0.5, half-decade steps, budgets 300 and 1500), one
range test per seed (``finder_dev.SWEEP``), and the proxy regret of each rule's suggestion
(``finder_dev.score``: the grid's mean metric interpolated in log-lr; accuracy points, or MSE on a
standardized target for ``friedman``). Lower is better.

    nice .venv/bin/python benchmarks/finder_kind.py      # about 4 minutes on 2 cores; records BENCHMARKS.md
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev import finder_dev as fd  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

from lrkit.finder import rules as RULES  # noqa: E402

GRID = tuple(float(10.0**e) for e in np.arange(-5.5, 0.51, 0.5))
BUDGETS = (300, 1500)
DATA = fd.DATASETS
KIND_RULES = ("default", "falling")


class _PerParameter(torch.optim.Optimizer):
    """An optimizer whose step is one rule applied to each parameter with a gradient."""

    @torch.no_grad()
    def step(self, closure: Any = None) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self.update(p, self.state[p], group)

    def update(self, p: torch.Tensor, st: dict[str, Any], group: dict[str, Any]) -> None:
        raise NotImplementedError


class PlainAdam(_PerParameter):
    """Adam from scratch (bias-corrected moments), not a ``torch.optim.Adam``: as third-party ones are."""

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps})

    def update(self, p: torch.Tensor, st: dict[str, Any], group: dict[str, Any]) -> None:
        b1, b2 = group["betas"]
        if not st:
            st.update(t=0, m=torch.zeros_like(p), v=torch.zeros_like(p))
        st["t"] += 1
        st["m"].mul_(b1).add_(p.grad, alpha=1 - b1)
        st["v"].mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
        v_hat = (st["v"] / (1 - b2 ** st["t"])).sqrt_().add_(group["eps"])
        p.addcdiv_(st["m"] / (1 - b1 ** st["t"]), v_hat, value=-group["lr"])


class Lion(_PerParameter):
    """Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"), no weight decay."""

    def __init__(self, params: Any, lr: float = 1e-4, betas: tuple[float, float] = (0.9, 0.99)) -> None:
        super().__init__(params, {"lr": lr, "betas": betas})

    def update(self, p: torch.Tensor, st: dict[str, Any], group: dict[str, Any]) -> None:
        b1, b2 = group["betas"]
        m = st.setdefault("m", torch.zeros_like(p))
        p.add_((m * b1 + p.grad * (1 - b1)).sign_(), alpha=-group["lr"])
        m.mul_(b2).add_(p.grad, alpha=1 - b2)


OPTIMIZERS = {"torch Adam": None, "plain Adam": PlainAdam, "Lion": Lion,
              "torch Adafactor": torch.optim.Adafactor}


def _parts(name: str, opt: str, seed: int) -> dict[str, Any]:
    """``finder_dev``'s workload with one of this file's optimizers (``torch Adam``: its own)."""
    if OPTIMIZERS.get(opt) is None:
        return _DEV_PARTS(name, "adam" if opt == "torch Adam" else opt, seed)
    p = _DEV_PARTS(name, "sgd", seed)
    p["optimizer"] = OPTIMIZERS[opt](p["model"].parameters())
    return p


_DEV_PARTS = fd.parts


def regrets(opt: str, name: str, budget: int, sweeps: list[tuple[list[float], list[float]]]) -> list[Any]:
    """``[grid-best lr, regret of each of KIND_RULES]`` for one workload and budget."""
    grid = {lr: float(np.mean([fd.train(name, opt, lr, s, budget, _parts) for s in fd.SEEDS])) for lr in GRID}
    best = max(grid, key=grid.get)
    worst = min(grid.values())
    row: list[Any] = [best]
    for rule in KIND_RULES:
        sug = [RULES[rule](np.asarray(lrs), np.asarray(losses)).lr for lrs, losses in sweeps]
        row.append(float(np.mean([grid[best] - fd.score(grid, s, worst) for s in sug])))
    return row


def main() -> None:
    ap = arguments(__doc__)
    args = ap.parse_args()
    torch.set_num_threads(1)
    rows, summary = [], []
    for opt in OPTIMIZERS:
        per_group: dict[tuple[int, str], list[list[float]]] = {}
        for name in DATA:
            sweeps = [fd.sweep(name, opt, s, _parts) for s in fd.SEEDS]
            for budget in BUDGETS:
                best, *reg = regrets(opt, name, budget, sweeps)
                rows.append([opt, name, budget, best, *reg])
                kind = "MSE" if name == "friedman" else "acc. points"
                per_group.setdefault((budget, kind), []).append(reg)
            print(f"{opt} {name} done", file=sys.stderr)
        wins = sum(np.mean([r[1] for r in v]) < np.mean([r[0] for r in v]) for v in per_group.values())
        for (budget, kind), v in sorted(per_group.items()):
            summary.append([opt, budget, kind, *np.mean(v, axis=0).tolist()])
        summary.append([opt, "all", "groups where falling < default", f"{wins}/{len(per_group)}", ""])
    sh = ["optimizer", "budget", "regret in", *(f"{r} regret" for r in KIND_RULES)]
    rh = ["optimizer", "data", "budget", "grid-best lr", *(f"{r} regret" for r in KIND_RULES)]
    print_table(summary, sh, ".3g")
    print_table(rows, rh, ".3g")
    if args.no_record:
        return
    body = (
        "Proxy regret of the finder's two kind rules (lower is better; mean of 2 seeds; accuracy points, "
        "or MSE on a standardized target for friedman) on finder_dev's development set, for Adam-like "
        "optimizers written outside torch, and torch's Adafactor, which has no `betas` (see the module "
        "docstring). `is_adaptive` gives these `falling`, as torch's Adam gets; before, a class check gave "
        "the first two `default`, and Adafactor got `default` from both tests.\n\n"
        + markdown_table(summary, sh, ".3g") + "\n\nPer workload:\n\n" + markdown_table(rows, rh, ".3g")
    )
    record("finder_kind", "Finder rule for Adam-like optimizers outside torch", body,
           command="nice .venv/bin/python benchmarks/finder_kind.py")


if __name__ == "__main__":
    main()
