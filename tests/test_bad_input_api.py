"""Generated bad-input suite for the public Python entry points (issue 19), as scikit-learn's common
tests do for estimators: each entry point declares a valid call and, per argument, values of the
wrong kind (wrong type, non-finite, huge, negative, malformed, missing path). Every case must raise
:class:`lrkit.LRKitError` with a one-line message, never another exception, and change nothing:
a model handed to ``find_lr`` keeps its weights, ``tune`` writes no file.

The CLI has its own suite (``tests/cli/test_bad_input.py``); a test below counts both.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lrkit import LRKitError

torch = pytest.importorskip("torch")

from lrkit.diagnostics import Monitor, diagnose, read_history  # noqa: E402
from lrkit.finder import Sweep, range_test  # noqa: E402
from lrkit.schedules import from_dict, parse  # noqa: E402
from lrkit.tasks import train  # noqa: E402
from lrkit.torch import Autopilot, LRScheduler, Watchdog, find_lr  # noqa: E402
from lrkit.tuning import SearchSpace, Storage, load_space, tune  # noqa: E402

nan, inf = math.nan, math.inf
COUNTS = [0, -1, 1.5, nan, inf, "10", True, 10**30, [3]]
FLAGS = ["yes", 1, None]  # a switch is True or False, not something truthy
SEEDS = [-1, 1.5, nan, "1", 10**30]
RATES = [0, -1.0, nan, inf, -inf, "0.1", True, 1e400, [0.1]]
NAMES = ["", "nonexistent", 3, ["sgd"], "\udcff"]
SPECS = [
    "",
    "cosin(lr=0.1)",
    "cosine(lr=0.1, steps=0x" + "f" * 1000 + ")",
    "x" * 200_000,
    3,
    {"lr": 0.1},
    "lambda: 0",
    "constant(lr=0.1) >> 3",
    "cosine(lr=nan, steps=10)",
    "\udcff",
]
ARRAYS = [None, "abc", 3.0, [[1.0, 2.0]], np.ones((20, 2)), [], [1.0] * 3, {"a": 1}]
PATHS = ["{tmp}/missing.csv", "{tmp}", "/dev/null/x.csv", 3, None]


def _model() -> tuple[Any, Any]:
    torch.manual_seed(0)
    model = torch.nn.Linear(2, 1)
    return model, torch.optim.SGD(model.parameters(), lr=0.1)


def _batches() -> list:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 2, generator=g)
    return [(x[i : i + 8], x[i : i + 8].sum(1, keepdim=True)) for i in range(0, 64, 8)]


def _mse(out, target):
    return ((out - target) ** 2).mean()


def _find_lr(**kw: Any) -> Any:
    model, opt = _model()
    before = [p.detach().clone() for p in model.parameters()]
    args = {
        "model": model,
        "optimizer": opt,
        "loss_fn": _mse,
        "train_loader": _batches(),
        "sweep": Sweep(num_steps=20),
        **kw,
    }
    try:
        return find_lr(
            args.pop("model"), args.pop("optimizer"), args.pop("loss_fn"), args.pop("train_loader"), **args
        )
    finally:
        assert all(torch.equal(p, b) for p, b in zip(model.parameters(), before)), "find_lr changed the model"


def _scheduler(**kw: Any) -> Any:
    _, opt = _model()
    args = {"optimizer": opt, "schedule": "cosine(lr=0.1, steps=10)", **kw}
    return LRScheduler(args["optimizer"], args["schedule"])


def _autopilot(**kw: Any) -> Any:
    model, opt = _model()
    return Autopilot(kw.pop("optimizer", opt), model=model, **{"budget": 100, **kw})


def _tune(tmp: Path, **kw: Any) -> Any:
    """``tune`` with ``kw``; the ``Storage`` fields among them build its storage record (in the call)."""
    out = tmp / "tune-out"
    fields = {k: kw.pop(k) for k in ("worker_id", "heartbeat_interval", "grace_period", "study_name")
              if k in kw}
    try:
        storage = kw.pop("storage") if "storage" in kw else Storage(out=out, **fields)
        return tune(
            kw.pop("task_or_objective", lambda p: 1.0),
            **{"n_trials": 1, "pruner": "none", "space": {"lr": [1e-4, 1.0], "schedules": ["constant"]},
               "storage": storage, **kw},
        )
    finally:
        assert not out.exists(), "tune wrote files before refusing its input"


# entry point -> (call(tmp, **kwargs), {argument: bad values})
ENTRY: dict[str, tuple[Callable[..., Any], dict[str, list[Any]]]] = {
    "parse": (lambda tmp, **kw: parse(kw["spec"]), {"spec": SPECS + [None]}),
    "from_dict": (
        lambda tmp, **kw: from_dict(kw["data"]),
        {"data": [None, "cosine", {}, {"name": "nope"}, {"name": "cosine", "lr": "x"}, [1]]},
    ),
    "diagnose": (
        lambda tmp, **kw: diagnose(**{"losses": np.linspace(2, 1, 50), **kw}),
        {
            "losses": ARRAYS,
            "lrs": ARRAYS[1:],
            "steps": ARRAYS[1:] + [np.arange(50)[::-1]],
            "grad_norms": ARRAYS[1:],
        },
    ),
    "read_history": (
        lambda tmp, **kw: read_history(
            kw["path"].replace("{tmp}", str(tmp)) if isinstance(kw["path"], str) else kw["path"]
        ),
        {"path": PATHS},
    ),
    "Sweep": (
        lambda tmp, **kw: Sweep(**kw),
        {"start": RATES, "end": RATES, "num_steps": COUNTS, "mode": NAMES},
    ),
    "range_test": (
        lambda tmp, **kw: range_test(
            **{"step_fn": lambda lr: 1.0 / (1 + lr), "sweep": Sweep(num_steps=20), **kw}
        ),
        {"step_fn": [None, 3, "f"], "sweep": [None, 3, {"num_steps": 20}], "rule": NAMES, "seed": SEEDS},
    ),
    "find_lr": (
        lambda tmp, **kw: _find_lr(**kw),
        {
            "model": [None, "m", 3],
            "optimizer": [None, "o", 3],
            "loss_fn": [None, 3, "mse"],
            "train_loader": [None, 3, [], "batches"],
            "sweep": [None, 3],
            "rule": NAMES,
            "repeats": COUNTS,
            "snapshot": NAMES,
            "seed": SEEDS,
            "policy": [None, 3, {}],
            "update": [None, 3, {}],
            "validation": [3, "val"],
            "retry": FLAGS,
            "interval": FLAGS,
            "progress": FLAGS,
            "on_step": [3, "f"],
        },
    ),
    "LRScheduler": (
        lambda tmp, **kw: _scheduler(**kw),
        {"optimizer": [None, 3, "sgd"], "schedule": SPECS + [None]},
    ),
    "Autopilot": (
        lambda tmp, **kw: _autopilot(**kw),
        {
            "optimizer": [None, 3, "sgd"],
            "budget": [0, -1, 1.5, nan, "100", True, 10**30],
            "probe": NAMES,
            "probe_steps": COUNTS,
            "lr_min": RATES,
            "lr_max": RATES,
            "rule": NAMES,
            "peak": RATES,
        },
    ),
    "Watchdog": (lambda tmp, **kw: Watchdog(**kw), {"every": COUNTS, "capacity": COUNTS, "on_nan": NAMES}),
    "Monitor": (lambda tmp, **kw: Monitor(**kw), {"every": COUNTS, "capacity": COUNTS}),
    "train": (
        lambda tmp, **kw: train(**{"task": "diabetes-linear", "budget": 2, **kw}),
        {
            "task": [None, 3, "", "nonexistent"],
            "lr": RATES,
            "schedule": SPECS,
            "optimizer": NAMES,
            "budget": COUNTS,
            "seed": SEEDS,
            "eval_every": COUNTS,
        },
    ),
    "tune": (
        lambda tmp, **kw: _tune(tmp, **kw),
        {
            "task_or_objective": [None, 3, "nonexistent"],
            "n_trials": COUNTS,
            "sampler": NAMES,
            "pruner": NAMES,
            "timeout": [nan, -1, 0, "10"],
            "seed": SEEDS,
            "worker_id": SEEDS,
            "budget": COUNTS,
            "direction": NAMES,
            "heartbeat_interval": [0, -1, 10**6, 1.5],
            "grace_period": [0, -1, 1.5, 10**6],
            "study_name": ["", 3],
            "eval_every": COUNTS,
            "use_finder": FLAGS,
            "on_trial": [3, "cb"],
            "policy": [None, 3, {}],
            "space": [3, "missing.yaml", {"lr": [1, 0]}, {"nope": 1}, {"lr": [nan, 1]}],
            "storage": ["sqlite://", "nope://x", 3, "", "postgresql://u:pw@127.0.0.1:bad/db",
                        "sqlite:///:memory:", "lrkit:pw@127.0.0.1/db"],
        },
    ),
    "load_space": (
        lambda tmp, **kw: load_space(kw["source"]),
        {"source": [3, "missing.yaml", "{tmp}", {"lr": [1, 0]}, {"lr": "x"}, {"schedules": ["nope"]}]},
    ),
    "SearchSpace": (
        lambda tmp, **kw: SearchSpace.from_dict(kw["data"]),
        {
            "data": [
                {"lr": [0, 1]},
                {"lr": [1, nan]},
                {"warmup_fraction": [0.5, 2]},
                {"schedules": []},
                {"optimizers": ["lion"]},
            ]
        },
    ),
}
# Values that are valid for one argument although bad for its kind elsewhere.
ALLOWED = {
    (name, arg, repr(value))
    for name, arg, value in [
        ("Watchdog", "every", 10**30),
        ("Monitor", "every", 10**30),  # evaluate never: allowed
        ("train", "eval_every", 10**30),  # evaluate only at the end
        ("tune", "eval_every", 10**30),  # report only at the end
    ]
}

CASES = [
    (name, arg, value)
    for name, (_, bad) in ENTRY.items()
    for arg, values in bad.items()
    for value in values
    if (name, arg, repr(value)) not in ALLOWED
]


def _id(case: tuple[str, str, Any]) -> str:
    name, arg, value = case
    return f"{name}-{arg}-{repr(value)[:24]}"


@pytest.mark.parametrize("case", CASES, ids=[f"{i:03d}-{_id(c)}" for i, c in enumerate(CASES)])
def test_bad_argument_is_one_lrkit_error(case: tuple[str, str, Any], tmp_path: Path) -> None:
    name, arg, value = case
    call = ENTRY[name][0]
    with pytest.raises(LRKitError) as info:
        call(tmp_path, **{arg: value})
    message = str(info.value)
    assert "\n" not in message and 0 < len(message) < 600, message


def test_the_suites_are_large() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "cli_suite", Path(__file__).parent / "cli" / "test_bad_input.py"
    )
    assert spec is not None and spec.loader is not None
    cli = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = cli  # its dataclasses look their module up
    try:
        spec.loader.exec_module(cli)
    finally:
        del sys.modules[spec.name]
    assert len(CASES) >= 200 and len(cli.CASES) >= 200, (len(CASES), len(cli.CASES))
