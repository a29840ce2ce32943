"""``Watchdog.hf_callback()`` on a Trainer that logs no loss (session-10 new-user probe, ux;
``/work/notes/ux10/REPORT.md``; owner: whoever owns ``torch/_watchdog.py``).

The callback is fed from the Trainer's logs, and docs/watch.md says "set ``logging_steps=1``". A user
who adds the callback to an existing script keeps ``TrainingArguments``' default ``logging_steps=500``:
on a run of 300 updates at ``learning_rate=3.0`` (a digits MLP that died in its first 16 updates) the
watchdog saw nothing, stopped nothing, and ended with ``wd.diagnosis is None``, without a word. A
watchdog that watches nothing should say so: expected, a warning at the end of training (or at its
start, from ``args``) naming ``logging_steps`` and what to set.
"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from torch import nn  # noqa: E402
from transformers import Trainer, TrainingArguments  # noqa: E402

from lrkit.torch import Watchdog  # noqa: E402


class _Model(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Linear(4, 3)

    def forward(self, x, labels=None):
        logits = self.net(x)
        return {"logits": logits, "loss": nn.functional.cross_entropy(logits, labels)}


class _Data(torch.utils.data.Dataset):
    def __init__(self) -> None:
        g = torch.Generator().manual_seed(0)
        self.x, self.y = torch.randn(64, 4, generator=g), torch.randint(0, 3, (64,), generator=g)

    def __len__(self) -> int:
        return 64

    def __getitem__(self, i):
        return {"x": self.x[i], "labels": self.y[i]}


def test_a_watchdog_fed_no_loss_says_so(tmp_path):
    torch.manual_seed(0)
    wd = Watchdog(every=10, report=None)
    args = TrainingArguments(output_dir=str(tmp_path), max_steps=20, per_device_train_batch_size=8,
                             learning_rate=0.1, report_to=[], save_strategy="no", use_cpu=True,
                             disable_tqdm=True)  # logging_steps: the default (500)
    trainer = Trainer(model=_Model(), args=args, train_dataset=_Data(), callbacks=[wd.hf_callback()])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trainer.train()
    assert wd.diagnosis is None  # it saw nothing (today, and after the fix)
    said = [str(w.message) for w in caught if "logging_steps" in str(w.message)]
    assert said, [str(w.message) for w in caught]
    assert "here 500 of 20" in said[0] and "logging_steps=1" in said[0], said


def test_a_watchdog_fed_every_step_is_quiet(tmp_path):
    torch.manual_seed(0)
    wd = Watchdog(every=10, report=None)
    args = TrainingArguments(output_dir=str(tmp_path), max_steps=20, per_device_train_batch_size=8,
                             learning_rate=0.1, report_to=[], save_strategy="no", use_cpu=True,
                             disable_tqdm=True, logging_steps=1)
    trainer = Trainer(model=_Model(), args=args, train_dataset=_Data(), callbacks=[wd.hf_callback()])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trainer.train()
    assert wd.diagnosis is not None
    assert not [w for w in caught if "logging_steps" in str(w.message)]
