"""Every zoo workload follows the task protocol, is deterministic by seed, documents itself
consistently, and learns: a few updates at its conventional rate lower its training loss."""

from __future__ import annotations

import math

import pytest
import torch

from lrkit import zoo
from lrkit.tasks import Task, train
from lrkit.zoo import WorkloadInfo

NAMES = zoo.names()


def _first_batch(parts):
    return next(iter(parts["train_loader"]))


@pytest.mark.parametrize("name", NAMES)
def test_protocol_info_and_metrics(name):
    w = zoo.get(name)
    info = w.info
    assert isinstance(w, Task) and isinstance(info, WorkloadInfo) and info.name == name
    parts = w.build(seed=0)
    assert set(parts) == {"model", "optimizer", "loss_fn", "train_loader", "val_loader"}
    model, opt = parts["model"], parts["optimizer"]
    assert info.n_params == sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert sum(len(g["params"]) for g in opt.param_groups) == len(list(model.parameters()))
    assert all(g["lr"] == info.default_lr for g in opt.param_groups)
    for key, value in info.optimizer_options.items():
        assert opt.param_groups[0][key] == value
    metrics = w.evaluate(model, parts["val_loader"])  # before any training-mode forward (BatchNorm)
    assert info.metric in metrics and "val_loss" in metrics
    assert all(isinstance(v, float) and math.isfinite(v) for v in metrics.values())
    assert info.higher_is_better == (info.metric == "val_acc")
    assert w.worst()[info.metric] == pytest.approx(metrics[info.metric])  # the untrained seed-0 model
    assert len(parts["train_loader"]) == info.steps_per_epoch
    x, y = _first_batch(parts)
    assert len(x) == info.batch_size
    loss = parts["loss_fn"](model(x), y)
    assert loss.ndim == 0 and math.isfinite(float(loss.detach()))


@pytest.mark.parametrize("name", NAMES)
def test_deterministic_by_seed(name):
    w = zoo.get(name)
    a, b, c = w.build(1), w.build(1), w.build(2)
    pa, pb, pc = (torch.cat([p.detach().flatten() for p in m["model"].parameters()]) for m in (a, b, c))
    assert torch.equal(pa, pb) and not torch.equal(pa, pc)
    (xa, ya), (xb, yb), (xc, _) = _first_batch(a), _first_batch(b), _first_batch(c)
    assert torch.equal(xa, xb) and torch.equal(ya, yb) and not torch.equal(xa, xc)


@pytest.mark.parametrize("name", NAMES)
def test_a_few_updates_lower_the_training_loss(name):
    # Five updates on one batch at the optimizer's conventional rate: the loss on that batch falls.
    w = zoo.get(name)
    parts = w.build(0)
    model, opt, loss_fn = parts["model"], parts["optimizer"], parts["loss_fn"]
    x, y = _first_batch(parts)
    model.train()
    losses = []
    for _ in range(6):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        losses.append(float(loss.detach()))
        loss.backward()
        opt.step()
    assert losses[-1] < losses[0]


def test_train_runs_a_workload_and_a_diverged_run_scores_the_untrained_model():
    w = zoo.get("linear-regression-sgd")
    ok = train(w, lr=0.01, budget=50)
    assert ok.metric_name == "val_mse" and not ok.diverged and ok.metric < w.worst()["val_mse"]
    blown = train(w, lr=50.0, budget=200)
    assert blown.diverged and blown.final == w.worst()


def test_worst_leaves_the_random_state_alone():
    w = zoo.get("tabular-blobs-sgd")
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    w.__dict__.pop("_untrained", None)
    w.worst()
    assert torch.equal(torch.rand(3), expected)


def test_another_optimizer_gets_its_own_defaults():
    w = zoo.get("resnet-shapes-nesterov")
    own = w.build(0)["optimizer"].param_groups[0]
    other = w.build(0, optimizer="adam", lr=1e-3)["optimizer"]
    assert own["nesterov"] and own["weight_decay"] == 5e-4
    assert isinstance(other, torch.optim.Adam) and other.param_groups[0]["weight_decay"] == 0


def test_no_decay_groups_hold_every_parameter_once():
    w = zoo.get("norm-ln-adamw")
    parts = w.build(0)
    groups = parts["optimizer"].param_groups
    assert [g["weight_decay"] for g in groups] == [0.05, 0.0]
    ids = [id(p) for g in groups for p in g["params"]]
    assert sorted(ids) == sorted(id(p) for p in parts["model"].parameters())
