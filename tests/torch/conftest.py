"""Shared helpers of the torch tests: a bitwise fingerprint of training state, its comparison, a free port.

Used by ``test_find_lr.py`` and ``test_state.py`` (both check that a sweep or a
snapshot/restore leaves model, optimizer and RNGs exactly as they were); served
as fixtures because the tests import in ``--import-mode=importlib`` without packages.
"""

from __future__ import annotations

import copy
import fcntl
import random
import socket
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn


def _fingerprint(model: nn.Module, opt: torch.optim.Optimizer) -> dict:
    """Deep copies of everything a restore must bring back, independent of lrkit's own code."""
    return {
        "model": copy.deepcopy(model.state_dict()),
        # named_buffers also covers non-persistent buffers, which state_dict() leaves out.
        "buffers": {name: b.clone() for name, b in model.named_buffers()},
        "grads": [None if p.grad is None else p.grad.clone() for p in model.parameters()],
        "training": [m.training for m in model.modules()],
        "optim": copy.deepcopy(opt.state_dict()),
        # every tensor the optimizer updates, also those the model does not hold (a temperature in the loss)
        "optim_params": [p.detach().clone() for g in opt.param_groups for p in g["params"]],
        "optim_grads": [None if p.grad is None else p.grad.clone()
                        for g in opt.param_groups for p in g["params"]],
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "torch": torch.get_rng_state(),
    }


def _assert_same(a: object, b: object, path: str = "") -> None:
    """Bitwise equality over nested dicts/lists/tuples of tensors, arrays and plain values (NaN is NaN)."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and a.dtype == b.dtype and a.shape == b.shape, path
        assert torch.equal(a, b), f"tensor differs at {path}"
    elif isinstance(a, np.ndarray):
        assert np.array_equal(a, b), path
    elif isinstance(a, dict):
        assert set(a) == set(b), f"keys differ at {path}: {set(a) ^ set(b)}"
        for k in a:
            _assert_same(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f"{path}[{i}]")
    else:  # a plain value; a NaN recorded in both (an Autopilot event's loss) is the same value
        assert a == b or (a != a and b != b), f"{path}: {a!r} != {b!r}"


@pytest.fixture
def quiet_lightning() -> Iterator[None]:
    """Lightning's advice (dataloader workers and the like) and lrkit's note that a short loader is
    cycled are noise in the real-Trainer tests, which name this fixture in their ``pytestmark``."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="lightning")
        warnings.filterwarnings("ignore", message=".*(does not have many workers|cycling).*")
        yield


@pytest.fixture
def fingerprint() -> Callable[[nn.Module, torch.optim.Optimizer], dict]:
    """``fingerprint(model, opt)``: a deep-copied snapshot of model, grads, modes, optimizer and RNGs."""
    return _fingerprint


@pytest.fixture
def assert_same() -> Callable[..., None]:
    """``assert_same(a, b)``: assert two fingerprints (or any nested values) are bitwise equal."""
    return _assert_same


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def free_port() -> Callable[[], int]:
    """``free_port()``: a free TCP port on loopback, for a process group's rendezvous."""
    return _free_port


@pytest.fixture(scope="session")
def run_once(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Callable[..., Path]:
    """``run_once(name, produce)``: ``produce(folder)`` runs once per test session, whatever the
    xdist workers.

    The multi-process tests launch real process groups (tens of seconds on a loaded machine); a
    module fixture would launch once per xdist worker that runs one of the module's tests. The
    first worker to ask runs ``produce`` under a file lock in the session's shared temporary
    folder; the others wait for it and read what it wrote. A failed ``produce`` is retried by the
    next worker (and fails there too), so no worker reads half a result.
    """
    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        root = root.parent  # shared by the workers of this session

    def once(name: str, produce: Callable[[Path], None]) -> Path:
        out = root / name
        with open(root / f"{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (out / ".done").exists():
                out.mkdir(exist_ok=True)
                produce(out)
                (out / ".done").touch()
        return out

    return once


@pytest.fixture(scope="session")
def gloo_ranks(run_once: Callable[..., Path],
               free_port: Callable[[], int]) -> Callable[[str, str], list[dict]]:
    """``gloo_ranks(name, worker_source)``: run ``worker_source`` as 2 gloo ranks on loopback, once per
    session, and return what each wrote as JSON to the path given as its ``argv[1]`` (rank order)."""
    import json
    import os
    import subprocess
    import sys

    def run(name: str, worker_source: str) -> list[dict]:
        def launch(tmp: Path) -> None:
            script = tmp / "worker.py"
            script.write_text(worker_source)
            env = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=str(free_port()), WORLD_SIZE="2",
                       OMP_NUM_THREADS="1")
            procs = [subprocess.Popen([sys.executable, str(script), str(tmp / f"rank{r}.json")],
                                      env=dict(env, RANK=str(r)), stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True) for r in range(2)]
            for p in procs:
                output, _ = p.communicate(timeout=180)
                assert p.returncode == 0, output

        tmp = run_once(name, launch)
        return [json.loads((tmp / f"rank{r}.json").read_text()) for r in range(2)]

    return run
