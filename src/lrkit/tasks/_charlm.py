"""``charlm`` and ``charlm-small``: a character-level transformer LM on Python's own source.

Data: the Python standard library ships with every Python, so the corpus needs no
download. A fixed, sorted list of stdlib modules (present in every CPython >= 3.11; see
:data:`TRAIN_FILES` and :data:`VAL_FILES`) is read from ``sysconfig``'s ``stdlib`` path
as UTF-8 and concatenated in that order; the split is by file (validation files never
appear in training). The file names are fixed; their contents are those of the
installed Python, so figures are comparable between machines on the same Python
minor version (``TaskInfo.data`` names it and a digest of the corpus).

Vocabulary: the sorted set of characters of the whole corpus (train and validation).

Model and loss: :class:`CharLM`, a GPT-style transformer, and :func:`lm_loss`, the mean
cross-entropy per predicted character in nats (``val_loss``); bits per character =
``val_loss / ln 2`` (``lrkit.tasks._charlm_model``).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
import sys
import sysconfig
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from lrkit.errors import LRKitError
from lrkit.tasks._base import Task, TaskInfo, register
from lrkit.tasks._charlm_model import CharLM, lm_loss
from lrkit.tasks._supervised import n_params

__all__ = [
    "TRAIN_FILES",
    "VAL_FILES",
    "CharCorpus",
    "CharLM",
    "CharLMTask",
    "WindowLoader",
    "load_corpus",
    "lm_loss",
]

#: Training modules of ``charlm`` (about 1 MB on Python 3.11).
TRAIN_FILES: tuple[str, ...] = tuple(sorted(
    "abc argparse ast base64 bisect calendar colorsys contextlib copy csv dataclasses difflib enum "
    "fnmatch fractions functools gettext ipaddress numbers operator optparse pprint queue random "
    "sched statistics string tokenize typing uuid warnings weakref".split()
))
#: Validation modules of ``charlm`` (about 56 KB on Python 3.11).
VAL_FILES: tuple[str, ...] = ("heapq", "shlex", "textwrap")

SMALL_TRAIN_FILES: tuple[str, ...] = ("abc", "bisect", "colorsys", "copy", "fnmatch")
SMALL_VAL_FILES: tuple[str, ...] = ("sched",)


@dataclasses.dataclass(frozen=True)
class CharCorpus:
    """Encoded train/validation text and its vocabulary.

    Example:
        >>> from lrkit import tasks
        >>> corpus = tasks.get_task("charlm").corpus
        >>> corpus.train.dtype, len(corpus.vocab), int(corpus.train.max()) < len(corpus.vocab)
        (torch.int64, 161, True)
    """

    train: torch.Tensor
    val: torch.Tensor
    vocab: str
    digest: str


@functools.lru_cache(maxsize=4)
def load_corpus(train_files: tuple[str, ...], val_files: tuple[str, ...]) -> CharCorpus:
    """Read and encode the stdlib modules (cached).

    Raises:
        LRKitError: if a listed module is missing from this Python's standard library.

    Example:
        >>> import bisect, inspect
        >>> corpus = load_corpus(("bisect",), ("heapq",))
        >>> text = "".join(corpus.vocab[i] for i in corpus.train.tolist())  # decoded back
        >>> text == inspect.getsource(bisect), load_corpus(("bisect",), ("heapq",)) is corpus
        (True, True)
    """
    root = Path(sysconfig.get_paths()["stdlib"])

    def read(names: tuple[str, ...]) -> str:
        parts = []
        for name in names:
            path = root / f"{name}.py"
            if not path.is_file():
                raise LRKitError(f"charlm needs the stdlib module {name}.py; not found under {root}.")
            parts.append(path.read_text(encoding="utf-8"))
        return "\n".join(parts)

    train_text, val_text = read(train_files), read(val_files)
    vocab = "".join(sorted(set(train_text) | set(val_text)))
    index = {c: i for i, c in enumerate(vocab)}

    def encode(text: str) -> torch.Tensor:
        return torch.tensor([index[c] for c in text], dtype=torch.int64)

    digest = hashlib.sha256((train_text + "\0" + val_text).encode()).hexdigest()[:12]
    return CharCorpus(encode(train_text), encode(val_text), vocab, digest)


class WindowLoader:
    """Batches of ``(x, y)`` windows of ``context`` characters, ``y`` shifted by one.

    Training (``shuffle=True``): ``len(self)`` batches per epoch at window starts drawn
    uniformly from a generator seeded with ``(seed, epoch)``; ``len`` is chosen so one
    epoch covers about as many characters as the text holds. Validation: consecutive
    non-overlapping windows from the start, the same every time.

    Args:
        tokens: the encoded text, a 1-D int64 tensor.
        context: window length (characters per input row).
        batch_size: windows per batch.
        shuffle: random windows (training) or consecutive ones (validation).
        seed: seed of the window offsets.
        max_windows: cap on the number of windows per epoch.

    Raises:
        LRKitError: if the text is shorter than one window plus its target.

    Example:
        >>> val = WindowLoader(torch.arange(10), context=3, batch_size=2, shuffle=False)
        >>> x, y = next(iter(val))
        >>> x.tolist(), y.tolist()
        ([[0, 1, 2], [3, 4, 5]], [[1, 2, 3], [4, 5, 6]])
    """

    def __init__(self, tokens: torch.Tensor, context: int, batch_size: int, *, shuffle: bool,
                 seed: int = 0, max_windows: int | None = None) -> None:
        if len(tokens) < context + 2:
            raise LRKitError(
                f"`tokens` of WindowLoader must hold more than {context + 1} characters; got {len(tokens)}."
            )
        self.tokens, self.context, self.batch_size = tokens, context, batch_size
        self.shuffle, self.seed, self.epoch = shuffle, int(seed), 0
        n_windows = (len(tokens) - 1) // context
        if max_windows is not None:
            n_windows = min(n_windows, max_windows)
        self.n_windows = n_windows
        self._offsets = torch.arange(context + 1)

    def __len__(self) -> int:
        if self.shuffle:
            return max(1, self.n_windows // self.batch_size)
        return math.ceil(self.n_windows / self.batch_size)

    def __iter__(self):
        if self.shuffle:
            gen = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
            n = len(self) * self.batch_size
            starts = torch.randint(0, len(self.tokens) - self.context, (n,), generator=gen)
        else:
            starts = torch.arange(self.n_windows) * self.context
        self.epoch += 1
        for b in range(len(self)):
            rows = self.tokens[starts[b * self.batch_size:(b + 1) * self.batch_size, None] + self._offsets]
            yield rows[:, :-1], rows[:, 1:]


class CharLMTask(Task):
    """A character-LM task; ``charlm`` and ``charlm-small`` differ only in their settings.

    Example:
        >>> from lrkit import tasks
        >>> task = tasks.get_task("charlm-small")
        >>> isinstance(task, tasks.CharLMTask), task.info.metric
        (True, 'val_loss')
    """

    def __init__(self, name: str, *, summary: str, train_files: tuple[str, ...], val_files: tuple[str, ...],
                 arch: dict[str, int], defaults: dict[str, Any], val_windows: int) -> None:
        self.name, self.summary = name, summary
        self.train_files, self.val_files = train_files, val_files
        self.arch, self._defaults, self.val_windows = dict(arch), dict(defaults), val_windows

    @property
    def corpus(self) -> CharCorpus:
        """The encoded corpus (read on first use)."""
        return load_corpus(self.train_files, self.val_files)

    def _model(self) -> CharLM:
        return CharLM(len(self.corpus.vocab), **self.arch)

    def _make_info(self) -> TaskInfo:
        c, d = self.corpus, self._defaults
        train_loader = WindowLoader(c.train, self.arch["context"], d["batch_size"], shuffle=True)
        py = f"{sys.version_info.major}.{sys.version_info.minor}"
        return TaskInfo(
            name=self.name,
            summary=self.summary,
            data=(
                f"{len(self.train_files)} stdlib modules ({len(c.train):,} chars) / {len(self.val_files)} "
                f"for validation ({len(c.val):,} chars), vocab {len(c.vocab)}, Python {py}, sha256 {c.digest}"
            ),
            n_params=n_params(self._model()),
            default_optimizer=d["default_optimizer"],
            default_lr=float(d["default_lr"]),
            budget=int(d["budget"]),
            batch_size=int(d["batch_size"]),
            metric="val_loss",
            higher_is_better=False,
            cost=d.get("cost"),
            steps_per_epoch=len(train_loader),
        )

    def _build(self, seed: int) -> tuple[nn.Module, Any, WindowLoader, WindowLoader]:
        c, ctx = self.corpus, self.arch["context"]
        model = self._model()
        train_loader = WindowLoader(c.train, ctx, self.info.batch_size, shuffle=True, seed=seed)
        val_loader = WindowLoader(c.val, ctx, 64, shuffle=False, max_windows=self.val_windows)
        return model, lm_loss, train_loader, val_loader

    @torch.no_grad()
    def evaluate(self, model: nn.Module, val_loader: Any) -> dict[str, float]:
        """``{"val_loss"}``: mean cross-entropy per validation character, in nats."""
        was = model.training
        model.eval()
        try:
            total, n = 0.0, 0
            for x, y in val_loader:
                out = model(x)
                logits = out.reshape(-1, out.shape[-1])
                total += float(F.cross_entropy(logits, y.reshape(-1), reduction="sum"))
                n += y.numel()
        finally:
            model.train(was)
        return {"val_loss": total / n}

    def worst(self) -> dict[str, float]:
        """An infinite validation loss."""
        return {"val_loss": math.inf}


register(CharLMTask(
    "charlm",
    summary="char transformer LM (2 layers, d_model 128, 4 heads, context 128) on stdlib source",
    train_files=TRAIN_FILES, val_files=VAL_FILES,
    arch=dict(d_model=128, n_layer=2, n_head=4, context=128),
    defaults=dict(default_optimizer="adamw", default_lr=1e-3, budget=1000, batch_size=32, cost=155.0),
    val_windows=256,
))

register(CharLMTask(
    "charlm-small",
    summary="tiny char transformer (1 layer, d_model 32, 2 heads, context 32) for tests",
    train_files=SMALL_TRAIN_FILES, val_files=SMALL_VAL_FILES,
    arch=dict(d_model=32, n_layer=1, n_head=2, context=32),
    defaults=dict(default_optimizer="adamw", default_lr=5e-3, budget=40, batch_size=16, cost=0.2),
    val_windows=64,
))
