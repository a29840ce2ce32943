"""A ``DataLoader`` over an ``IterableDataset`` (a stream: webdataset, a generator of shards, Hugging
Face's streaming sets) has a ``__len__`` that raises ``TypeError``. Every entry point tested
``hasattr(loader, "__len__")`` and then called ``len()``, so each crashed with
``TypeError: object of type 'Stream' has no len()`` (session-7 new-user probe,
``/work/notes/ux7/stream_task.py``). ``find.md`` promises "any re-iterable works"; ``train`` and
``train_autopilot`` mean to ask for ``budget`` when the loader has no length.

Each reads a length through ``lrkit.torch.loader_length`` (``None`` for a stream; ``lrkit.tasks``
re-exports it): find_lr cycles the stream, ``train`` / ``train_autopilot`` / ``lrkit train --script``
ask for ``budget`` / take ``--steps``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, IterableDataset
from typer.testing import CliRunner

from lrkit import LRKitError
from lrkit.finder import Sweep
from lrkit.tasks import train, train_autopilot
from lrkit.torch import find_lr

_W = torch.tensor([1.0, -2.0, 0.5, 0.0, 3.0, 1.0])


class _Stream(IterableDataset):
    """16 batches of 32 rows of a noiseless linear regression, the same every pass."""

    def __iter__(self):
        g = torch.Generator().manual_seed(0)
        X = torch.randn(512, 6, generator=g)
        y = X @ _W
        for i in range(0, 512, 32):
            yield X[i:i + 32], y[i:i + 32]


def _task(seed: int) -> dict:
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(6, 1), nn.Flatten(0))
    return {"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.01),
            "loss_fn": nn.MSELoss(), "train_loader": DataLoader(_Stream(), batch_size=None)}


def test_the_stream_loader_is_what_users_have():
    loader = DataLoader(_Stream(), batch_size=None)
    assert hasattr(loader, "__len__") and len(list(loader)) == 16
    with pytest.raises(TypeError):
        len(loader)


def test_find_lr_sweeps_a_stream_loader_and_restores_the_model():
    parts = _task(0)
    model, opt = parts["model"], parts["optimizer"]
    before = {k: v.clone() for k, v in model.state_dict().items()}
    r = find_lr(model, opt, parts["loss_fn"], parts["train_loader"],
                sweep=Sweep(start=1e-4, end=10.0, num_steps=40), interval=False)
    assert r.suggestion is not None and 0.01 < r.suggestion < 1.0  # least squares: stable below ~1
    assert r.meta["cycled"]
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_train_without_budget_on_a_stream_asks_for_the_budget():
    with pytest.raises(LRKitError, match=r"^`budget` of train is required"):
        train(_task, lr=0.01, seed=0)


def test_train_autopilot_without_budget_on_a_stream_asks_for_the_budget():
    with pytest.raises(LRKitError, match=r"^`budget` of train_autopilot is required"):
        train_autopilot(_task, seed=0)


def test_train_with_a_budget_runs_on_a_stream():
    r = train(_task, lr=0.01, budget=20, seed=0)
    assert r.steps == 20


_SCRIPT = textwrap.dedent('''
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, IterableDataset

    class Stream(IterableDataset):
        def __iter__(self):
            g = torch.Generator().manual_seed(0)
            X = torch.randn(256, 3, generator=g)
            y = X @ torch.tensor([1.0, -1.0, 0.5])
            for i in range(0, 256, 32):
                yield X[i:i + 32], y[i:i + 32]

    def build(seed):
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0))
        return {"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.01),
                "loss_fn": nn.MSELoss(), "train_loader": DataLoader(Stream(), batch_size=None)}
''')


def test_cli_train_script_with_steps_runs_on_a_stream(tmp_path: Path):
    from lrkit.cli import app

    path = tmp_path / "stream_task.py"
    path.write_text(_SCRIPT)
    result = CliRunner().invoke(app, ["train", "--script", f"{path}:build", "--steps", "20"])
    assert result.exit_code == 0, result.output


def test_loader_length_reads_a_stream_as_having_none():
    from lrkit import tasks
    from lrkit.torch import loader_length

    assert loader_length(DataLoader(_Stream(), batch_size=None)) is None
    assert loader_length([1, 2, 3]) == 3 and loader_length(x for x in ()) is None
    assert tasks.loader_length is loader_length


def test_train_autopilot_with_a_budget_runs_on_a_stream():
    r = train_autopilot(_task, budget=20, seed=0)
    assert r.steps == 20
