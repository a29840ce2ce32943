"""The range-test peer harness: each peer answers from its own package and leaves the model as it was.

fastai runs in a child interpreter (the ``fastai_child`` fixture of conftest.py).
"""

from __future__ import annotations

import math

import pytest
import torch

from dev.peers_finders import (SWEEP_STEPS, available_finder_peers, lightning_finder, run_finder_peers,
                               torch_lr_finder)
from lrkit.tasks import get_task


AVAILABLE = available_finder_peers()


def _needs(peer: str) -> None:
    if AVAILABLE[peer] is not None:
        pytest.skip(AVAILABLE[peer])


def _check(results, peers):
    assert [r.peer for r in results] == peers
    for r in results:
        assert 1 <= r.steps <= SWEEP_STEPS and r.cpu_s >= 0.0 and r.reason
        assert r.lr is None or (math.isfinite(r.lr) and 1e-8 <= r.lr <= 10.0)


@pytest.mark.parametrize(("peer", "runner"),
                         [("torch-lr-finder", torch_lr_finder), ("lightning", lightning_finder)])
def test_peer_suggests_and_restores_the_model(peer, runner):
    _needs(peer)
    parts = get_task("digits-mlp").build(0)
    before = {k: v.clone() for k, v in parts["model"].state_dict().items()}
    lr_before = parts["optimizer"].param_groups[0]["lr"]
    results = runner(parts)
    _check(results, [peer])
    assert results[0].lr is not None and results[0].source.startswith(f"{peer}==")
    after = parts["model"].state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # the peer's promised restore
    if peer == "torch-lr-finder":  # reset() restores the optimizer too
        assert parts["optimizer"].param_groups[0]["lr"] == lr_before


def test_run_finder_peers_builds_each_peer_its_own_copy_of_the_task():
    _needs("torch-lr-finder")
    a = run_finder_peers("charlm-small", seed=1, peers=("torch-lr-finder",))
    b = run_finder_peers(get_task("charlm-small"), seed=1, peers=("torch-lr-finder",))
    _check(a, ["torch-lr-finder"])
    assert (a[0].lr, a[0].steps) == (b[0].lr, b[0].steps)  # same seed, same sweep


@pytest.mark.parametrize("peers", [("fastai-valley",), ("sgd",)])
def test_unknown_peer_is_refused(peers):
    with pytest.raises(ValueError, match="peers"):
        run_finder_peers("digits-mlp", peers=peers)


@pytest.mark.xdist_group(name="fastai-child")
def test_fastai_suggests_valley_and_minimum_from_one_sweep_and_restores_the_model(fastai_child):
    got = fastai_child
    assert got["restored"]
    valley, minimum = got["results"]
    assert (valley["peer"], minimum["peer"]) == ("fastai valley", "fastai minimum/10")
    assert valley["steps"] == minimum["steps"] and 16 <= valley["steps"] <= SWEEP_STEPS
    assert all(r["lr"] is not None and 1e-8 <= r["lr"] <= 10.0 for r in (valley, minimum))
    assert got["left_in_cwd"] == []  # fastai's _tmp.pth went to a temporary folder


def test_torch_lr_finder_takes_a_torch_dataloader_as_is():
    _needs("torch-lr-finder")
    parts = get_task("digits-mlp").build(0)
    data = torch.utils.data.TensorDataset(parts["train_loader"].inputs, parts["train_loader"].targets)
    parts["train_loader"] = torch.utils.data.DataLoader(data, batch_size=64, shuffle=True,
                                                        generator=torch.Generator().manual_seed(0))
    _check(torch_lr_finder(parts), ["torch-lr-finder"])
