"""Character language models on stdlib text: ``benchmarks/dev/seq_dev.py``'s three model families.

Windows come from :class:`lrkit.tasks.WindowLoader` (random windows per epoch, seeded by the run's
seed; validation: the first consecutive windows of the validation modules). The metric is the mean
validation cross-entropy per predicted character, in nats (``val_loss``); the NPLM predicts only
the character after its window, and is trained and scored on that one.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from lrkit.tasks import CharCorpus, CharLM, WindowLoader, lm_loss, load_corpus
from lrkit.zoo._workload import Workload

__all__ = ["CharLMWorkload", "next_char_loss"]

#: Validation windows scored (the first ones of the validation text).
VAL_WINDOWS = 128


def next_char_loss(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of ``(B, V)`` logits against the last character of ``(B, T)`` targets.

    Example:
        >>> round(float(next_char_loss(torch.zeros(2, 4), torch.zeros(2, 3, dtype=torch.long))), 4)  # ln 4
        1.3863
    """
    return F.cross_entropy(output, target[:, -1])


class CharLMWorkload(Workload):
    """A character LM on ``train_files`` (validation on ``val_files``) with context ``context``.

    Args:
        arch: ``"gru"`` (:class:`~lrkit.zoo.GRULM`), ``"transformer"`` (:class:`lrkit.tasks.CharLM`,
            2 layers, width 48, 4 heads) or ``"nplm"`` (:class:`~lrkit.zoo.NPLM`).
        **kwargs: the :class:`~lrkit.zoo.Workload` arguments (metric ``val_loss``).

    Example:
        >>> from lrkit import zoo
        >>> w = zoo.get("charlm-gru-adam")
        >>> type(w).__name__, w.info.metric, w.info.family
        ('CharLMWorkload', 'val_loss', 'charlm')
    """

    def __init__(self, name: str, *, arch: str, train_files: tuple[str, ...], val_files: tuple[str, ...],
                 context: int, **kwargs: Any) -> None:
        super().__init__(name, metric="val_loss", loss="lm_cross_entropy", **kwargs)
        self.arch, self.train_files, self.val_files, self.context = arch, train_files, val_files, context

    @functools.cached_property
    def corpus(self) -> CharCorpus:
        """The encoded text (read on first use)."""
        return load_corpus(self.train_files, self.val_files)

    def _model(self) -> nn.Module:
        from lrkit.zoo._models import GRULM, NPLM

        vocab = len(self.corpus.vocab)
        if self.arch == "gru":
            return GRULM(vocab)
        if self.arch == "nplm":
            return NPLM(vocab, self.context)
        return CharLM(vocab, d_model=48, n_layer=2, n_head=4, context=self.context)

    @property
    def _loss(self) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
        return next_char_loss if self.arch == "nplm" else lm_loss

    def _steps_per_epoch(self) -> int:
        return len(WindowLoader(self.corpus.train, self.context, self.batch_size, shuffle=True))

    def _build(self, seed: int) -> tuple[nn.Module, Any, WindowLoader, WindowLoader]:
        model = self._model()
        train = WindowLoader(self.corpus.train, self.context, self.batch_size, shuffle=True, seed=seed)
        val = WindowLoader(self.corpus.val, self.context, 64, shuffle=False, max_windows=VAL_WINDOWS)
        return model, self._loss, train, val

    @torch.no_grad()
    def evaluate(self, model: nn.Module, val_loader: Any) -> dict[str, float]:
        """``{"val_loss"}``: mean cross-entropy per scored character (nats)."""
        was = model.training
        model.eval()
        total, n = 0.0, 0
        try:
            for x, y in val_loader:
                out = model(x)
                rows = 1 if self.arch == "nplm" else y.shape[1]
                total += float(self._loss(out, y)) * len(y) * rows
                n += len(y) * rows
        finally:
            model.train(was)
        return {"val_loss": total / n if n else math.nan}
