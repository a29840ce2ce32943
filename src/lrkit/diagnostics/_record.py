"""The result records of :func:`lrkit.diagnose`: :class:`Diagnosis` and :class:`Evidence`."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from lrkit._json import json_safe

__all__ = ["VERDICTS", "DIRECTIONS", "AT_THRESHOLD", "Diagnosis", "Evidence", "strength"]

#: Every verdict :func:`lrkit.diagnose` can return. ``uncertain``: the history cannot tell (the
#: recommendation says why, and what would tell).
VERDICTS: tuple[str, ...] = (
    "nan",
    "loss_spikes",
    "too_high_diverging",
    "too_high_oscillating",
    "too_low_slow",
    "plateau",
    "healthy",
    "uncertain",
)

#: What each verdict's advice does to the rate: ``lower`` it, ``raise`` it, ``decay`` it, ``keep``
#: it, ``clip`` the gradients (spikes), or ``none`` (uncertain: no change is advised blind).
DIRECTIONS: dict[str, str] = {
    "nan": "lower", "too_high_diverging": "lower", "too_high_oscillating": "lower", "loss_spikes": "clip",
    "too_low_slow": "raise", "plateau": "decay", "healthy": "keep", "uncertain": "none",
}

#: The :func:`strength` of a statistic exactly at its threshold (by the map's definition, not tuned):
#: a test "at or past its threshold" has at least this strength, fired or not.
AT_THRESHOLD = 0.5


def strength(value: float, threshold: float, *, above: bool = True) -> float:
    """How far a statistic is past its threshold, mapped to ``[0, 1]``.

    ``s = 1 / (1 + (threshold / value)^2)`` for "fires when above" (``s = 0.5``
    exactly at the threshold, ``0.8`` at twice it, ``0.2`` at half), and the
    mirror image for "fires when below". The statistics here are ratios, so the
    ratio to the threshold, not the difference, is the natural margin.

    Example:
        >>> strength(8.0, 4.0), strength(4.0, 4.0), strength(1.0, 2.0, above=False)
        (0.8, 0.5, 0.8)
    """
    if math.isnan(value):
        return 0.0
    if not above:
        value, threshold = threshold, value
    if value <= 0:
        return 0.0
    if math.isinf(value) or threshold <= 0:
        return 1.0
    return round(1.0 / (1.0 + (threshold / value) ** 2), 6)


@dataclass(frozen=True)
class Evidence:
    """One statistic that supports (or was checked for) a verdict.

    Attributes:
        statistic: the statistic's name, as documented in ``docs/watch.md``.
        value: its value on this history.
        threshold: the value at which it fires.
        fired: whether it crossed the threshold.
        strength: ``[0, 1]`` margin past the threshold (:func:`strength`).
        steps: the steps it concerns (a span ``[first, last]`` or the listed steps).
        detail: one sentence in plain words.
        test: the test that read it, unique within a diagnosis (``rise`` and ``drift`` both read the
            statistic ``rise``; the names of ``lrkit.diagnostics._decide.ORDER``, ``nan`` for a non-finite
            loss; ``""`` in a record saved before tests were named).

    Example:
        >>> import numpy as np
        >>> from lrkit import diagnose
        >>> e = diagnose(np.exp(0.02 * np.arange(300))).evidence[0]  # the deciding statistic
        >>> e.test, e.statistic, e.fired, e.threshold, e.steps
        ('peak', 'peak_excess', True, 1.0, (0, 299))
    """

    statistic: str
    value: float
    threshold: float
    fired: bool
    strength: float
    steps: tuple[int, ...]
    detail: str
    test: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (non-finite numbers become ``None``: lrkit's one JSON convention)."""
        return json_safe(
            {
                "test": self.test,
                "statistic": self.statistic,
                "value": float(self.value),
                "threshold": float(self.threshold),
                "fired": bool(self.fired),
                "strength": float(self.strength),
                "steps": [int(s) for s in self.steps],
                "detail": self.detail,
            }
        )


@dataclass(frozen=True)
class Diagnosis:
    """What :func:`lrkit.diagnose` concluded about a loss history.

    Attributes:
        verdict: one of :data:`VERDICTS`.
        confidence: ``[0, 1]``, calibrated: the share of held-out runs given this verdict at this
            margin for which it was right (``DiagnosePolicy.calibration``).
        evidence: the deciding statistic first, then the others that were checked.
        recommendation: a concrete next action ("divide the rate by about 3").
        statistics: every computed statistic by name (for plots and debugging).
        n_steps: number of losses given (a rate range test at the head of the history, which the
            tests leave out, included: ``statistics["probe_rows"]`` of them).
        fired: every verdict whose test fired, in test order (the first is ``verdict``, unless the
            verdict is ``uncertain`` because the first was below ``DiagnosePolicy.advice_floor``; empty
            for ``healthy``), e.g. ``("loss_spikes", "plateau")``.
        runner_up: the next most likely verdict (the next test that fired, else the one whose
            test came closest to firing), or ``None``.
        direction: what the advice does to the rate (:data:`DIRECTIONS`): never ``raise`` for a
            run that ended at or above its start, rose above its start by more than its whole
            descent, or blew up.

    Example:
        >>> from lrkit import diagnose
        >>> d = diagnose([1.0, 0.5, float("nan")])
        >>> d.verdict, d.to_dict()["verdict"]
        ('nan', 'nan')
    """

    verdict: str
    confidence: float
    evidence: tuple[Evidence, ...]
    recommendation: str
    statistics: dict[str, float] = field(default_factory=dict)
    n_steps: int = 0
    fired: tuple[str, ...] = ()
    runner_up: str | None = None

    @property
    def direction(self) -> str:
        """What the advice does to the rate: ``DIRECTIONS[verdict]``, except ``"none"`` for a ``nan`` at the
        history's first loss (``statistics["first_loss_non_finite"]``): at step 0 no rate made it."""
        return "none" if self.statistics.get("first_loss_non_finite") else DIRECTIONS[self.verdict]

    def to_dict(self) -> dict[str, Any]:
        """Plain data with a top-level ``verdict``, ``evidence`` and ``recommendation`` (non-finite numbers
        become ``None``, as in every lrkit record: strict JSON)."""
        return json_safe(
            {
                "verdict": self.verdict,
                "confidence": float(self.confidence),
                "runner_up": self.runner_up,
                "direction": self.direction,
                "recommendation": self.recommendation,
                "evidence": [e.to_dict() for e in self.evidence],
                "statistics": {k: float(v) for k, v in self.statistics.items()},
                "n_steps": int(self.n_steps),
                "fired": list(self.fired),
            }
        )

    def to_json(self, **kwargs: Any) -> str:
        """Strict JSON text of :meth:`to_dict` (keyword arguments go to ``json.dumps``)."""
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Diagnosis:
        """Rebuild a diagnosis from :meth:`to_dict` output (``None`` is read as NaN; the ``"inf"`` strings of
        states saved before the one convention still read as infinity)."""

        def num(v: Any) -> float:
            return math.nan if v is None else float(v)

        evidence = tuple(
            Evidence(
                statistic=e["statistic"],
                value=num(e["value"]),
                threshold=num(e["threshold"]),
                fired=bool(e["fired"]),
                strength=float(e["strength"]),
                steps=tuple(int(s) for s in e["steps"]),
                detail=e["detail"],
                test=e.get("test", ""),
            )
            for e in data["evidence"]
        )
        stats = {k: num(v) for k, v in data.get("statistics", {}).items()}
        return cls(data["verdict"], float(data["confidence"]), evidence, data["recommendation"], stats,
                   int(data.get("n_steps", 0)), tuple(data.get("fired", ())), data.get("runner_up"))

    def report(self, path: Any = None, **kwargs: Any) -> Any:
        """The HTML report (:func:`lrkit.plotting.diagnosis_report`); written to ``path`` when given.

        Pass the history (``losses=``, and ``steps=``, ``lrs=``) for its figure.
        """
        from lrkit.plotting import diagnosis_report

        return diagnosis_report(self, path, **kwargs)

    def __str__(self) -> str:
        runner = f"; runner-up: {self.runner_up}" if self.runner_up else ""
        lines = [
            f"verdict: {self.verdict} (confidence {self.confidence:.2f}{runner})",
            f"recommendation: {self.recommendation}",
        ]
        lines += [f"  - {e.detail}" for e in self.evidence if e.fired] or [f"  - {self.evidence[0].detail}"]
        return "\n".join(lines)
