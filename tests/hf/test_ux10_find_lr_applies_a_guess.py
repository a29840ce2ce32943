"""``lrkit.hf.find_lr(trainer, apply=True)`` applies the finder's "guess, not a measurement" silently
(session-10 new-user probe, ux; ``/work/notes/ux10/REPORT.md``; owner finder, ``lrkit/hf``).

A ``Trainer`` on digits (an MLP returning ``{"loss", "logits"}``, AdamW, ``learning_rate=5e-5``) whose
training set holds one sample with a NaN pixel (``/work/notes/ux10/hf_find_nan.py``): the sweep meets
the NaN and answers 4.3e-07 (2.5e-09 on the smaller set here) with the reason "a guess, not a
measurement" (``meta["source"] == "blow-up fallback"``), and ``apply=True`` sets that
``learning_rate`` with no warning. docs/integrations.md: "``find_lr(trainer, apply=True)`` #
learning_rate <- the suggestion (none: unchanged, with a warning)". A guess is the finder saying it
has no measurement; applying it unannounced trains the run at whatever the guess is. Expected: the
rate left unchanged with a warning (as for no suggestion), or applied with a warning that says it is
a guess. (``tune`` uses the same guess unannounced: D16.)

Fixed: a result whose ``meta["source"]`` is ``lrkit.finder.GUESS_SOURCE`` is not applied, with a warning
saying it is only a guess (the Lightning ``LearningRateFinder`` the same).
"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from torch import nn  # noqa: E402
from transformers import Trainer, TrainingArguments  # noqa: E402

from lrkit.hf import find_lr  # noqa: E402


class _Model(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))

    def forward(self, x, labels=None):
        logits = self.net(x)
        return {"logits": logits, "loss": nn.functional.cross_entropy(logits, labels)}


class _Data(torch.utils.data.Dataset):
    def __init__(self) -> None:
        g = torch.Generator().manual_seed(0)
        self.x = torch.randn(512, 4, generator=g)
        self.y = (self.x[:, 0] > 0).long() + (self.x[:, 1] > 0).long()
        self.x[5, 2] = float("nan")  # one bad sample

    def __len__(self) -> int:
        return 512

    def __getitem__(self, i):
        return {"x": self.x[i], "labels": self.y[i]}


def test_a_guess_is_not_applied_silently(tmp_path):
    torch.manual_seed(0)
    args = TrainingArguments(output_dir=str(tmp_path), max_steps=50, per_device_train_batch_size=16,
                             learning_rate=5e-5, report_to=[], save_strategy="no", use_cpu=True,
                             disable_tqdm=True, seed=0)
    trainer = Trainer(model=_Model(), args=args, train_dataset=_Data())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = find_lr(trainer, apply=True)
    if result.meta.get("source") != "blow-up fallback":
        source = result.meta.get("source")
        pytest.fail(f"the premise moved: the sweep measured {result.suggestion} ({source})")
    messages = [str(w.message) for w in caught]
    said = [m for m in messages if "guess" in m]
    assert trainer.args.learning_rate == 5e-5 or said, (trainer.args.learning_rate, messages)
