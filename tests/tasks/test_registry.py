"""The task registry, the protocol every built-in task follows, optimizers by name, the batch iterator."""

from __future__ import annotations

import math

import pytest
import torch

from lrkit import LRKitError
from lrkit.tasks import OPTIMIZERS, ArrayLoader, Task, TaskInfo, get_task, make_optimizer, registry

NAMES = sorted(registry)
METRICS = {
    "digits-mlp": {"val_acc", "val_loss"},
    "digits-cnn": {"val_acc", "val_loss"},
    "diabetes-linear": {"val_mse", "train_objective"},
    "wine-logreg": {"val_acc", "val_loss", "train_objective"},
    "charlm": {"val_loss"},
    "charlm-small": {"val_loss"},
}


def test_registry_holds_the_issue_tasks():
    from lrkit.tasks import CharLMTask, ConvexTask, SupervisedTask

    assert set(NAMES) == set(METRICS)
    assert all(isinstance(registry[n], Task) and registry[n].name == n for n in NAMES)
    assert isinstance(registry["digits-mlp"], SupervisedTask)
    assert isinstance(registry["wine-logreg"], ConvexTask)
    assert isinstance(registry["charlm"], CharLMTask)


@pytest.mark.parametrize("name", NAMES)
def test_every_task_builds_the_protocol_and_documents_itself(name):
    task = get_task(name)
    info = task.info
    assert isinstance(info, TaskInfo) and info.name == name
    assert info.default_optimizer in OPTIMIZERS and info.default_lr > 0 and info.budget > 0
    assert info.metric in METRICS[name] and info.cost is not None and info.cost > 0
    assert info.higher_is_better == (info.metric == "val_acc")
    parts = task.build(seed=0)
    assert set(parts) == {"model", "optimizer", "loss_fn", "train_loader", "val_loader"}
    model = parts["model"]
    assert info.n_params == sum(p.numel() for p in model.parameters())
    assert parts["optimizer"].param_groups[0]["lr"] == info.default_lr
    assert len(parts["train_loader"]) == info.steps_per_epoch
    x, y = next(iter(parts["train_loader"]))
    assert len(x) == info.batch_size
    loss = parts["loss_fn"](model(x), y)
    assert loss.ndim == 0 and math.isfinite(float(loss.detach()))
    metrics = task.evaluate(model, parts["val_loader"])
    assert set(metrics) == METRICS[name] and all(isinstance(v, float) for v in metrics.values())
    assert set(task.worst()) == METRICS[name]


def test_a_task_is_a_protocol_function():
    task = get_task("digits-mlp")
    a, b = task(3), task.build(3)
    for pa, pb in zip(a["model"].parameters(), b["model"].parameters()):
        assert torch.equal(pa, pb)
    c = task.build(4)
    assert not torch.equal(next(a["model"].parameters()), next(c["model"].parameters()))


def test_build_takes_an_optimizer_name_and_rate():
    parts = get_task("digits-mlp").build(0, optimizer="adamw", lr=0.02)
    assert isinstance(parts["optimizer"], torch.optim.AdamW)
    assert parts["optimizer"].param_groups[0]["lr"] == 0.02


@pytest.mark.parametrize(
    ("name", "cls", "momentum"),
    [("sgd", torch.optim.SGD, 0.9), ("sgd-plain", torch.optim.SGD, 0.0), ("adam", torch.optim.Adam, None),
     ("adamw", torch.optim.AdamW, None)],
)
def test_make_optimizer_names(name, cls, momentum):
    opt = make_optimizer(name, torch.nn.Linear(2, 1).parameters(), 0.1)
    assert type(opt) is cls and opt.param_groups[0]["lr"] == 0.1
    if momentum is not None:
        assert opt.param_groups[0]["momentum"] == momentum


def test_unknown_task_lists_the_valid_names():
    with pytest.raises(LRKitError,
                       match=r"unknown task 'digit-mlp'; did you mean 'digits-mlp'\? Valid: charlm,"):
        get_task("digit-mlp")


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [({"optimizer": "sgdd"}, "unknown optimizer 'sgdd'; did you mean 'sgd'"),
     ({"lr": 0.0}, "`lr` of task digits-mlp must be a finite number > 0; got 0.0."),
     ({"lr": float("nan")}, "`lr` of task digits-mlp must be a finite number > 0"),
     ({"seed": -1}, "`seed` of task digits-mlp must be an integer >= 0; got -1.")],
)
def test_build_validates_eagerly(kwargs, pattern):
    seed = kwargs.pop("seed", 0)
    with pytest.raises(LRKitError, match=pattern.replace("(", r"\(").replace(")", r"\)")):
        get_task("digits-mlp").build(seed, **kwargs)


def test_array_loader_reshuffles_each_epoch_deterministically():
    x, y = torch.arange(10.0), torch.arange(10)
    a, b = ArrayLoader(x, y, 4, seed=7), ArrayLoader(x, y, 4, seed=7)
    epochs_a = [torch.cat([xb for xb, _ in a]) for _ in range(3)]
    epochs_b = [torch.cat([xb for xb, _ in b]) for _ in range(3)]
    assert len(a) == 3 and [len(xb) for xb, _ in a] == [4, 4, 2]
    for ea, eb in zip(epochs_a, epochs_b):
        assert torch.equal(ea, eb)  # same seed, same epoch: same order
        assert torch.equal(ea.sort().values, x)  # every row exactly once
    assert not torch.equal(epochs_a[0], epochs_a[1])  # a new order each epoch
    for xb, yb in ArrayLoader(x, y, 4, seed=7):
        assert torch.equal(xb.long(), yb)  # rows stay paired


def test_array_loader_validation_order_is_fixed_and_drop_last():
    x = torch.arange(10.0)
    val = ArrayLoader(x, x, 4, shuffle=False)
    expected = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [b.tolist() for b, _ in val] == [b.tolist() for b, _ in val] == expected
    assert len(ArrayLoader(x, x, 4, drop_last=True)) == 2
    with pytest.raises(LRKitError, match="`targets` of ArrayLoader must have 10 rows"):
        ArrayLoader(x, x[:3], 4)
    with pytest.raises(LRKitError, match="`batch_size` of ArrayLoader must be a positive integer; got 0."):
        ArrayLoader(x, x, 0)


def test_public_api_is_pinned():
    import lrkit.tasks

    assert set(lrkit.tasks.__all__) == {
        "OPTIMIZERS", "ArrayLoader", "CharLMTask", "ConvexTask", "Curvature", "Task", "TaskInfo",
        "TrainResult", "SupervisedTask", "from_arrays", "get_task", "make_optimizer", "registry",
        "resolve_schedule", "train", "train_autopilot",
        "HISTORY_BYTES_PER_STEP",  # the memory a step's history costs: what train's budget is checked against
        "LENGTH_FACTOR", "ScheduleLengthWarning",  # a schedule written for another run length is said
        "loader_length",  # a loader's batches per pass, None for a stream (its __len__ raises)
        "PROTOCOL_KEYS", "check_parts",
        "one_thread",  # what train runs under, shared with the peer benchmarks
        "optimizer_name",  # make_optimizer's inverse: tune names a task function's optimizer (ux14 D10)
        "write_history_rows",  # an interrupted `lrkit train --history` keeps its rows (ux17 L6)
        # the pieces the workload zoo (lrkit.zoo) builds on
        "Arrays", "CharCorpus", "CharLM", "WindowLoader", "lm_loss", "load_corpus", "split", "standardize",
    }
    assert all(hasattr(lrkit.tasks, name) for name in lrkit.tasks.__all__)


def test_make_optimizer_validates():
    with pytest.raises(LRKitError, match="unknown optimizer 'lion'"):
        make_optimizer("lion", torch.nn.Linear(2, 1).parameters(), 0.1)
    with pytest.raises(LRKitError, match="`lr` of the optimizer must be a finite number > 0; got -1."):
        make_optimizer("adam", torch.nn.Linear(2, 1).parameters(), -1)


@pytest.mark.parametrize("name", ["digits-mlp", "wine-logreg", "charlm-small"])
def test_tasks_pickle_for_worker_processes(name):
    import pickle

    task = get_task(name)
    back = pickle.loads(pickle.dumps(task))
    assert back.info == task.info
    a, b = task.build(1), back.build(1)
    assert all(torch.equal(p, q) for p, q in zip(a["model"].parameters(), b["model"].parameters()))


@pytest.mark.parametrize(
    ("name", "cls", "settings"),
    [("nesterov", torch.optim.SGD, {"momentum": 0.9, "nesterov": True}),
     ("rmsprop", torch.optim.RMSprop, {"alpha": 0.99, "momentum": 0}),
     ("adagrad", torch.optim.Adagrad, {"lr_decay": 0}),
     ("nadam", torch.optim.NAdam, {"betas": (0.9, 0.999)}),
     ("radam", torch.optim.RAdam, {"betas": (0.9, 0.999)})],
)
def test_make_optimizer_new_names(name, cls, settings):
    opt = make_optimizer(name, torch.nn.Linear(2, 1).parameters(), 0.1)
    assert type(opt) is cls and opt.param_groups[0]["lr"] == 0.1
    assert {k: opt.param_groups[0][k] for k in settings} == settings
    assert name in OPTIMIZERS


def test_make_optimizer_options_override_the_fixed_settings():
    opt = make_optimizer("sgd", torch.nn.Linear(2, 1).parameters(), 0.1, momentum=0.5, weight_decay=1e-4)
    assert opt.param_groups[0]["momentum"] == 0.5 and opt.param_groups[0]["weight_decay"] == 1e-4
    groups = [{"params": [torch.nn.Parameter(torch.zeros(2))], "weight_decay": 0.0}]
    assert make_optimizer("adamw", groups, 0.01).param_groups[0]["weight_decay"] == 0.0


def test_make_optimizer_rejects_an_option_in_one_line():
    with pytest.raises(LRKitError, match="`options` of optimizer 'adagrad' must be keyword arguments"):
        make_optimizer("adagrad", torch.nn.Linear(2, 1).parameters(), 0.1, momentum=0.9)
    with pytest.raises(LRKitError, match="did you mean 'nadam'"):
        make_optimizer("nadm", torch.nn.Linear(2, 1).parameters(), 0.1)
