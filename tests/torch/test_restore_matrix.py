"""``find_lr`` restores the caller's state bit for bit in every fault case (issue 19's restore target).

The matrix is every training set-up a sweep meets (momentum SGD, Adam on a model with BatchNorm and
dropout in train and in eval mode, gradient accumulation, bfloat16 autocast with a GradScaler, a
parameter the optimizer holds and the model does not, a shuffling loader's generator, a sampler's
own generator, validation mode, a disk snapshot, AdamW groups with their own rates) times every way
a sweep ends (normally, an exception from the loss, Ctrl-C, a NaN loss, an infinite loss). After
each, the model's parameters, buffers, gradients and modes, the optimizer's state and every tensor
it holds, the Python / NumPy / torch RNGs, the loader's generator and the scaler's state must equal
the state before, compared with ``torch.equal``: the independent oracle is a deep copy taken before
the call (``conftest._fingerprint``), not lrkit's own snapshot.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
import torch
from torch import nn

from lrkit.finder import Sweep
from lrkit.torch import Update, Validation, find_lr

torch.set_num_threads(1)

#: The loss call at which a fault is injected (inside the first pass, after the rate has moved).
FAULT_AT = 12


def _data(n: int = 1024, batch: int = 32, seed: int = 1) -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 8, generator=g)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0.5).long()
    return [(x[i : i + batch], y[i : i + batch]) for i in range(0, n, batch)]


def _net() -> nn.Module:
    return nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))


class _Tempered:
    """Cross-entropy over a learnable temperature that only the optimizer holds."""

    def __init__(self) -> None:
        self.log_t = nn.Parameter(torch.tensor(0.3))

    def __call__(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return nn.functional.cross_entropy(out / self.log_t.exp(), target)


def _setup(name: str) -> dict[str, Any]:
    """Model, optimizer, loss, loader and find_lr options of one set-up, after a few real updates."""
    torch.manual_seed(0)
    model, loss, data = _net(), nn.functional.cross_entropy, _data()
    kw: dict[str, Any] = {}
    extra: dict[str, Callable[[], Any]] = {}
    params: Any = model.parameters()
    if name == "sgd-linear":
        model = nn.Linear(8, 3)
        opt: torch.optim.Optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    elif name == "optimizer-only":
        loss = _Tempered()
        params = [{"params": model.parameters()}, {"params": [loss.log_t], "lr": 0.05}]
        opt = torch.optim.Adam(params, lr=1e-3)
    elif name == "adamw-groups":
        decay = [p for p in model.parameters() if p.ndim > 1]
        other = [p for p in model.parameters() if p.ndim <= 1]
        opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": other, "lr": 3e-4}],
                                lr=1e-3)
    else:
        opt = torch.optim.Adam(params, lr=1e-3)
    for x, y in data[:3]:  # non-empty optimizer state and moved BatchNorm statistics
        opt.zero_grad()
        loss(model(x), y).backward()
        opt.step()
    if name == "eval-mode":
        model.eval()
    elif name == "accumulation":
        kw["update"] = Update(accumulation_steps=3)
    elif name == "bf16-scaler":
        scaler = torch.amp.GradScaler("cpu", init_scale=2.0**10, growth_interval=3)
        kw["update"] = Update(amp=True, scaler=scaler)
        extra["scaler"] = lambda: scaler.state_dict()
    elif name == "shuffled-loader":
        gen = torch.Generator().manual_seed(7)
        x = torch.cat([b[0] for b in data])
        y = torch.cat([b[1] for b in data])
        data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=32,
                                           shuffle=True, generator=gen)
        extra["generator"] = lambda: gen.get_state()
    elif name == "sampled-loader":  # the order drawn by the sampler's own generator, not the loader's
        gen = torch.Generator().manual_seed(7)
        dataset = torch.utils.data.TensorDataset(torch.cat([b[0] for b in data]),
                                                 torch.cat([b[1] for b in data]))
        sampler = torch.utils.data.RandomSampler(dataset, generator=gen)
        data = torch.utils.data.DataLoader(dataset, batch_size=32, sampler=sampler)
        extra["generator"] = lambda: gen.get_state()
    elif name == "validation":
        kw["validation"] = Validation(_data(256, seed=2), batches=2)
    elif name == "disk-snapshot":
        kw["snapshot"] = "disk"
    return {"model": model, "opt": opt, "loss": loss, "data": data, "kw": kw, "extra": extra}


SETUPS = ["sgd-linear", "adam-batchnorm-dropout", "eval-mode", "accumulation", "bf16-scaler",
          "optimizer-only", "shuffled-loader", "sampled-loader", "validation", "disk-snapshot",
          "adamw-groups"]
FAULTS = {
    "none": None,
    "exception": RuntimeError("loss exploded"),
    "ctrl-c": KeyboardInterrupt(),
    "nan-loss": math.nan,
    "inf-loss": math.inf,
}


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("setup", SETUPS)
def test_every_fault_case_restores_bit_for_bit(setup: str, fault: str, fingerprint: Callable[..., dict],
                                               assert_same: Callable[..., None]) -> None:
    s = _setup(setup)
    model, opt, loss = s["model"], s["opt"], s["loss"]
    injected = FAULTS[fault]
    calls = []

    def loss_fn(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        calls.append(1)
        value = loss(out, target)
        if len(calls) == FAULT_AT and isinstance(injected, BaseException):
            raise injected
        if len(calls) == FAULT_AT and isinstance(injected, float):
            return value * injected  # one batch's loss (and its gradients) non-finite
        return value

    def state() -> dict[str, Any]:
        return {"state": fingerprint(model, opt), **{k: get() for k, get in s["extra"].items()}}

    before = state()
    sweep = Sweep(start=1e-5, end=1.0, num_steps=30)

    def run() -> Any:
        return find_lr(model, opt, loss_fn, s["data"], sweep=sweep, interval=False, **s["kw"])

    if isinstance(injected, BaseException):
        with pytest.raises(type(injected)):
            run()
    else:
        result = run()
        if injected is not None and setup == "bf16-scaler":  # the scaler skips that update
            assert result.meta["amp_skipped_steps"] >= 1
        elif injected is not None:  # the first pass stopped at the non-finite loss
            assert result.meta["passes"][0]["stop_reason"] == "nan", result.meta["passes"]
    assert len(calls) >= FAULT_AT  # the fault was reached: the sweep had moved the weights
    assert_same(before, state())
