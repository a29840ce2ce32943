"""The files users already have, each produced by the real tool: Lightning's ``CSVLogger`` ``metrics.csv``,
a Hugging Face ``Trainer``'s ``trainer_state.json`` and its TensorBoard events, a ``SummaryWriter``'s
events, and a plain CSV with validation-loss and gradient-norm columns; each read with its training
loss, rate, gradient norm and validation loss, and diagnosed from the command line."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from lrkit.cli import app
from lrkit.diagnostics import read_history

torch = pytest.importorskip("torch")
runner = CliRunner()


def _diagnose_cli(path: Path) -> dict:
    result = runner.invoke(app, ["diagnose", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _regression_data(n: int = 256) -> torch.utils.data.TensorDataset:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 4, generator=g)
    return torch.utils.data.TensorDataset(x, x.sum(1, keepdim=True) + 0.1 * torch.randn(n, 1, generator=g))


@pytest.mark.xdist_group("lightning")
def test_lightning_csvlogger_metrics_csv(tmp_path, quiet_trainer):
    pl = pytest.importorskip("lightning.pytorch")
    from lightning.pytorch.callbacks import LearningRateMonitor
    from lightning.pytorch.loggers import CSVLogger
    from lightning.pytorch.utilities import grad_norm

    class Model(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = torch.nn.Linear(4, 1)

        def training_step(self, batch, i):
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.net(x), y)
            self.log("train_loss", loss)
            return loss

        def on_before_optimizer_step(self, optimizer):
            self.log_dict(grad_norm(self, norm_type=2))

        def validation_step(self, batch, i):
            x, y = batch
            self.log("val_loss", torch.nn.functional.mse_loss(self.net(x), y))

        def configure_optimizers(self):
            opt = torch.optim.SGD(self.parameters(), lr=0.05)
            sched = torch.optim.lr_scheduler.StepLR(opt, 20, gamma=0.5)
            return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

    loader = torch.utils.data.DataLoader(_regression_data(), batch_size=16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer = quiet_trainer(max_epochs=3, logger=CSVLogger(str(tmp_path)), log_every_n_steps=1,
                                callbacks=[LearningRateMonitor("step")])
        trainer.fit(Model(), loader, loader)
    path = Path(trainer.logger.log_dir) / "metrics.csv"
    h = read_history(path)
    assert h.steps.tolist() == list(range(48)) and np.all(np.isfinite(h.losses))
    assert h.lrs is not None and h.lrs[0] == pytest.approx(0.05) and h.lrs[-1] == pytest.approx(0.0125)
    assert h.grad_norms is not None and h.grad_norms.shape == h.losses.shape and np.all(h.grad_norms > 0)
    assert h.val_steps.tolist() == [15, 31, 47] and np.all(np.isfinite(h.val_losses))
    assert _diagnose_cli(path)["n_steps"] == 48


def _hf_trainer(tmp_path: Path, **extra):
    pytest.importorskip("transformers")
    pytest.importorskip("accelerate")
    from transformers import Trainer, TrainingArguments

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(4, 1)

        def forward(self, x, labels):
            return {"loss": ((self.lin(x).squeeze(1) - labels) ** 2).mean()}

    class Data(torch.utils.data.Dataset):
        def __init__(self):
            self.data = _regression_data(160)

        def __len__(self):
            return len(self.data)

        def __getitem__(self, i):
            x, y = self.data[i]
            return {"x": x, "labels": y[0]}

    torch.manual_seed(0)
    args = TrainingArguments(output_dir=str(tmp_path), per_device_train_batch_size=4, num_train_epochs=1,
                             logging_steps=1, eval_strategy="steps", eval_steps=10, save_strategy="no",
                             use_cpu=True, learning_rate=0.01, lr_scheduler_type="cosine", seed=0,
                             disable_tqdm=True, **extra)
    trainer = Trainer(model=Model(), args=args, train_dataset=Data(), eval_dataset=Data())
    trainer.train()
    return trainer


def test_hugging_face_trainer_state_json(tmp_path):
    trainer = _hf_trainer(tmp_path, report_to=[])
    trainer.save_state()
    path = tmp_path / "trainer_state.json"
    logged = [e for e in json.loads(path.read_text())["log_history"] if "loss" in e]
    h = read_history(path)
    assert h.steps.tolist() == [e["step"] for e in logged] == list(range(1, 41))
    assert h.losses.tolist() == pytest.approx([e["loss"] for e in logged])  # not the run's mean train_loss
    assert h.lrs.tolist() == pytest.approx([e["learning_rate"] for e in logged])
    assert h.grad_norms.tolist() == pytest.approx([e["grad_norm"] for e in logged])
    assert h.val_steps.tolist() == [10, 20, 30, 40] and np.all(np.isfinite(h.val_losses))
    assert _diagnose_cli(path)["n_steps"] == 40


def test_hugging_face_trainer_tensorboard_events(tmp_path):
    pytest.importorskip("tensorboard")
    _hf_trainer(tmp_path, report_to=["tensorboard"])
    h = read_history(tmp_path / "runs")  # the Trainer's folder of runs, holding this one run's folder
    assert h.steps.tolist() == list(range(1, 41))
    assert h.lrs is not None and h.grad_norms is not None and h.val_steps.tolist() == [10, 20, 30, 40]


def test_summary_writer_events(tmp_path):
    pytest.importorskip("tensorboard")
    from torch.utils.tensorboard import SummaryWriter

    w = SummaryWriter(str(tmp_path))
    for t in range(30):
        w.add_scalar("Loss/train", 2.0 / math.sqrt(1 + t), t)
        w.add_scalar("lr", 0.1, t)
        w.add_scalar("grad_norm", 1.0, t)
        if t % 10 == 9:
            w.add_scalar("Loss/val", 2.1 / math.sqrt(1 + t), t)
    w.close()
    h = read_history(tmp_path)
    assert h.steps.tolist() == list(range(30)) and h.losses[0] == pytest.approx(2.0)
    assert h.lrs.tolist() == pytest.approx([0.1] * 30) and h.grad_norms.tolist() == [1.0] * 30
    assert h.val_steps.tolist() == [9, 19, 29]


def test_plain_csv_with_validation_and_gradient_norm_columns(tmp_path):
    rows = ["step,loss,lr,grad_norm,val_loss"]
    for t in range(40):
        val = 2.1 / math.sqrt(1 + t) if t % 10 == 9 else ""
        rows.append(f"{t},{2 / math.sqrt(1 + t)},0.1,{1 + t / 40},{val}")
    path = tmp_path / "run.csv"
    path.write_text("\n".join(rows) + "\n")
    h = read_history(path)
    assert h.losses.size == 40 and h.grad_norms[-1] == pytest.approx(1 + 39 / 40)
    assert h.val_steps.tolist() == [9, 19, 29, 39]
    assert _diagnose_cli(path)["n_steps"] == 40
