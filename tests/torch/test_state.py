"""Snapshot/restore is exact: parameters, buffers, grads, optimizer state, RNGs, extras.

The oracle is independent of the code under test: ``state_dict()`` deep copies and the
RNG getters, compared bitwise, plus "continuing after a restore gives the same numbers as
continuing from the original state".
"""

from __future__ import annotations

import copy
import os
import random
from collections.abc import Callable

import numpy as np
import pytest
import torch
from torch import nn

from lrkit import LRKitError
from lrkit.torch._state import preserved, snapshot


class Net(nn.Module):
    """Parameters, persistent and non-persistent buffers, dropout (consumes torch RNG)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.bn = nn.BatchNorm1d(8)
        self.drop = nn.Dropout(0.3)
        self.fc2 = nn.Linear(8, 2)
        self.register_buffer("calls", torch.zeros(()), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return self.fc2(self.drop(torch.relu(self.bn(self.fc1(x)))))


def _train(model: nn.Module, opt: torch.optim.Optimizer, steps: int) -> list[float]:
    losses = []
    for _ in range(steps):
        x = torch.randn(16, 4) + float(np.random.rand()) + random.random()
        loss = model(x).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses




def _setup(optimizer: str = "adam") -> tuple[nn.Module, torch.optim.Optimizer]:
    model = Net()
    if optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    else:
        opt = torch.optim.SGD(
            [{"params": model.fc1.parameters(), "lr": 0.1}, {"params": model.fc2.parameters()}],
            lr=0.01,
            momentum=0.9,
        )
    return model, opt


@pytest.mark.parametrize("storage", ["memory", "disk"])
@pytest.mark.parametrize("optimizer", ["adam", "sgd-groups"])
def test_restore_is_bitwise_exact(
    storage: str, optimizer: str, fingerprint: Callable[..., dict], assert_same: Callable[..., None]
) -> None:
    model, opt = _setup(optimizer)
    _train(model, opt, 3)  # non-empty optimizer state and grads
    model.eval()  # a non-default flag that must come back
    before = fingerprint(model, opt)
    snap = snapshot(model, opt, storage=storage)
    model.train()
    for g in opt.param_groups:
        g["lr"] = 123.0
        g["initial_lr"] = 7.0  # a key added during the run must disappear again
    _train(model, opt, 4)
    snap.restore()
    assert_same(before, fingerprint(model, opt))
    snap.close()


def test_continuation_after_restore_matches_uninterrupted_run() -> None:
    model, opt = _setup("adam")
    _train(model, opt, 2)
    ref_model, ref_opt = copy.deepcopy(model), None
    ref_opt = torch.optim.Adam(ref_model.parameters(), lr=1e-2)
    ref_opt.load_state_dict(copy.deepcopy(opt.state_dict()))
    rng = (random.getstate(), np.random.get_state(), torch.get_rng_state())
    expected = _train(ref_model, ref_opt, 5)
    random.setstate(rng[0]), np.random.set_state(rng[1]), torch.set_rng_state(rng[2])

    with preserved(model, opt):
        _train(model, opt, 7)
    assert _train(model, opt, 5) == expected
    for p, q in zip(model.parameters(), ref_model.parameters()):
        assert torch.equal(p, q)


def test_fresh_optimizer_state_stays_empty_and_group_dicts_keep_identity() -> None:
    model, opt = _setup("sgd-groups")
    groups = list(opt.param_groups)
    with preserved(model, opt):
        _train(model, opt, 2)
        assert opt.state_dict()["state"]  # momentum buffers exist mid-block
    assert opt.state_dict()["state"] == {}
    assert all(a is b for a, b in zip(groups, opt.param_groups))
    assert all(p.grad is None for p in model.parameters())


def test_restore_can_run_many_times_without_aliasing(
    fingerprint: Callable[..., dict], assert_same: Callable[..., None]
) -> None:
    model, opt = _setup("adam")
    _train(model, opt, 2)
    snap = snapshot(model, opt)
    before = fingerprint(model, opt)
    for _ in range(3):  # in-place optimizer updates must not write into the snapshot
        _train(model, opt, 2)
        snap.restore()
        assert_same(before, fingerprint(model, opt))


@pytest.mark.parametrize("exc", [RuntimeError("boom"), KeyboardInterrupt()])
def test_preserved_restores_when_the_block_raises(
    exc: BaseException, fingerprint: Callable[..., dict], assert_same: Callable[..., None]
) -> None:
    model, opt = _setup("adam")
    _train(model, opt, 1)
    before = fingerprint(model, opt)
    with pytest.raises(type(exc)):
        with preserved(model, opt):
            _train(model, opt, 3)
            raise exc
    assert_same(before, fingerprint(model, opt))


def test_disk_snapshot_file_is_removed_and_memory_holds_no_tensors() -> None:
    model, opt = _setup("adam")
    _train(model, opt, 1)
    snap = snapshot(model, opt, storage="disk")
    assert snap.path is not None and os.path.exists(snap.path)
    assert snap._tensors is None and snap.nbytes > 0
    snap.close()
    assert not os.path.exists(snap.path)
    with pytest.raises(RuntimeError, match="closed"):
        snap.restore()


def test_snapshot_lives_on_cpu_and_copies_do_not_alias() -> None:
    model, opt = _setup("adam")
    _train(model, opt, 1)
    snap = snapshot(model, opt)
    assert all(t.device.type == "cpu" for t in snap._tensors.values())
    ptrs = {p.data_ptr() for p in model.parameters()}
    assert not ptrs & {t.data_ptr() for t in snap._tensors.values()}


def test_extra_generators_and_stateful_objects() -> None:
    model, opt = _setup("adam")
    gen = torch.Generator().manual_seed(5)
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    expected = torch.randn(3, generator=torch.Generator().manual_seed(5))
    with preserved(model, opt, generators=[gen], extras=[scaler]):
        torch.randn(10, generator=gen)
        scaler.scale(torch.ones(()))  # lazily creates the scale tensor
        scaler.update(new_scale=2.0)
        assert scaler.get_scale() == 2.0
    assert torch.equal(torch.randn(3, generator=gen), expected)
    assert scaler.get_scale() == 1024.0


def test_unknown_storage_is_rejected() -> None:
    model, opt = _setup("adam")
    with pytest.raises(LRKitError, match="`storage` of snapshot must be one of 'memory', 'disk'; got 'gpu'"):
        snapshot(model, opt, storage="gpu")
