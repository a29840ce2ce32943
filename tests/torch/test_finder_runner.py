"""The per-update machinery of ``find_lr``: the short path equals the general one, bit for bit.

Oracle: the general update path (the one accumulation and AMP use), run on an
identical copy of the model on the same batches and rates; and a hand-written
float64 mean for accumulated updates.
"""

from __future__ import annotations

import contextlib
import copy
import types

import numpy as np
import torch
from torch import nn

from lrkit.finder import Sweep
from lrkit.torch import find_lr
from lrkit.torch import _finder_runner
from lrkit.torch._batches import Batches, default_forward
from lrkit.torch._finder_runner import Runner
from lrkit.torch._groups import initial_scales, parse_key


def _data(n: int = 640, batch: int = 32) -> list:
    g = torch.Generator().manual_seed(3)
    X = torch.randn(n, 6, generator=g)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).long()
    return [(X[i : i + batch], y[i : i + batch]) for i in range(0, n, batch)]


def _runner(model: nn.Module, opt: torch.optim.Optimizer, data: list, **kw: object) -> Runner:
    gkey = parse_key("lr", opt.param_groups)
    options = dict(step=None, scaler=None, autocast=None, accumulation_steps=1, val_set=None,
                   val_every=1, bar=None) | kw
    batches = Batches(data, len(data), None, torch.device("cpu"))
    return Runner(model, opt, nn.functional.cross_entropy, batches, gkey=gkey,
                  scales=initial_scales(gkey, opt.param_groups), forward=default_forward, **options)


def _model_and_optimizer(kind: str) -> tuple[nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 2))
    if kind == "sgd":  # two groups with different rates: the ratio must be kept
        opt = torch.optim.SGD([{"params": model[0].parameters(), "lr": 0.1},
                               {"params": model[2].parameters(), "lr": 0.05}], momentum=0.9)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return model, opt


def test_short_path_is_taken_only_for_plain_updates():
    model, opt = _model_and_optimizer("sgd")
    data = _data()
    assert _runner(model, opt, data).update.__name__ == "update"  # the bound closure of the short path
    for kw in ({"accumulation_steps": 2}, {"autocast": contextlib.nullcontext},
               {"step": lambda m, o, b, f: 0.0}):
        assert _runner(model, opt, data, **kw).update.__name__ == "_update_general"


def test_short_path_records_what_the_general_path_records():
    for kind in ("sgd", "adam"):
        (model, opt), (twin, twin_opt) = _model_and_optimizer(kind), _model_and_optimizer(kind)
        data = _data()
        short = _runner(model, opt, data)
        general = _runner(twin, twin_opt, data, autocast=contextlib.nullcontext)
        rates = np.geomspace(1e-4, 1.0, len(data)).tolist()
        assert [short.update(r) for r in rates] == [general.update(r) for r in rates]
        for p, q in zip(model.parameters(), twin.parameters()):
            assert torch.equal(p, q)
        assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in twin_opt.param_groups]


def test_accumulated_loss_is_the_float64_mean_of_the_micro_batch_losses():
    model, opt = _model_and_optimizer("adam")
    data = _data()
    probe = copy.deepcopy(model)
    expected = 0.0
    for x, y in data[:3]:  # the first update's three micro-batches, before any step
        expected += nn.functional.cross_entropy(probe(x), y).item() / 3
    assert _runner(model, opt, data, accumulation_steps=3).update(1e-3) == expected


def test_progress_bar_is_redrawn_at_most_every_tenth_of_a_second(monkeypatch):
    class Bar:
        def __init__(self) -> None:
            self.calls: list[dict] = []

        def update(self, task: int, **kw: object) -> None:
            self.calls.append(kw)

    # A fake clock that moves 0.03 s per reading (one reading per update): a redraw every 4th step.
    clock = iter(np.arange(1000) * 0.03)
    monkeypatch.setattr(_finder_runner, "time", types.SimpleNamespace(monotonic=lambda: float(next(clock))))
    bar = Bar()
    model, opt = _model_and_optimizer("sgd")
    runner = _runner(model, opt, _data(), bar=(bar, 0))
    result = runner.sweep(0, dict(sweep=Sweep(start=1e-5, end=1e-3, num_steps=20), interval=False))
    assert result.steps == 20
    drawn = [c for c in bar.calls if "description" in c]
    assert [c["advance"] for c in drawn] == [1, 4, 4, 4, 4]  # steps 0, 4, 8, 12, 16 (0.12 s apart)
    assert bar.calls[-1] == {"advance": 3}  # the last three, flushed when the sweep ends
    assert sum(c["advance"] for c in bar.calls) == 20


def test_find_lr_reports_the_loop_cpu_time():
    model, opt = _model_and_optimizer("sgd")
    res = find_lr(model, opt, nn.functional.cross_entropy, _data(), sweep=Sweep(start=1e-5, end=1e-2,
                                                                                num_steps=20),
                  interval=False)
    assert 0.0 < res.meta["loop_cpu_time"] < 60.0 and res.wall_time > 0.0
