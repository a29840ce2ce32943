"""``FinderResult``: the record of one range test, plain data with JSON round trip and a plot."""

from __future__ import annotations

import dataclasses
import json
import math
from os import PathLike
from typing import Any

import numpy as np

from lrkit._json import json_safe
from lrkit.errors import LRKitError

__all__ = ["FinderResult", "GUESS_SOURCE", "STOP_REASONS"]

STOP_REASONS = ("completed", "diverged", "nan", "callback")
#: ``meta["source"]`` of an answer read off the blow-up alone: "a guess, not a measurement", which a caller
#: that applies a rate or centres a search on it must not take for a measured suggestion.
GUESS_SOURCE = "blow-up fallback"


def _array(values: Any) -> np.ndarray:
    a = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    a.setflags(write=False)
    return a


def _plain(value: float) -> float | None:
    # JSON has no NaN/Infinity: a non-finite loss (the one that stopped the sweep) becomes null.
    return float(value) if math.isfinite(value) else None


@dataclasses.dataclass(frozen=True, eq=False)
class FinderResult:
    """The outcome of a learning-rate range test.

    Attributes:
        lrs: the rate of each step taken (read-only float array).
        losses: the raw loss of each step, never smoothed or dropped; the last
            one is NaN/inf when ``stop_reason == "nan"``.
        smoothed: the lag-free smoothed curve the rules look at (NaN past
            divergence and at non-finite losses).
        stop_reason: ``"completed"``, ``"diverged"``, ``"nan"`` or ``"callback"``.
        suggestion: the suggested rate of ``rule``, or ``None``.
        interval: ``(lo, hi)`` around the suggestion, or ``None``; what it covers is named in
            ``meta["interval_covers"]`` (and ``to_dict()["interval_covers"]``), the bootstrap's own
            batch-noise interval is ``meta["interval_batch"]``.
        rule: the rule that produced ``suggestion``.
        reason: how the suggestion was found, or why there is none.
        steps: the number of steps (optimizer updates) taken.
        wall_time: seconds spent in the sweep (step function included).
        suggestions: every registered rule's suggestion on the same sweep.
        meta: settings and extras (start, end, num_steps, mode, window, ...).

    Example:
        >>> r = FinderResult(lrs=[1e-3, 1e-2], losses=[1.0, float("nan")], smoothed=[1.0, None],
        ...                  stop_reason="nan", suggestion=None, interval=None, rule="default",
        ...                  reason="too few points", steps=2, wall_time=0.0)
        >>> FinderResult.from_dict(r.to_dict()).to_dict() == r.to_dict()
        True
        >>> r.to_dict()["losses"]
        [1.0, None]
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    stop_reason: str
    suggestion: float | None
    interval: tuple[float, float] | None
    rule: str
    reason: str
    steps: int
    wall_time: float
    suggestions: dict[str, float | None] = dataclasses.field(default_factory=dict)
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("lrs", "losses", "smoothed"):
            object.__setattr__(self, name, _array(getattr(self, name)))
        if not (self.lrs.shape == self.losses.shape == self.smoothed.shape):
            raise LRKitError(
                "`lrs`, `losses` and `smoothed` of FinderResult must have the same length; "
                f"got {self.lrs.size}, {self.losses.size}, {self.smoothed.size}."
            )
        if self.stop_reason not in STOP_REASONS:
            raise LRKitError(
                f"`stop_reason` of FinderResult must be one of {', '.join(STOP_REASONS)}; "
                f"got {self.stop_reason!r}."
            )
        if self.interval is not None:
            object.__setattr__(self, "interval", (float(self.interval[0]), float(self.interval[1])))
        if self.suggestion is not None:
            object.__setattr__(self, "suggestion", float(self.suggestion))

    @property
    def is_guess(self) -> bool:
        """Whether the suggestion is the blow-up fallback's guess, not a measured reading.

        A sweep that saw no descent can still see where the loss blew up; the finder then names a rate
        a safe factor below it (``meta["source"] == GUESS_SOURCE``). That number says where training
        surely fails, not where it goes well, so whoever *applies* a suggestion (the Lightning and
        Hugging Face adapters, ``tune``'s search range) leaves the user's rate alone on a guess.

        Example:
            >>> r = FinderResult(lrs=[1e-3], losses=[1.0], smoothed=[1.0], stop_reason="diverged",
            ...                  suggestion=1e-4, interval=None, rule="default", reason="a guess",
            ...                  steps=1, wall_time=0.0, meta={"source": GUESS_SOURCE})
            >>> r.is_guess
            True
        """
        return self.meta.get("source") == GUESS_SOURCE

    @property
    def group_0_factor(self) -> float:
        """Group 0's configured rate over the rate group's (``meta["group_scales"][0]``): a suggestion is
        the rate group's rate (``meta["rate_group"]``), and ``suggestion * group_0_factor`` is the rate to
        write where group 0 is built from it (``LRScheduler``'s spec, ``lrkit train``, tune's trial
        ``lr``), the others keeping their ratios to group 0. 1.0 with one group, no recorded scales, or
        group 0 frozen at ``lr=0`` (no ratio to keep).

        Example:
            >>> r = FinderResult(lrs=[1e-3], losses=[1.0], smoothed=[1.0], stop_reason="completed",
            ...                  suggestion=1e-3, interval=None, rule="valley", reason="r", steps=1,
            ...                  wall_time=0.0, meta={"rate_group": 1, "group_scales": [100.0, 1.0]})
            >>> r.group_0_factor
            100.0
        """
        scales = self.meta.get("group_scales") or [1.0]
        return float(scales[0]) if scales[0] > 0 else 1.0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (non-finite numbers become ``None``); :meth:`from_dict` inverts it."""
        return {
            "suggestion": self.suggestion,
            "interval": list(self.interval) if self.interval is not None else None,
            "interval_covers": self.meta.get("interval_covers"),
            "rule": self.rule,
            "reason": self.reason,
            "stop_reason": self.stop_reason,
            "steps": int(self.steps),
            "wall_time": float(self.wall_time),
            "suggestions": json_safe(dict(self.suggestions)),
            "lrs": [_plain(v) for v in self.lrs],
            "losses": [_plain(v) for v in self.losses],
            "smoothed": [_plain(v) for v in self.smoothed],
            # meta holds the sweep's extras, e.g. ``train_losses`` with the NaN of a bad batch.
            "meta": json_safe(dict(self.meta)),
        }

    def to_json(self, **kwargs: Any) -> str:
        """``json.dumps(self.to_dict())`` (strict JSON: no NaN)."""
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FinderResult:
        """Rebuild a result from :meth:`to_dict` output (or its JSON, parsed)."""
        try:
            fields = {f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data}
            interval = fields.get("interval")
            fields["interval"] = tuple(interval) if interval is not None else None
            return cls(**fields)
        except (KeyError, TypeError) as exc:
            message = f"`data` of FinderResult.from_dict must come from to_dict(); got {exc!r}."
            raise LRKitError(message) from None

    def plot(self, path: Any = None, *, ax: Any = None) -> Any:
        """Draw the sweep (see :func:`lrkit.plotting.plot_finder`); return the figure.

        Args:
            path: write the figure there too (``.png``, ``.svg`` or ``.pdf``). For backward
                compatibility a matplotlib ``Axes`` here is taken as ``ax``.
            ax: axes to draw on (one panel); a new two-panel figure when ``None``.

        Raises:
            LRKitError: for a path with another extension, one that cannot be written, or an
                argument that is neither a path nor axes.
        """
        from lrkit.plotting._finder import plot_finder, save_figure

        if path is not None and hasattr(path, "figure") and hasattr(path, "plot"):
            path, ax = None, path  # plot(ax): the old positional form
        if path is not None and not isinstance(path, (str, PathLike)):
            raise LRKitError("`path` of FinderResult.plot must be a file path (.png, .svg, .pdf); "
                             f"got {path!r}.")
        fig = plot_finder(self, ax=ax)
        if path is not None:
            save_figure(fig, path)
        return fig

    def report(self, path: Any = None, **kwargs: Any) -> Any:
        """The HTML report (:func:`lrkit.plotting.finder_report`); written to ``path`` when given.

        Keyword arguments (``budget``, ``task``, ``title``) go to ``finder_report``.
        """
        from lrkit.plotting import finder_report

        return finder_report(self, path, **kwargs)

    def __repr__(self) -> str:
        sug = "None" if self.suggestion is None else f"{self.suggestion:.3g}"
        return (
            f"FinderResult(suggestion={sug}, interval={self.interval}, rule={self.rule!r}, "
            f"stop_reason={self.stop_reason!r}, steps={self.steps})"
        )
