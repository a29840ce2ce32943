"""The resume bookkeeping of :class:`~lrkit.lightning.LearningRateFinder`: the suggestions a checkpoint
keeps, the sweeps a resumed fit does not make again, and the one line it says instead, on global rank
zero only (why a resume is not a new start: the finder's module docstring, ``_finder.py``).
"""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["ResumeBookkeeping", "BEFORE_FIT", "OWNER"]

_LOG = logging.getLogger("lrkit.lightning")
OWNER = "LearningRateFinder"
#: The key of the sweep before fit in ``results`` and ``suggestions`` (the others are epochs).
BEFORE_FIT = -1


class ResumeBookkeeping:
    """Mixed into ``LearningRateFinder``: the suggestions a checkpoint keeps and the resume's lines.

    The class it is mixed into sets ``suggestions``, ``applied`` (the rate it last set on the module and
    the optimizer, None before any), ``update_attr``, ``_restored`` (the sweeps made
    before the checkpoint resumed from), ``_resumed_from`` (that checkpoint, until ``on_train_start``
    has said so) and defines ``_set_module_rate(trainer, module, lr)`` (the attribute from the reference
    group's rate ``lr``) and ``_group_0_rate(trainer)`` (group 0's rate, the units rates are quoted in).
    """

    suggestions: dict[int, float | None]
    applied: float | None
    update_attr: bool
    _restored: frozenset[int]
    _resumed_from: Any

    def _set_module_rate(self, trainer: Any, module: Any, lr: float) -> None:  # pragma: no cover - its own
        raise NotImplementedError

    def _group_0_rate(self, trainer: Any) -> float:  # pragma: no cover - the class defines it
        raise NotImplementedError

    def on_train_start(self, trainer: Any, module: Any) -> None:
        if self._resumed_from is None:
            return
        ckpt, self._resumed_from = self._resumed_from, None
        rate = self._group_0_rate(trainer)
        # The rate the checkpointed run set last, not its before-fit suggestion: a guess or a kept "low"
        # reading was never applied, and a sweep at a later epoch may have moved the rate since.
        applied = self.applied if self._restored else None  # restored from this checkpoint, not a past fit
        if applied is not None and self.update_attr:
            self._set_module_rate(trainer, module, float(applied))
        if not self.at_fit_start:  # no sweep before fit was asked for: nothing to say
            return
        if BEFORE_FIT not in self._restored:
            _say(trainer, "%s: fit resumes from %s, which holds no sweep before fit of this callback; none "
                 "is made (the checkpoint's rate runs, lr=%.3g); call lr_find(trainer, module) to sweep the "
                 "restored model.", OWNER, ckpt, rate)
            return
        left = "" if applied is not None else "; it applied no suggestion: the module's rate is as built"
        _say(trainer, "%s: fit resumes from %s; the sweep before fit (suggestion %s) is not repeated and the "
             "checkpoint's rate runs (lr=%.3g)%s.", OWNER, ckpt, _rate(self.suggestions[BEFORE_FIT]), rate,
             left)

    def _made_before_resume(self, trainer: Any, epoch: int) -> bool:
        """Whether the sweep at ``epoch`` was made before the mid-epoch checkpoint this fit resumed from
        (Lightning < 2.5 calls ``on_train_epoch_start`` again): then it is said, not repeated."""
        if epoch not in self._restored:
            return False
        self._restored -= {epoch}
        _say(trainer, "%s: the sweep at epoch %d (suggestion %s) was made before the checkpoint this fit "
             "resumed from; it is not repeated.", OWNER, epoch, _rate(self.suggestions[epoch]))
        return True

    def state_dict(self) -> dict[str, Any]:
        """What a checkpoint keeps: ``{"suggestions": {epoch: rate or None}, "applied": rate or None}``
        (plain data)."""
        return {"suggestions": dict(self.suggestions), "applied": self.applied}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`: the sweeps it lists are not made again in this fit. A checkpoint
        written before ``applied`` was kept gives the before-fit suggestion, the rate those versions put
        back on a resume."""
        self.suggestions = dict(state_dict["suggestions"])
        self.applied = state_dict.get("applied", self.suggestions.get(BEFORE_FIT))
        self._restored = frozenset(self.suggestions)


def _say(trainer: Any, message: str, *args: Any) -> None:
    """Log on global rank zero only, as Lightning's ``rank_zero_info``: under DDP every rank resumes."""
    if trainer.is_global_zero:
        _LOG.info(message, *args)


def _rate(lr: float | None) -> str:
    return "none" if lr is None else f"{lr:.3g}"
