"""A ``Trainer`` on a streaming ``train_dataset`` (a torch ``IterableDataset``; the Trainer then trains for
``max_steps``) trains, and ``use_schedule`` works on it, but ``lrkit.hf.find_lr`` crashed with
``TypeError: object of type 'Stream' has no len()`` (``hf/_finder.py``'s ``_Updates.__len__`` calls
``len()`` on the Trainer's DataLoader; session-7 new-user probe, ``/work/notes/ux7/p8_hf_stream.py``).
Fixed: ``find_lr`` gives the sweep a length only where the loader has one."""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("accelerate")

from torch.utils.data import IterableDataset  # noqa: E402
from transformers import Trainer, TrainingArguments  # noqa: E402

from lrkit.hf import find_lr  # noqa: E402

_W = torch.tensor([1.0, -2.0, 0.5, 0.0, 3.0, 1.0])


class _Stream(IterableDataset):
    def __iter__(self):
        g = torch.Generator().manual_seed(0)
        for _ in range(640):
            x = torch.randn(6, generator=g)
            yield {"x": x, "labels": x @ _W}


class _Linear(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(6, 1)

    def forward(self, x, labels=None):
        out = self.lin(x).squeeze(-1)
        return {"loss": ((out - labels) ** 2).mean(), "logits": out}


def test_find_lr_on_a_streaming_train_dataset(tmp_path):
    torch.manual_seed(0)
    model = _Linear()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    args = TrainingArguments(output_dir=str(tmp_path), learning_rate=5e-5, max_steps=40,
                             per_device_train_batch_size=16, report_to=[], disable_tqdm=True, use_cpu=True,
                             save_strategy="no")
    trainer = Trainer(model=model, args=args, train_dataset=_Stream())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = find_lr(trainer, progress=False)
    assert r.suggestion is not None
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
