"""A Watchdog fed by a framework callback resumes with the run: Lightning and the Hugging Face Trainer
save and restore its history with the checkpoint (``Trainer.fit(ckpt_path=...)``;
``train(resume_from_checkpoint=...)`` with ``restore_callback_states_from_checkpoint=True``), so the
diagnosis after a resume reads the whole run, as ``Watchdog.state_dict`` promises for a plain loop.

Regression (ux8 probe, `/work/notes/ux8/p3_lightning.py`): the Lightning callback had no
``state_dict``, so a resumed run's Watchdog started empty: 32 of 64 steps, read ``uncertain`` where
the uninterrupted run read ``healthy``; the Hugging Face callback was no ``ExportableState``, so the
Trainer saved nothing of it.
"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch")

from lrkit.torch import Watchdog  # noqa: E402
from ._lightning_sum import sum_regression  # noqa: E402


def _fit(root, wd: Watchdog, ckpt=None) -> None:
    torch.manual_seed(0)
    data = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.randn(80, 2, generator=torch.Generator().manual_seed(1))),
        batch_size=4)
    saver = pl.callbacks.ModelCheckpoint(dirpath=root, save_top_k=-1, every_n_epochs=1)
    trainer = pl.Trainer(max_epochs=3, callbacks=[wd.lightning_callback(), saver], logger=False,
                         enable_progress_bar=False, enable_model_summary=False, accelerator="cpu")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="lightning")
        warnings.filterwarnings("ignore", message=".*does not have many workers.*")
        trainer.fit(sum_regression(lr=0.02), data, data, ckpt_path=ckpt)


def test_a_lightning_resume_restores_the_watchdogs_history(tmp_path):
    full = Watchdog(every=10)
    _fit(tmp_path / "ck", full)
    resumed = Watchdog(every=10)
    _fit(tmp_path / "ck2", resumed, ckpt=tmp_path / "ck" / "epoch=0-step=20.ckpt")
    h_full, h_resumed = full.monitor.history(), resumed.monitor.history()
    assert len(h_full["losses"]) == 60
    assert h_resumed["steps"].tolist() == h_full["steps"].tolist()
    assert h_resumed["losses"].tolist() == h_full["losses"].tolist()
    assert h_resumed["val_steps"].tolist() == h_full["val_steps"].tolist() == [19, 39, 59]
    assert resumed.diagnosis.to_dict() == full.diagnosis.to_dict()


def _hf_run(out, wd: Watchdog, resume=None, restore=True, callbacks=None, save=True):
    from transformers import Trainer, TrainingArguments

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(2, 1)

        def forward(self, x, labels):
            return {"loss": ((self.lin(x).squeeze(1) - labels) ** 2).mean()}

    class Data(torch.utils.data.Dataset):
        def __len__(self):
            return 160

        def __getitem__(self, i):
            x = torch.randn(2, generator=torch.Generator().manual_seed(i))
            return {"x": x, "labels": x.sum()}

    torch.manual_seed(0)
    args = TrainingArguments(output_dir=str(out), per_device_train_batch_size=4, num_train_epochs=1,
                             logging_steps=1, report_to=[], save_steps=20,
                             save_strategy="steps" if save else "no",
                             use_cpu=True, learning_rate=0.01, seed=0, disable_tqdm=True,
                             eval_strategy="steps", eval_steps=10,
                             restore_callback_states_from_checkpoint=restore)  # HF's switch, off by default
    trainer = Trainer(model=Model(), args=args, train_dataset=Data(), eval_dataset=Data(),
                      callbacks=[wd.hf_callback()] if callbacks is None else callbacks)
    trainer.train(resume_from_checkpoint=resume)
    return trainer


def test_a_hf_resume_restores_the_watchdogs_history(tmp_path):
    pytest.importorskip("transformers")
    pytest.importorskip("accelerate")
    full = Watchdog(every=10)
    _hf_run(tmp_path, full)
    resumed = Watchdog(every=10)
    trainer = _hf_run(tmp_path, resumed, resume=str(tmp_path / "checkpoint-20"))
    assert trainer.state.global_step == 40
    h_full, h_resumed = full.monitor.history(), resumed.monitor.history()
    assert len(h_full["losses"]) == 40
    assert h_resumed["steps"].tolist() == h_full["steps"].tolist()
    assert h_resumed["losses"].tolist() == h_full["losses"].tolist()
    assert h_resumed["val_steps"].tolist() == h_full["val_steps"].tolist() == [10, 20, 30, 40]
    assert resumed.diagnosis.to_dict() == full.diagnosis.to_dict()


def _unwatched(caught) -> list[str]:
    return [str(w.message) for w in caught if "starts empty" in str(w.message)]


def test_a_hf_resume_without_the_switch_says_the_watchdog_starts_empty(tmp_path):
    # ux16 L6: the Trainer restores no callback state by default, and the Watchdog read the resumed half
    # alone (a run the unbroken one read healthy read uncertain) without a word
    pytest.importorskip("transformers")
    pytest.importorskip("accelerate")
    _hf_run(tmp_path, Watchdog(every=10))
    resumed = Watchdog(every=10)
    with pytest.warns(UserWarning, match=r"starts empty at update 20 of a resumed run.*"
                      r"restore_callback_states_from_checkpoint=True"):
        _hf_run(tmp_path, resumed, resume=str(tmp_path / "checkpoint-20"), restore=False)
    assert resumed.monitor.history()["steps"][0] == 21  # what it says: the resumed part alone


def test_a_hf_resume_of_a_checkpoint_without_the_watchdog_says_so(tmp_path):
    pytest.importorskip("transformers")
    pytest.importorskip("accelerate")
    _hf_run(tmp_path, Watchdog(every=10), callbacks=[])  # saved by a run without the callback
    resumed = Watchdog(every=10)
    with pytest.warns(UserWarning, match=r"starts empty at update 20.*holds no state of it"):
        # and it saves the next checkpoint: the Trainer (transformers 5.24) keyed each stateful callback's
        # saved state by the resumed state's entries, and raised KeyError for one that state lacked
        trainer = _hf_run(tmp_path, resumed, resume=str(tmp_path / "checkpoint-20"))
    saved = trainer.state.stateful_callbacks["WatchdogHFCallback"]["attributes"]["watchdog_state"]
    assert saved["monitor"]["seen"] == 20 == resumed.monitor.state_dict()["seen"]


def test_a_restored_or_fresh_hf_run_says_nothing_of_it(tmp_path):
    pytest.importorskip("transformers")
    pytest.importorskip("accelerate")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _hf_run(tmp_path, Watchdog(every=10))
        _hf_run(tmp_path, Watchdog(every=10), resume=str(tmp_path / "checkpoint-20"))
    assert _unwatched(caught) == []
