"""Discriminative param groups: does the Autopilot's peak depend on the order of the groups, and where
should its probe band sit?

A fine-tune at discriminative rates, ``[{backbone, lr=1e-5}, {head, lr=1e-3}]`` (ratio 1:100), listed
either way. The Autopilot drives one rate along the groups' ratios; its probe sweeps the kind's band
(``1e-4 .. 1`` for Adam) in the units of one group. The question is which group's: the variants place
that band (each through ``Autopilot(lr_min=, lr_max=)`` in the reference group's units, so every variant
runs the same code) on

* **group 0**: the first group above 0 (what a list order gives);
* **largest rate**: the group with the largest rate (here the head);
* **most parameters**: the group with the most trained parameters (here the backbone);
* **every group's band**: the union, from the kind's low end for the fastest group to its high end for
  the slowest (here 6 decades in the head's units instead of 4);
* **default**: the library as it is (no band argument): the reference group, whose units the band is
  in, is the group above 0 holding the most parameters (``lrkit.torch._groups.group_ratios``).

Workloads (3 seeds each, seed = head initialisation and batch order):

* **mlp-digits** (the session-9 new-user probe, ``tests/torch/test_ux9_autopilot_group_order.py``): a
  64-128-64 MLP pretrained on digits 0-4, fine-tuned on 600 images of 5-9 with AdamW (weight decay
  0.01), batch 32, budget 300; validation: the other 301 images of 5-9.
* **finetune-cnn-adam** (the zoo's workload, ``lrkit.zoo``): its CNN body pretrained on digits 0-4
  and a new head, fine-tuned with Adam, batch 32, budget 200; the groups body/head at 1:100.

Each run reports the head's peak (the Autopilot's ``events[0]["peak"]`` in the head's units) and the
validation loss (and accuracy for the CNN) at the end. The reference: a grid of head peaks (half a
decade apart, 1e-3 .. 3) under a 5% linear warmup and cosine decay to 0, the groups at 1:100; its best
mean validation loss names the "grid best" peak. Last, ``find_lr``'s suggestion in the head's units, both
orders, with its default sweep (``1e-7 .. 10`` in the reference group's units) and with that sweep
placed on group 0 (the first group above 0 as the reference).

Run: ``PYTHONPATH=src flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python
benchmarks/autopilot_group_order.py``
"""

from __future__ import annotations

import copy
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

from lrkit import zoo  # noqa: E402
from lrkit.finder import Sweep  # noqa: E402
from lrkit.torch import Autopilot, find_lr  # noqa: E402

SEEDS = (0, 1, 2)
#: The groups' configured rates: backbone, head (1:100, a common discriminative fine-tune).
BACKBONE_LR, HEAD_LR = 1e-5, 1e-3
#: The kind's band for Adam (``AutopilotPolicy.adaptive_band``).
BAND = (1e-4, 1.0)
GRID = tuple(10 ** (k / 2) for k in range(-6, 2))  # head peaks 1e-3 .. 3.2
VARIANTS = ("default", "group 0", "largest rate", "most parameters", "every group's band")


# -- the workloads: (backbone, head, model, train batches, evaluate, optimizer kind, budget) ----------
def _digits_split() -> tuple[Any, ...]:
    d = load_digits()
    x = torch.tensor(d.data / 16.0, dtype=torch.float32)
    y = torch.tensor(d.target)
    xb, yb = x[y >= 5], y[y >= 5] - 5
    order = torch.randperm(len(xb), generator=torch.Generator().manual_seed(0))
    xb, yb = xb[order], yb[order]
    return x[y < 5], y[y < 5], xb[:600], yb[:600], xb[600:], yb[600:]


class MlpDigits:
    """The ux9 probe's fine-tune (the test's workload), with a validation split."""

    name, budget, optimizer = "mlp-digits", 300, "adamw"

    def __init__(self) -> None:
        self.xa, self.ya, self.x, self.y, self.xv, self.yv = _digits_split()
        torch.manual_seed(0)
        backbone = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU())
        head = nn.Linear(64, 5)
        opt = torch.optim.Adam([*backbone.parameters(), *head.parameters()], lr=1e-3)
        for _ in range(15):
            for i in range(0, len(self.xa), 64):
                loss = nn.functional.cross_entropy(head(backbone(self.xa[i:i + 64])), self.ya[i:i + 64])
                opt.zero_grad()
                loss.backward()
                opt.step()
        self.state = copy.deepcopy(backbone.state_dict())

    def build(self, seed: int) -> tuple[nn.Module, nn.Module, nn.Module, Callable[[], Any]]:
        torch.manual_seed(seed)
        backbone = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU())
        backbone.load_state_dict(self.state)
        model = nn.Sequential(backbone, nn.Linear(64, 5))
        g = torch.Generator().manual_seed(seed)

        def batch() -> tuple[torch.Tensor, torch.Tensor]:
            i = torch.randint(0, len(self.x), (32,), generator=g)
            return self.x[i], self.y[i]
        return model[0], model[1], model, batch

    @torch.no_grad()
    def evaluate(self, model: nn.Module) -> dict[str, float]:
        out = model(self.xv)
        return {"val_loss": float(nn.functional.cross_entropy(out, self.yv)),
                "val_acc": float((out.argmax(1) == self.yv).float().mean())}


class ZooCnn:
    """The zoo's ``finetune-cnn-adam`` with its body and head in two groups."""

    name, optimizer = "finetune-cnn-adam", "adam"

    def __init__(self) -> None:
        self.w = zoo.get(self.name)
        self.budget = self.w.budget

    def build(self, seed: int) -> tuple[nn.Module, nn.Module, nn.Module, Callable[[], Any]]:
        parts = self.w.build(seed)
        model, loader = parts["model"], parts["train_loader"]
        self.val = parts["val_loader"]
        it = iter(())

        def batch() -> Any:
            nonlocal it
            try:
                return next(it)
            except StopIteration:
                it = iter(loader)
                return next(it)
        return model.body, model.head, model, batch

    def evaluate(self, model: nn.Module) -> dict[str, float]:
        return self.w.evaluate(model, self.val)


def _optimizer(kind: str, backbone: nn.Module, head: nn.Module, backbone_first: bool) -> Any:
    groups = [{"params": backbone.parameters(), "lr": BACKBONE_LR},
              {"params": head.parameters(), "lr": HEAD_LR}]
    groups = groups if backbone_first else groups[::-1]
    if kind == "adamw":
        return torch.optim.AdamW(groups, lr=HEAD_LR, weight_decay=0.01)
    return torch.optim.Adam(groups, lr=HEAD_LR)


def _ratios(work: Any, backbone: nn.Module, head: nn.Module, backbone_first: bool) -> list[float]:
    """Each group's rate over the reference group's, as the library keeps it (read off a throwaway
    optimizer over the same parameters: the Autopilot writes ``rate * ratio`` to every group)."""
    opt = _optimizer(work.optimizer, backbone, head, backbone_first)
    ap = Autopilot(opt, budget=work.budget)
    return [g["lr"] / ap.lr for g in opt.param_groups]


def _band(variant: str, ratios: list[float], sizes: list[int]) -> tuple[float | None, float | None]:
    """``(lr_min, lr_max)`` in the reference group's units placing the band on a group."""
    if variant == "default":
        return None, None
    if variant == "group 0":
        lo = hi = ratios[0]
    elif variant == "largest rate":
        lo = hi = max(ratios)
    elif variant == "most parameters":
        lo = hi = ratios[max(range(len(sizes)), key=sizes.__getitem__)]
    else:  # every group's band: the fastest group's low end, the slowest's high end
        lo, hi = max(ratios), min(ratios)
    return BAND[0] / lo, BAND[1] / hi


def autopilot_run(work: Any, seed: int, backbone_first: bool, variant: str) -> dict[str, float]:
    backbone, head, model, batch = work.build(seed)
    ratios = _ratios(work, backbone, head, backbone_first)
    opt = _optimizer(work.optimizer, backbone, head, backbone_first)
    sizes = [sum(p.numel() for p in g["params"]) for g in opt.param_groups]
    lr_min, lr_max = _band(variant, ratios, sizes)
    ap = Autopilot(opt, model=model, budget=work.budget, lr_min=lr_min, lr_max=lr_max)
    head_group = 1 if backbone_first else 0
    to_head = opt.param_groups[head_group]["lr"] / ap.lr  # the peak's units -> the head's
    while not ap.done:
        x, y = batch()
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        ap.step(loss)
    peak = next(e["peak"] for e in ap.events if "peak" in e)
    return {"peak": peak * to_head, **work.evaluate(model)}


def find_lr_run(work: Any, seed: int, backbone_first: bool, variant: str) -> float:
    """find_lr's suggestion in the head's units: its default sweep (``default``) or the default sweep's
    ``1e-7 .. 10`` placed on group 0 (what the first group above 0 as the reference gave)."""
    backbone, head, model, batch = work.build(seed)
    k = 1.0 if variant == "default" else 1.0 / _ratios(work, backbone, head, backbone_first)[0]
    opt = _optimizer(work.optimizer, backbone, head, backbone_first)
    sweep = Sweep(start=Sweep().start * k, end=Sweep().end * k)
    data = [batch() for _ in range(sweep.num_steps)]
    res = find_lr(model, opt, nn.functional.cross_entropy, data, sweep=sweep, interval=False)
    return res.suggestion * res.meta["group_scales"][1 if backbone_first else 0]


def grid_run(work: Any, seed: int, head_peak: float) -> dict[str, float]:
    backbone, head, model, batch = work.build(seed)
    opt = _optimizer(work.optimizer, backbone, head, True)
    warm = max(1, int(0.05 * work.budget))
    for t in range(work.budget):
        f = (t + 1) / warm if t < warm else 0.5 * (1 + math.cos(math.pi * (t - warm) / (work.budget - warm)))
        opt.param_groups[0]["lr"], opt.param_groups[1]["lr"] = f * head_peak / 100, f * head_peak
        x, y = batch()
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    out = work.evaluate(model)
    return {k: (v if math.isfinite(v) else float("inf")) for k, v in out.items()}


def _summary(runs: list[dict[str, float]]) -> tuple[str, str, str]:
    peaks = " / ".join(f"{r['peak']:.3g}" for r in runs) if "peak" in runs[0] else ""
    loss = " / ".join(f"{r['val_loss']:.3g}" for r in runs)
    acc = f"{np.mean([r['val_acc'] for r in runs]):.3f}"
    return peaks, loss, acc


def workload_tables(work: Any) -> tuple[str, dict[str, Any]]:
    grid = {p: [grid_run(work, s, p) for s in SEEDS] for p in GRID}
    means = {p: float(np.mean([r["val_loss"] for r in runs])) for p, runs in grid.items()}
    best = min(means, key=means.get)
    grows = [[f"{p:.3g}", " / ".join(f"{r['val_loss']:.3g}" for r in grid[p]), means[p],
              f"{np.mean([r['val_acc'] for r in grid[p]]):.3f}"] for p in GRID]
    gh = [f"{work.name}: grid head peak (cosine)", "val loss per seed", "mean val loss", "mean val acc"]
    print_table(grows, gh, floatfmt=".3g")
    rows, found = [], {}
    for variant in VARIANTS:
        for backbone_first in (False, True):
            runs = [autopilot_run(work, s, backbone_first, variant) for s in SEEDS]
            found[(variant, backbone_first)] = runs
            peaks, loss, acc = _summary(runs)
            lg = np.mean([math.log10(r["peak"] / best) for r in runs])
            rows.append([variant, "backbone" if backbone_first else "head", peaks, f"{lg:+.2f}", loss,
                         float(np.mean([r["val_loss"] for r in runs])), acc])
    h = [f"{work.name}: band on", "listed first", "head peak per seed", "log10(peak / grid best)",
         "val loss per seed", "mean val loss", "mean val acc"]
    print_table(rows, h, floatfmt=".3g")
    frows = []
    for variant in ("group 0", "default"):
        for backbone_first in (False, True):
            sug = [find_lr_run(work, s, backbone_first, variant) for s in SEEDS]
            label = "the reference's sweep" if variant == "default" else f"sweep on {variant}"
            frows.append([f"find_lr: {label}", "backbone" if backbone_first else "head",
                          " / ".join(f"{v:.3g}" for v in sug)])
    fh = [f"{work.name}: find_lr", "listed first", "suggestion in the head's units per seed"]
    print_table(frows, fh)
    text = (markdown_table(grows, gh, floatfmt=".3g") + f"\n\nGrid best head peak: **{best:.3g}** "
            f"(mean val loss {means[best]:.3g}).\n\n" + markdown_table(rows, h, floatfmt=".3g")
            + "\n\n" + markdown_table(frows, fh))
    return text, found


def main() -> None:
    ap = arguments(__doc__)
    ap.add_argument("--workload", choices=("mlp-digits", "finetune-cnn-adam"), action="append")
    args = ap.parse_args()
    torch.set_num_threads(1)
    start = time.process_time()
    chosen = args.workload or ["mlp-digits", "finetune-cnn-adam"]
    parts = [workload_tables(w())[0] for w in (MlpDigits, ZooCnn) if w.name in chosen]
    cpu = f"CPU seconds: {time.process_time() - start:.0f}."
    print(cpu)
    if not args.no_record:
        record("autopilot_group_order", "The Autopilot with discriminative param groups: the order of the "
               "groups and the probe band's anchor", __doc__.split("\n\n", 1)[1] + "\n\n"
               + "\n\n".join(parts) + "\n\n" + cpu,
               command="flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python "
               "benchmarks/autopilot_group_order.py")


if __name__ == "__main__":
    main()
