"""``lrkit.torch.Watchdog`` (and its engine ``lrkit.diagnostics.Monitor``): plain loops, the
``lrkit.tasks.train`` callback, Lightning, stop/raise on NaN, bounded memory, state round trip."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lrkit import LRKitError  # noqa: E402
from lrkit.diagnostics import Monitor, diagnose  # noqa: E402
from lrkit.torch import NonFiniteLossError, Watchdog  # noqa: E402

from ._lightning_sum import sum_regression  # noqa: E402


def _loss(t: int) -> float:
    return 1.0 / math.sqrt(1 + t) + 0.01 * math.sin(7.3 * t)


def test_plain_loop_diagnosis_matches_offline_diagnose():
    wd = Watchdog(every=25)
    assert wd.diagnosis is None
    losses = [_loss(t) for t in range(500)]
    for t, v in enumerate(losses):
        assert wd.observe(t, torch.tensor(v), lr=0.1) is False
    offline = diagnose(losses, np.full(500, 0.1))
    assert wd.diagnosis.verdict == offline.verdict
    assert wd.diagnosis.statistics == pytest.approx(offline.statistics)


def test_nan_stops_raises_or_is_ignored():
    wd = Watchdog()
    for t in range(20):
        wd.observe(t, _loss(t))
    assert wd.observe(20, float("nan")) is True and wd.diagnosis.verdict == "nan"
    wd = Watchdog(on_nan="raise")
    with pytest.raises(NonFiniteLossError, match="step 3"):
        for t in range(5):
            wd.observe(t, [1.0, 0.9, 0.8, float("inf"), 0.1][t])
    wd = Watchdog(on_nan="ignore")
    assert wd.observe(0, float("nan")) is False and wd.diagnosis.verdict == "nan"


def test_report_is_called_when_the_verdict_changes():
    seen = []
    wd = Watchdog(every=10, report=lambda d: seen.append(d.verdict))
    for t in range(100):
        wd.observe(t, _loss(t))
    wd.observe(100, float("nan"))
    assert seen[-1] == "nan" and len(seen) == len(set(seen))


def test_train_callback_watches_a_diverging_run():
    from lrkit.tasks import get_task, train

    wd = Watchdog(every=20)
    lr = get_task("diabetes-linear").info.default_lr * 100
    r = train("diabetes-linear", lr=lr, seed=0, callbacks=[wd])
    wd.update()
    assert wd.diagnosis is not None
    assert wd.diagnosis.verdict in ("too_high_diverging", "too_high_oscillating", "nan") or r.diverged


def test_train_callback_stop_flag_stops_training():
    from lrkit.tasks import train

    class Poison(Watchdog):  # feed a NaN at step 5: the watchdog's flag must stop train()
        def __call__(self, info):
            return self.observe(info["step"], float("nan") if info["step"] == 5 else info["loss"], info["lr"])

    r = train("diabetes-linear", lr=0.01, budget=50, seed=0, callbacks=[Poison()])
    assert r.stopped == "callback" and r.steps == 6


def test_memory_is_bounded_and_spans_the_whole_run():
    m = Monitor(every=1000, capacity=64)
    for t in range(10_000):
        m.observe(t, _loss(t))
    h = m.history()
    assert len(h["losses"]) < 64 and h["steps"][0] == 0 and h["steps"][-1] > 9000
    assert np.all(np.diff(h["steps"]) > 0)


def test_state_dict_is_plain_data_and_resumes_bit_identically():
    a = Watchdog(every=7)
    for t in range(300):
        a.observe(t, _loss(t), lr=0.05)
    state = json.loads(json.dumps(a.state_dict()))  # plain data survives JSON
    b = Watchdog()
    b.load_state_dict(state)
    for t in range(300, 700):
        a.observe(t, _loss(t), lr=0.05)
        b.observe(t, _loss(t), lr=0.05)
    assert a.state_dict() == b.state_dict()
    assert a.diagnosis == b.diagnosis


def test_bad_arguments():
    with pytest.raises(LRKitError, match="`on_nan` of Watchdog"):
        Watchdog(on_nan="explode")
    with pytest.raises(LRKitError, match="`capacity` of Monitor"):
        Monitor(capacity=21)
    # The Watchdog's own arguments are named as the Watchdog's (they said "of Monitor", a class the
    # user never called).
    with pytest.raises(LRKitError, match="`every` of Watchdog must be a positive integer; got 0"):
        Watchdog(every=0)
    with pytest.raises(LRKitError, match="`capacity` of Watchdog must be an even integer"):
        Watchdog(capacity=21)
    wd = Watchdog()
    wd.observe(5, 1.0)
    with pytest.raises(LRKitError, match="must increase"):
        wd.observe(5, 1.0)


def test_lightning_callback_stops_on_nan(quiet_trainer):
    pl = pytest.importorskip("lightning.pytorch")

    class Model(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.layer = torch.nn.Linear(2, 1)

        def training_step(self, batch, batch_idx):
            loss = self.layer(batch[0]).pow(2).mean()
            return loss * float("nan") if batch_idx == 30 else loss

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.01)

    data = torch.utils.data.TensorDataset(torch.randn(400, 2))
    wd = Watchdog(every=10)
    trainer = quiet_trainer(max_epochs=1, callbacks=[wd.lightning_callback()])
    trainer.fit(Model(), torch.utils.data.DataLoader(data, batch_size=4))
    assert wd.diagnosis.verdict == "nan"
    assert trainer.global_step <= 32  # stopped right after the NaN, not after 100 batches


def test_hf_callback_sets_should_training_stop():
    pytest.importorskip("transformers")
    from transformers import TrainerControl, TrainerState

    wd = Watchdog()
    cb = wd.hf_callback()
    state, control = TrainerState(), TrainerControl()
    for t in range(12):
        state.global_step = t
        loss = float("nan") if t == 11 else _loss(t)
        cb.on_log(None, state, control, logs={"loss": loss, "learning_rate": 0.1})
    assert control.should_training_stop and wd.diagnosis.verdict == "nan"


def _hf_trainer_run(tmp_path, *, nan_at: int = 0, overflow_at: int = 0, **args):
    """A real ``transformers.Trainer`` on a tiny regression; forward call ``nan_at`` returns a NaN loss,
    call ``overflow_at`` a finite loss whose gradient overflows (1e34 times the weights')."""
    from transformers import Trainer, TrainingArguments

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(2, 1)
            self.calls = 0

        def forward(self, x, labels):
            self.calls += 1
            loss = ((self.lin(x).squeeze(1) - labels) ** 2).mean()
            if self.calls == overflow_at:
                big = 1e34 * self.lin.weight.sum()
                loss = loss + (big - big.detach())  # same value; a gradient that overflows once scaled
            return {"loss": loss * float("nan") if self.calls == nan_at else loss}

    class Data(torch.utils.data.Dataset):
        def __len__(self):
            return 400

        def __getitem__(self, i):
            x = torch.randn(2, generator=torch.Generator().manual_seed(i))
            return {"x": x, "labels": x.sum()}

    torch.manual_seed(0)
    wd = Watchdog(every=10)
    targs = TrainingArguments(output_dir=str(tmp_path), per_device_train_batch_size=4, num_train_epochs=1,
                              logging_steps=1, report_to=[], save_strategy="no", use_cpu=True,
                              learning_rate=0.01, seed=0, disable_tqdm=True, **args)
    trainer = Trainer(model=Model(), args=targs, train_dataset=Data(), callbacks=[wd.hf_callback()],
                      eval_dataset=Data() if "eval_strategy" in args else None)
    trainer.train()
    return wd, trainer


@pytest.mark.parametrize("nan_filter", [True, False])
def test_a_real_hf_trainer_stops_on_nan_with_or_without_its_nan_filter(tmp_path, nan_filter):
    # Regression: the Trainer's default logging_nan_inf_filter=True logs a NaN step's loss as a
    # finite number, so the watchdog never saw the NaN and let all 100 steps run. The step's
    # gradient norm is logged unfiltered (NaN): the callback now reads it too.
    pytest.importorskip("transformers")
    pytest.importorskip("accelerate")
    wd, trainer = _hf_trainer_run(tmp_path, nan_at=30, logging_nan_inf_filter=nan_filter)
    assert wd.diagnosis.verdict == "nan"
    assert trainer.state.global_step == 30  # stopped right after the NaN step, not after 100


def test_a_real_hf_trainer_feeds_gradient_norms_and_evaluation_losses(tmp_path):
    pytest.importorskip("transformers")
    pytest.importorskip("accelerate")
    wd, trainer = _hf_trainer_run(tmp_path, eval_strategy="steps", eval_steps=25)
    h = wd.monitor.history()
    assert trainer.state.global_step == 100 and len(h["losses"]) == 100
    assert np.all(np.isfinite(h["grad_norms"])) and h["val_steps"].tolist() == [25, 50, 75, 100]
    assert wd.diagnosis.n_steps == 100


def test_a_real_hf_fp16_trainer_runs_on_past_a_loss_scaler_overflow(tmp_path):
    # Regression: under fp16 a non-finite grad_norm is the loss scaler's overflow, a step the
    # Trainer skips (the loss is finite, the weights untouched); read as a NaN loss, it stopped
    # the run at the first overflow, which fp16 training meets routinely while the scale settles.
    pytest.importorskip("transformers")
    pytest.importorskip("accelerate")
    wd, trainer = _hf_trainer_run(tmp_path, overflow_at=5, fp16=True)
    logs = [e for e in trainer.state.log_history if "grad_norm" in e]
    assert not math.isfinite(logs[4]["grad_norm"]) and math.isfinite(logs[4]["loss"])  # the overflow happened
    assert trainer.state.global_step == 100 and wd.diagnosis.verdict != "nan"


def test_the_diagnosis_read_after_the_loop_covers_every_step():
    wd = Watchdog(every=50)
    for t in range(145):  # the last refresh on the every-50 clock was at step 99
        wd.observe(t, _loss(t), lr=0.1)
    assert wd.diagnosis.n_steps == 145
    assert wd.diagnosis == diagnose([_loss(t) for t in range(145)], np.full(145, 0.1))


def test_plain_loop_gradient_norms_and_validation_losses_reach_the_history():
    wd = Watchdog(every=20, capacity=64)
    for t in range(200):
        wd.observe(t, _loss(t), lr=0.1, grad_norm=torch.tensor(2.0 + t / 100))
        if t % 50 == 49:
            wd.observe_val(t, 1.1 * _loss(t))
    h = wd.monitor.history()
    assert len(h["grad_norms"]) == len(h["losses"]) and np.all(np.isfinite(h["grad_norms"]))
    assert h["val_steps"].tolist() == [49, 99, 149, 199]
    with pytest.raises(LRKitError, match="observe_val must increase"):
        wd.observe_val(199, 1.0)


def test_train_callback_feeds_the_validation_losses():
    from lrkit.tasks import train

    wd = Watchdog(every=20)
    train("wine-logreg", lr=0.3, budget=60, eval_every=20, callbacks=[wd])
    assert wd.monitor.history()["val_steps"].tolist() == [19, 39]  # the final evaluation is after the loop


def test_a_real_lightning_trainer_feeds_gradient_norms_and_validation_losses(quiet_trainer):
    pytest.importorskip("lightning.pytorch")

    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(80, 2)), batch_size=4)
    wd = Watchdog(every=10, grad_norms=True)
    trainer = quiet_trainer(max_epochs=3, callbacks=[wd.lightning_callback()])
    trainer.fit(sum_regression(lr=0.05), data, data)
    h = wd.monitor.history()
    assert len(h["losses"]) == 60 and np.all(h["grad_norms"] > 0)
    assert h["val_steps"].tolist() == [19, 39, 59]  # after each epoch; the sanity check is not a measurement
    assert wd.diagnosis.n_steps == 60


@pytest.mark.parametrize("name", ["valid_loss", "val/loss", "Validation Loss"])
def test_the_lightning_callback_reads_every_validation_name_the_history_readers_do(quiet_trainer, name):
    # Regression (ux8 probe): the callback read `val_loss` only; a module logging `valid_loss` (a name
    # `read_history` takes from the same run's CSV) fed the Watchdog no validation loss.
    pytest.importorskip("lightning.pytorch")
    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(80, 2)), batch_size=4)
    wd = Watchdog(every=10)
    trainer = quiet_trainer(max_epochs=2, callbacks=[wd.lightning_callback()])
    trainer.fit(sum_regression(0.05, name), data, data)
    assert wd.monitor.history()["val_steps"].tolist() == [19, 39]


def _new_user_run(seed: int) -> tuple[Watchdog, list[float]]:
    """Issue 14's new user: SGD with momentum 0.9 at lr 2.5 on a digits MLP, 145 steps, Watchdog(every=50)."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    data, labels = torch.tensor(x / 16, dtype=torch.float32), torch.tensor(y)
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    opt = torch.optim.SGD(model.parameters(), lr=2.5, momentum=0.9)
    batches = torch.Generator().manual_seed(seed)
    wd, losses = Watchdog(every=50), []
    for step in range(145):
        idx = torch.randint(0, len(data), (32,), generator=batches)
        loss = torch.nn.functional.cross_entropy(model(data[idx]), labels[idx])
        losses.append(float(loss.detach()))
        wd.observe(step, loss.detach(), lr=2.5)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return wd, losses


@pytest.mark.parametrize("seed", [0, 1])
def test_issue_14_new_user_run_that_ended_above_its_start_is_never_told_to_raise_the_rate(seed):
    # Regression: the loss went 2.3 -> 7-13 -> 2.5 (above where it started); the Watchdog and
    # lrkit.diagnose both said too_low_slow, "Multiply the rate by about 10".
    wd, losses = _new_user_run(seed)
    assert losses[0] < 2.4 and max(losses) > 5 and np.median(losses[-15:]) > losses[0]  # the issue's shape
    for d in (wd.diagnosis, diagnose(losses, np.full(145, 2.5))):
        assert d.verdict not in ("too_low_slow", "plateau", "healthy") and d.direction != "raise", d
        assert not d.recommendation.startswith("Multiply")


@pytest.mark.parametrize(("loss", "shown"), [("abc", "'abc'"), (None, "None"), ([1.0, 2.0], r"\[1.0, 2.0\]"),
                                             (torch.ones(0), "an empty tensor")])
def test_a_loss_that_is_not_a_number_is_one_lrkit_error_and_changes_nothing(loss, shown):
    wd = Watchdog(every=10)
    wd.observe(0, 1.0)
    before = wd.state_dict()
    with pytest.raises(LRKitError,
                       match=rf"^`loss` of Watchdog.observe must be a number or a tensor; got {shown}\.$"):
        wd.observe(1, loss)
    with pytest.raises(LRKitError,
                       match=r"^`grad_norm` of Watchdog.observe must be a number or a tensor; got 'x'\.$"):
        wd.observe(1, 1.0, grad_norm="x")
    assert wd.state_dict() == before
