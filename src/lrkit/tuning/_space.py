"""The search space: what a trial samples (:class:`SearchSpace`), and where its rate range comes from.

A trial samples a peak rate :math:`\\eta` log-uniformly in ``[lo, hi]``, a schedule
family, that family's own shape parameters, and optionally the optimizer
(``_to_schedule.schedule_from_params`` turns the sample into a schedule).

A user space is a small dict (or the same thing in a YAML file, read by
``_space_file.load_space``): each key is a range ``[low, high]``, a fixed number, or
(for ``schedules`` / ``optimizers``) a list of names.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

# The names a task's ``train`` builds (lrkit.tasks.make_optimizer): a trial may sample each one.
from lrkit._optimizer_names import OPTIMIZERS
from lrkit.errors import LRKitError, check_instance, check_positive, unknown_name
from lrkit.schedules import lookup
from lrkit.tuning._policy import TunePolicy

__all__ = [
    "SearchSpace",
    "TUNABLE_SCHEDULES",
    "OPTIMIZERS",
    "WIDE_LR_RANGE",
    "lr_range_from_finder",
]

#: Schedule families the tuner knows how to parameterise from a sample.
TUNABLE_SCHEDULES = ("constant", "cosine", "warmup_cosine", "one_cycle", "wsd")
#: The fallback rate range when no finder result is available (``TunePolicy.wide_lr_range``).
WIDE_LR_RANGE = TunePolicy().wide_lr_range

_RANGE_KEYS = ("lr", "warmup_fraction", "final_ratio", "decay_fraction")
_KEYS = (*_RANGE_KEYS, "schedules", "optimizers")
_LOG_KEYS = ("lr", "final_ratio")
_USES = {  # which shape parameters each family samples
    "constant": (),
    "cosine": ("final_ratio",),
    "warmup_cosine": ("warmup_fraction", "final_ratio"),
    "one_cycle": ("warmup_fraction",),
    "wsd": ("warmup_fraction", "decay_fraction", "final_ratio"),
}
_BOUNDS = {  # allowed values of each range key: (low, high, low_open)
    "lr": (0.0, math.inf, True),
    "warmup_fraction": (0.0, 0.5, False),
    "final_ratio": (0.0, 1.0, True),
    "decay_fraction": (0.0, 0.5, True),
}

Range = tuple[float, float]


def _check_range(key: str, value: Any) -> Range:
    """A ``[low, high]`` pair (or one number, meaning fixed) inside the key's bounds."""
    owner = "the search space"
    lo_b, hi_b, lo_open = _BOUNDS[key]
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise LRKitError(f"`{key}` of {owner} must be a number or a [low, high] pair; "
                             f"got {list(value)!r}.")
        low, high = value
    else:
        low = high = value
    low, high = _number(low), _number(high)
    for v in (low, high):
        v = check_positive(key, v, owner, allow_zero=True)
        if v > hi_b or v < lo_b or (lo_open and v == lo_b):
            lb = "(" if lo_open else "["
            raise LRKitError(f"`{key}` of {owner} must lie in {lb}{lo_b:g}, {hi_b:g}]; got {value!r}.")
    if float(low) > float(high):
        raise LRKitError(f"`{key}` of {owner} must have low <= high; got {list(value)!r}.")
    return float(low), float(high)


def _number(v: Any) -> Any:
    """YAML 1.1 reads ``1e-3`` (no dot) as a string: accept numeric strings."""
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return v
    return v


def _check_names(key: str, value: Any, valid: tuple[str, ...], kind: str) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, (list, tuple)) or not names:
        raise LRKitError(f"`{key}` of the search space must be a non-empty list of names; got {value!r}.")
    for name in names:
        if name not in valid:
            raise unknown_name(kind, name, valid)
    if len(set(names)) != len(names):
        raise LRKitError(f"`{key}` of the search space must not repeat a name; got {list(names)!r}.")
    return tuple(names)


@dataclasses.dataclass(frozen=True)
class SearchSpace:
    """What one trial samples. Ranges are ``(low, high)``; equal ends mean fixed.

    Attributes:
        lr: bounds of the log-uniform peak rate.
        schedules: the families to choose from (see :data:`TUNABLE_SCHEDULES`);
            default: all of them.
        warmup_fraction: warmup length as a fraction of the budget (uniform);
            ``pct_start`` for ``one_cycle``.
        final_ratio: final rate / peak rate (log-uniform) for cosine,
            warmup_cosine and wsd.
        decay_fraction: the cool-down length of ``wsd`` as a fraction of the budget.
        optimizers: optimizer names to sample, or ``None`` to keep the task's own.
        lr_source: where the rate bounds came from: ``"finder"``, ``"fallback"``
            (:data:`WIDE_LR_RANGE`, no finder) or ``"user"``.

    Example:
        >>> s = SearchSpace.from_dict({"lr": [1e-3, 1e-1], "schedules": ["cosine"]})
        >>> s.lr, s.schedules
        ((0.001, 0.1), ('cosine',))
        >>> SearchSpace.from_dict(s.to_dict()) == s
        True
    """

    lr: Range = WIDE_LR_RANGE
    schedules: tuple[str, ...] | None = None
    warmup_fraction: Range = (0.02, 0.3)
    final_ratio: Range = (1e-3, 0.3)
    decay_fraction: Range = (0.1, 0.4)
    optimizers: tuple[str, ...] | None = None
    lr_source: str = "user"

    def __post_init__(self) -> None:
        for key in _RANGE_KEYS:
            object.__setattr__(self, key, _check_range(key, getattr(self, key)))
        if self.schedules is None:  # every tunable family the registry holds
            from lrkit.schedules import registry

            object.__setattr__(self, "schedules", tuple(n for n in TUNABLE_SCHEDULES if n in registry))
        names = _check_names("schedules", self.schedules, TUNABLE_SCHEDULES, "schedule")
        for name in names:
            lookup(name)  # a tunable family must also be registered
        object.__setattr__(self, "schedules", names)
        if self.optimizers is not None:
            opts = _check_names("optimizers", self.optimizers, OPTIMIZERS, "optimizer")
            object.__setattr__(self, "optimizers", opts)
        if self.lr_source not in ("finder", "fallback", "user"):
            raise LRKitError(f"`lr_source` of the search space must be 'finder', 'fallback' or 'user'; "
                             f"got {self.lr_source!r}.")
        if self.warmup_fraction[1] + self.decay_fraction[1] >= 1.0 and "wsd" in self.schedules:
            raise LRKitError("`warmup_fraction` + `decay_fraction` of the search space must stay below 1 "
                             f"for wsd; got highs {self.warmup_fraction[1]} + {self.decay_fraction[1]}.")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], **defaults: Any) -> SearchSpace:
        """Build from the dict form; unknown keys list the valid ones.

        ``defaults`` fill keys the dict leaves out (e.g. a finder-derived ``lr``).
        """
        if not isinstance(data, Mapping):
            raise LRKitError(f"`space` must be a mapping of {', '.join(_KEYS)}; got {type(data).__name__}.")
        for key in data:
            if key not in _KEYS:
                raise unknown_name("search-space key", str(key), _KEYS)
        kwargs = {**defaults, **dict(data)}
        # a space that does not name its rate range searches the fallback (or the given default)
        kwargs["lr_source"] = "user" if "lr" in data else kwargs.get("lr_source", "fallback")
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """The dict form (plus ``lr_source``); :meth:`from_dict` reads it back."""
        out: dict[str, Any] = {k: list(getattr(self, k)) for k in _RANGE_KEYS}
        out["schedules"] = list(self.schedules)
        if self.optimizers is not None:
            out["optimizers"] = list(self.optimizers)
        return out

    def sampled(self, key: str) -> bool:
        """Whether ``key`` is an Optuna parameter of a trial: a range with two ends, or a choice
        of more than one (``"schedule"``, ``"optimizer"``); a fixed entry is not sampled.

        Example:
            >>> s = SearchSpace(lr=(0.01, 0.01), schedules=("cosine", "wsd"))
            >>> s.sampled("lr"), s.sampled("schedule"), s.sampled("optimizer")
            (False, True, False)
        """
        if key in ("schedule", "optimizer"):
            choices = self.schedules if key == "schedule" else self.optimizers
            return choices is not None and len(choices) > 1
        low, high = getattr(self, key)
        return low != high

    def suggest(self, trial: Any) -> dict[str, Any]:
        """Sample one point with an Optuna ``trial`` (define-by-run, conditional).

        Returns:
            The sampled parameters, e.g. ``{"lr": 0.03, "schedule": "cosine",
            "final_ratio": 0.01}``. Fixed entries are included without sampling.
        """
        params: dict[str, Any] = {"lr": self._float(trial, "lr")}
        family = trial.suggest_categorical("schedule", list(self.schedules)) if self.sampled(
            "schedule") else self.schedules[0]
        params["schedule"] = family
        for key in _USES[family]:
            params[key] = self._float(trial, key)
        if self.optimizers is not None:
            sampled = self.sampled("optimizer")
            params["optimizer"] = (trial.suggest_categorical("optimizer", list(self.optimizers)) if sampled
                                   else self.optimizers[0])
        return params

    def _float(self, trial: Any, key: str) -> float:
        low, high = getattr(self, key)
        if not self.sampled(key):
            return low
        return float(trial.suggest_float(key, low, high, log=key in _LOG_KEYS))


def lr_range_from_finder(suggestion: float, *, policy: TunePolicy = TunePolicy()) -> Range:
    """Log-uniform bounds for the rate around the finder's suggestion.

    .. math::  [lo, hi] = [s \\cdot 10^{-b},\\; s \\cdot 10^{a}]

    a decade above the suggestion ``s`` and a decade and a half below it (``policy.lr_above``
    ``a = 1``, ``policy.lr_below`` ``b = 1.5``: the evidence is in
    ``docs/evidence.md#tune-the-rate-range``). The finder's interval does not set the bounds:
    it measures the suggestion's own noise (a tenth to a third of a decade), not where the
    optimum of a full run lies.

    Args:
        suggestion: the finder's suggested rate ``s`` (> 0).
        policy: the tuned numbers (:class:`~lrkit.tuning.TunePolicy`).

    Returns:
        ``(low, high)`` with ``low < suggestion < high``.

    Raises:
        LRKitError: for a non-positive suggestion.

    Example:
        >>> lo, hi = lr_range_from_finder(0.1); round(lo, 6), round(hi, 6)
        (0.003162, 1.0)
        >>> lr_range_from_finder(0.1, policy=TunePolicy(lr_below=1, lr_above=1))
        (0.01, 1.0)
    """
    s = check_positive("suggestion", suggestion, "the finder result")
    check_instance("policy", policy, "lr_range_from_finder", TunePolicy)
    return s / 10**policy.lr_below, s * 10**policy.lr_above
