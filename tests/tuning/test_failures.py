"""``tune`` on a user's own model never loops: the objective is checked before the study, and a study
that keeps failing stops with one line naming the cause (issue 18, item 1)."""

from __future__ import annotations

import time

import optuna
import pytest
import torch

from lrkit import LRKitError
from lrkit.tasks import ArrayLoader
from lrkit.tuning import MAX_CONSECUTIVE_FAILURES, Storage, tune

SPACE = {"lr": [1e-3, 0.1], "schedules": ["constant"]}


def _regression(seed: int, *, val: bool = True, val_loader=None) -> dict:
    """A real protocol function: a linear model on a noisy linear target."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(512, 4, generator=g)
    y = X @ torch.tensor([1.0, -1.0, 0.5, 2.0]) + 0.1 * torch.randn(512, generator=g)
    model = torch.nn.Linear(4, 1)
    parts = {
        "model": model,
        "optimizer": torch.optim.SGD(model.parameters(), lr=0.01),
        "loss_fn": lambda out, t: ((out.squeeze(1) - t) ** 2).mean(),
        "train_loader": ArrayLoader(X[:384], y[:384], 32, seed=seed),
    }
    if val:
        parts["val_loader"] = val_loader if val_loader is not None else ArrayLoader(X[384:], y[384:], 64,
                                                                                   shuffle=False)
    return parts


def test_a_task_without_val_loader_is_one_clear_error_before_the_study(tmp_path):
    # The reported case: every trial failed with "The value nan is not acceptable" and new ones kept
    # starting (1,767 in 10 minutes). Now: one error, at once, and no study written.
    def build(seed):
        return _regression(seed, val=False)

    start = time.process_time()
    with pytest.raises(LRKitError, match=r"`val_loader` of the task function build must be given for tune"):
        tune(build, n_trials=4, budget=300, storage=Storage(out=tmp_path / "out"))
    assert time.process_time() - start < 5.0
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("val_loader", "message"),
    [
        ([], r"`val_loader` of the task function build must yield at least one batch"),
        ([{"x": torch.zeros(2, 4)}], r"`val_loader` of the task function build must yield \(inputs, "
                                     r"target\) pairs"),
        ([(torch.zeros(2, 3), torch.zeros(2))], r"`val_loader` of the task function build failed on its "
                                                r"first batch: RuntimeError"),
        ([(torch.full((2, 4), float("nan")), torch.zeros(2))], r"`val_loader` of the task function build "
                                                               r"gave a non-finite loss \(nan\)"),
    ],
)
def test_an_unusable_val_loader_is_one_clear_error_before_the_study(tmp_path, val_loader, message):
    def build(seed):
        return _regression(seed, val_loader=val_loader)

    with pytest.raises(LRKitError, match=message):
        tune(build, n_trials=2, budget=20, storage=Storage(out=tmp_path / "out"), use_finder=False)
    assert not (tmp_path / "out").exists()


def test_a_task_with_a_val_loader_tunes(tmp_path):
    r = tune(_regression, n_trials=3, budget=60, storage=Storage(out=tmp_path), pruner="none", space=SPACE)
    assert r.n_complete == 3 and r.metric == "val_loss" and r.n_failed == 0


def test_a_study_whose_trials_keep_failing_stops_and_names_the_cause(tmp_path):
    calls = []

    def objective(p):
        calls.append(p.number)
        raise RuntimeError("CUDA out of memory (simulated)")

    with pytest.raises(LRKitError) as info:
        tune(objective, n_trials=50, storage=Storage(out=tmp_path, study_name="s"), pruner="none",
             space=SPACE)
    message = str(info.value)
    assert "\n" not in message
    assert f"{MAX_CONSECUTIVE_FAILURES} trials in a row failed" in message
    assert "RuntimeError: CUDA out of memory (simulated)" in message
    assert len(calls) == MAX_CONSECUTIVE_FAILURES
    study = optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path}/lrkit-tune.db")
    assert [t.state.name for t in study.trials] == ["FAIL"] * MAX_CONSECUTIVE_FAILURES
    assert all("RuntimeError" in t.user_attrs["error"] for t in study.trials)


def test_an_occasional_failure_does_not_stop_the_study(tmp_path):
    def objective(p):
        if p.number % MAX_CONSECUTIVE_FAILURES == 1:  # never MAX_CONSECUTIVE_FAILURES in a row
            raise RuntimeError("flaky")
        return (p["lr"] - 0.01) ** 2

    r = tune(objective, n_trials=5, storage=Storage(out=tmp_path), pruner="none", space=SPACE)
    assert r.n_complete == 5 and r.n_failed >= 1
    failed = [t for t in r.trials if t["state"] == "FAIL"]
    assert all(t["error"] == "RuntimeError: flaky" for t in failed)


def test_lrkit_errors_from_the_objective_are_not_retried(tmp_path):
    calls = []

    def objective(p):
        calls.append(1)
        raise LRKitError("`x` of my objective must be 1; got 2.")

    with pytest.raises(LRKitError, match="`x` of my objective must be 1"):
        tune(objective, n_trials=5, storage=Storage(out=tmp_path), pruner="none", space=SPACE)
    assert len(calls) == 1


def test_a_short_loader_is_no_note_nor_warning_in_a_study(tmp_path):
    # Regression (issue 18 item 5): "train_loader has 23 batches but the sweep needs 100; cycling it"
    # was printed by every first run and repeated inside tune.html.
    import warnings

    from lrkit.tuning import tune_report

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        r = tune("digits-mlp", n_trials=1, budget=20, storage=Storage(out=tmp_path), pruner="none")
    assert r.lr_source == "finder"
    assert not any("cycl" in n for n in r.notes)
    assert "cycl" not in tune_report(r).html()
