"""The learning-rate-free peer harness: every peer on a tiny budget, set up from the workload's optimizer."""

from __future__ import annotations

import math

import pytest
import torch

from dev import peers_lrfree
from dev.peers_common import OptimizerFamily
from dev.peers_lrfree import LRFREE_PEERS, available_lrfree_peers, run_lrfree

from ._bn_task import Wrapped

AVAILABLE = available_lrfree_peers()


def _needs(peer: str) -> None:
    if AVAILABLE[peer] is not None:
        pytest.skip(AVAILABLE[peer])


@pytest.mark.parametrize("task", ["digits-mlp", "charlm-small"])
@pytest.mark.parametrize("peer", sorted(LRFREE_PEERS))
def test_every_peer_runs_the_budget_and_returns_finite_figures(peer, task):
    _needs(peer)
    r = run_lrfree(task, peer, seed=0, budget=6)
    assert (r.steps, len(r.losses), r.budget, r.diverged) == (6, 6, 6, False)
    assert math.isfinite(r.metric) and math.isfinite(r.val_loss) and r.cpu_s >= 0.0
    assert all(math.isfinite(v) for v in r.losses)
    packages = {"prodigyopt", "dadaptation", "schedulefree", "dog-optimizer", "torch"}
    assert r.config["package"].split("==")[0] in packages


def test_the_same_seed_gives_the_same_run():
    a, b = (run_lrfree("digits-mlp", "adam-cosine", seed=3, budget=5) for _ in range(2))
    assert a.losses == b.losses and a.metric == b.metric


@pytest.mark.parametrize(
    ("task", "peer", "cls", "kwargs"),
    [
        ("digits-mlp", "d-adapt", "dadaptation.DAdaptSGD", {"lr": 1.0, "momentum": 0.9}),
        ("charlm-small", "d-adapt", "dadaptation.DAdaptAdam",
         {"lr": 1.0, "decouple": True, "weight_decay": 0.01}),
        ("digits-mlp", "schedule-free", "schedulefree.SGDScheduleFree", {"lr": 1.0, "warmup_steps": 1}),
        ("charlm-small", "schedule-free", "schedulefree.AdamWScheduleFree",
         {"lr": 0.0025, "weight_decay": 0.01}),
        ("charlm-small", "prodigy", "prodigyopt.Prodigy", {"lr": 1.0, "d_coef": 1.0, "decouple": True}),
        ("digits-mlp", "dog", "dog.DoG", {"lr": 1.0, "reps_rel": 1e-6}),
        ("charlm-small", "adam-cosine", "torch.optim.AdamW", {"lr": 1e-3, "weight_decay": 0.01}),
        ("digits-mlp", "adam-cosine", "torch.optim.Adam", {"lr": 1e-3}),
    ],
)
def test_the_variant_follows_the_workloads_optimizer(task, peer, cls, kwargs):
    _needs(peer)
    config = run_lrfree(task, peer, seed=0, budget=3).config
    assert config["class"] == cls
    assert kwargs.items() <= config["kwargs"].items()


def test_scheduled_peers_anneal_to_zero_over_the_budget():
    _needs("prodigy")
    model = torch.nn.Linear(3, 1)
    fam = OptimizerFamily.of(torch.optim.Adam(model.parameters()))
    setup = peers_lrfree.prodigy(model.parameters(), fam, model, 4)
    for _ in range(4):
        setup.optimizer.step()
        setup.scheduler.step()
    assert setup.optimizer.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-12)


def test_schedule_free_evaluates_at_x_and_recalibrates_batchnorm_as_its_readme_says():
    _needs("schedule-free")
    task = Wrapped("bn-mlp", batchnorm=True)
    parts = task.build(0)
    model = parts["model"]
    setup = peers_lrfree.schedule_free(model.parameters(), OptimizerFamily.of(parts["optimizer"]), model, 20)
    setup.optimizer.train()
    model.train()
    for x, y in list(parts["train_loader"])[:5]:
        setup.optimizer.zero_grad()
        parts["loss_fn"](model(x), y).backward()
        setup.optimizer.step()
    bn = model[1]
    at_y = bn.running_mean.clone()
    metrics = peers_lrfree._evaluate(task, setup, model, parts["train_loader"], parts["val_loader"])
    assert setup.optimizer.param_groups[0]["train_mode"] is False  # optimizer.eval(): weights at x
    assert not torch.equal(bn.running_mean, at_y)  # statistics recomputed at x on train batches
    assert math.isfinite(metrics["val_acc"])
    assert "BatchNorm recalibration" in setup.config["eval"]


def test_dog_uses_its_batchnorm_reps_rel_and_evaluates_the_averaged_model():
    _needs("dog")
    r = run_lrfree(Wrapped("bn-mlp", batchnorm=True), "dog", seed=0, budget=4)
    assert r.config["kwargs"]["reps_rel"] == 1e-4 and r.config["kwargs"]["weight_decay"] == 5e-4
    assert "averaged model" in r.config["eval"] and math.isfinite(r.metric)


def test_a_nan_loss_stops_the_run_and_reports_the_worst_metric():
    r = run_lrfree(Wrapped("nan-mlp", nan_from=3), "adam-cosine", seed=0, budget=10)
    assert r.diverged and r.steps == 3 and r.metric == 0.1 and r.val_loss == math.inf


@pytest.mark.parametrize(("peer", "budget", "match"), [("sgd", 5, "peer"), ("adam-cosine", 0, "budget")])
def test_bad_input_names_the_parameter(peer, budget, match):
    with pytest.raises(ValueError, match=match):
        run_lrfree("digits-mlp", peer, budget=budget)
