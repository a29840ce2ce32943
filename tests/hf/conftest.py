"""A real ``transformers.Trainer`` on a tiny BERT classifier built from a config (no downloads).

The model has LayerNorms and biases, so the Trainer's ``create_optimizer`` makes
a weight-decay group and a no-decay group; the dataset has sequences of varying
length, so the Trainer's data collator (a padding one, counted) is what makes
the batches.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("accelerate")

from transformers import BertConfig, BertForSequenceClassification, Trainer, TrainingArguments  # noqa: E402

VOCAB = 64


def tiny_model(seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    cfg = BertConfig(
        vocab_size=VOCAB,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=32,
        num_labels=2,
    )
    return BertForSequenceClassification(cfg)


def tiny_data(n: int = 96, seed: int = 0) -> list[dict[str, Any]]:
    g = torch.Generator().manual_seed(seed)
    rows = []
    for i in range(n):
        ids = torch.randint(1, VOCAB, (4 + i % 5,), generator=g)
        rows.append({"input_ids": ids, "labels": int(ids[0] < VOCAB // 2)})
    return rows


class PadCollator:
    """Pads a list of rows to the longest; counts its calls (the finder must use it)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, rows: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        self.calls += 1
        n = max(len(r["input_ids"]) for r in rows)
        ids = torch.zeros(len(rows), n, dtype=torch.long)
        mask = torch.zeros(len(rows), n, dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, : len(r["input_ids"])] = r["input_ids"]
            mask[i, : len(r["input_ids"])] = 1
        return {"input_ids": ids, "attention_mask": mask, "labels": torch.tensor([r["labels"] for r in rows])}


def make_trainer(
    out: Path,
    *,
    model: torch.nn.Module | None = None,
    eval_data: bool = False,
    optimizers: tuple = (None, None),
    callbacks: list | None = None,
    **overrides: Any,
) -> Trainer:
    args = dict(
        output_dir=str(out),
        per_device_train_batch_size=8,
        num_train_epochs=1,
        report_to=[],
        save_strategy="no",
        use_cpu=True,
        learning_rate=1e-3,
        weight_decay=0.01,
        seed=0,
        disable_tqdm=True,
        logging_steps=1,
        gradient_accumulation_steps=2,
    )
    args.update(overrides)
    return Trainer(
        model=model or tiny_model(),
        args=TrainingArguments(**args),
        train_dataset=tiny_data(),
        eval_dataset=tiny_data(32, seed=1) if eval_data else None,
        data_collator=PadCollator(),
        optimizers=optimizers,
        callbacks=callbacks,
    )


@pytest.fixture
def trainer_factory(tmp_path: Path) -> Callable[..., Trainer]:
    """``trainer_factory(**TrainingArguments overrides)``: a fresh Trainer on the tiny task."""
    return lambda **kw: make_trainer(tmp_path / "out", **kw)


@pytest.fixture(autouse=True)
def _quiet_and_clean() -> Iterator[None]:
    # Each Trainer makes an Accelerator; reset accelerate's process-wide state after each test.
    from accelerate.state import AcceleratorState, GradientState

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(cycling|num_items_in_batch|loss_type).*")
        yield
    AcceleratorState._reset_state(True)
    GradientState._reset_state()


@pytest.fixture
def step_log() -> Iterator[list[list[float]]]:
    """Every optimizer update in the process, as the list of its groups' rates (a global pre-hook)."""
    from torch.optim.optimizer import register_optimizer_step_pre_hook

    log: list[list[float]] = []

    def record(opt: Any, args: Any, kwargs: Any) -> None:
        if not type(opt).__module__.startswith("accelerate"):  # the inner optimizer, once per update
            log.append([g["lr"] for g in opt.param_groups])

    handle = register_optimizer_step_pre_hook(record)
    yield log
    handle.remove()


@pytest.fixture
def model_factory() -> Callable[..., torch.nn.Module]:
    """``model_factory(seed=0)``: the tiny BERT classifier (tests import in importlib mode, not by name)."""
    return tiny_model


@pytest.fixture
def tiny_task() -> dict[str, Any]:
    """The names a Trainer script has: ``model``, ``train`` (rows) and ``collate``."""
    return {"model": tiny_model(), "train": tiny_data(), "collate": PadCollator()}


class DictClassifier(torch.nn.Module):
    """A classifier on dict batches (``x``, ``labels``) returning ``{"logits", "loss"}``, as a user's
    own Trainer model does: linear, or with one ReLU layer of ``hidden`` units."""

    def __init__(self, classes: int = 3, hidden: int = 0) -> None:
        super().__init__()
        nn = torch.nn
        self.net = nn.Sequential(nn.Linear(4, hidden), nn.ReLU(), nn.Linear(hidden, classes)) if hidden \
            else nn.Linear(4, classes)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        logits = self.net(x)
        return {"logits": logits, "loss": torch.nn.functional.cross_entropy(logits, labels)}


class DictRows(torch.utils.data.Dataset):
    """``n`` rows ``{"x": 4 features, "labels": y}``; ``y = labels(x)`` (a seeded draw of 3 classes when
    ``None``); ``nan_at``: a row whose third feature is NaN (one bad sample)."""

    def __init__(self, n: int, labels: Callable[[torch.Tensor], torch.Tensor] | None = None,
                 nan_at: int | None = None) -> None:
        g = torch.Generator().manual_seed(0)
        self.x = torch.randn(n, 4, generator=g)
        self.y = torch.randint(0, 3, (n,), generator=g) if labels is None else labels(self.x)
        if nan_at is not None:
            self.x[nan_at, 2] = float("nan")

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"x": self.x[i], "labels": self.y[i]}


def cpu_args(out: Path, **overrides: Any) -> TrainingArguments:
    """``TrainingArguments`` for a quiet CPU run that saves nothing; ``overrides`` as the test needs."""
    quiet = {"report_to": [], "save_strategy": "no", "use_cpu": True, "disable_tqdm": True}
    return TrainingArguments(**{"output_dir": str(out), **quiet, **overrides})


@pytest.fixture
def dict_parts() -> Any:
    """``model(classes, hidden)``, ``rows(n, labels, nan_at)`` and ``args(out, **overrides)``: the parts of a
    user's own small Trainer script (tests import in importlib mode, not by name)."""
    from types import SimpleNamespace

    return SimpleNamespace(model=DictClassifier, rows=DictRows, args=cpu_args)
