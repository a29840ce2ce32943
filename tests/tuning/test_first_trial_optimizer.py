"""``tune`` on a task function whose space samples optimizers: the first trial runs the range test's
rate with the function's own optimizer, by its lrkit name, or none is queued and a note says why
(ux14 D10; the first trial's shape is pinned in ``test_tune.py``).
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("optuna")

from lrkit.tuning import Storage, tune  # noqa: E402


def _task_with(make_optimizer):
    def task(seed: int) -> dict:
        g = torch.Generator().manual_seed(seed)
        x = torch.randn(160, 4, generator=g)
        y = (x[:, 0] + x[:, 1] > 0).long()
        torch.manual_seed(seed)
        model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
        return dict(model=model, optimizer=make_optimizer(model.parameters()),
                    loss_fn=torch.nn.CrossEntropyLoss(),
                    train_loader=[(x[i:i + 32], y[i:i + 32]) for i in range(0, 128, 32)],
                    val_loader=[(x[128:], y[128:])])

    return task


def _first(make_optimizer, optimizers, tmp_path):
    torch.set_num_threads(1)
    r = tune(_task_with(make_optimizer), n_trials=1, budget=8, storage=Storage(out=str(tmp_path)),
             pruner="none", space={"schedules": ["constant"], "optimizers": optimizers})
    return r, r.trials[0]["params"]


@pytest.mark.parametrize(("make", "own"), [
    (lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-4), "sgd"),
    (lambda p: torch.optim.Adam(p, lr=1e-3, betas=(0.9, 0.98)), "adam"),
    (lambda p: torch.optim.AdamW(p, lr=1e-3, weight_decay=0.05), "adamw"),
])
def test_the_functions_own_optimizer_is_queued_at_the_suggestion(make, own, tmp_path):
    r, first = _first(make, ["sgd", "adam", "adamw"], tmp_path)
    assert r.finder["optimizer"] == own
    assert first == {"lr": r.finder["suggestion"], "optimizer": own}
    assert not any("no first trial" in n for n in r.notes), r.notes


def test_one_optimizer_in_the_space_is_queued_without_sampling_it(tmp_path):
    r, first = _first(lambda p: torch.optim.Adam(p, lr=1e-3), ["adam"], tmp_path)
    assert first == {"lr": r.finder["suggestion"]}  # a fixed entry is no Optuna parameter


@pytest.mark.parametrize(("make", "said"), [
    # lrkit names it (sgd-plain), but the tuner's space cannot hold that name
    (lambda p: torch.optim.SGD(p, lr=0.05), "sgd-plain (torch SGD)"),
    # no lrkit name: lrkit's sgd is momentum 0.9
    (lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.95), "a torch SGD that no lrkit optimizer name is"),
])
def test_an_optimizer_the_space_does_not_hold_queues_nothing_and_says_why(make, said, tmp_path):
    r, first = _first(make, ["sgd", "adam"], tmp_path)
    assert first["lr"] != r.finder["suggestion"]  # the sampler's draw
    note = next(n for n in r.notes if n.startswith("no first trial is queued"))
    assert said in note and "sgd, adam" in note and "leave `optimizers` out" in note, note


def test_every_name_a_task_can_build_is_a_name_the_space_may_sample():
    from lrkit.tasks import OPTIMIZERS as BUILT
    from lrkit.tuning import OPTIMIZERS as SAMPLED

    assert SAMPLED is BUILT  # one list: a plain-SGD or RMSprop function's optimizer can be searched too


@pytest.mark.parametrize(("make", "own"), [
    (lambda p: torch.optim.SGD(p, lr=0.05), "sgd-plain"),
    (lambda p: torch.optim.RMSprop(p, lr=1e-3), "rmsprop"),
])
def test_a_plain_sgd_or_rmsprop_function_is_queued_at_the_suggestion(make, own, tmp_path):
    r, first = _first(make, ["sgd", own], tmp_path)
    assert r.finder["optimizer"] == own
    assert first == {"lr": r.finder["suggestion"], "optimizer": own}


def test_a_built_in_tasks_optimizer_left_out_of_the_space_is_named_too(tmp_path):
    r = tune("charlm-small", n_trials=1, budget=4, storage=Storage(out=str(tmp_path)), pruner="none",
             space={"schedules": ["constant"], "optimizers": ["sgd", "adam"]})
    assert r.finder["optimizer"] == "adamw" and r.trials[0]["lr"] != r.finder["suggestion"]
    assert any(n.startswith("no first trial is queued") and "adamw" in n for n in r.notes), r.notes


def test_a_resumed_study_says_nothing_of_a_first_trial(tmp_path):
    make = lambda p: torch.optim.SGD(p, lr=0.05)  # noqa: E731
    _first(make, ["sgd", "adam"], tmp_path)
    again = tune(_task_with(make), n_trials=2, budget=8, storage=Storage(out=str(tmp_path)), pruner="none",
                 space={"schedules": ["constant"], "optimizers": ["sgd", "adam"]})
    assert not any("first trial" in n for n in again.notes), again.notes
