"""How sure a verdict is, and what it would be otherwise: the calibrated confidence and the runner-up.

**Raw score.** The deciding evidence's strength (:func:`~lrkit.diagnostics._record.strength`: 0.5 at
its threshold, 0.8 at twice it); for ``healthy``, one minus the strength of the nearest
alternative; for a verdict the guard made ``uncertain``, the strength of the verdict it replaced.

**Calibration.** A raw score is a margin, not a probability: a blow-up twice past its threshold
is nearly always right, a slow descent twice past its own is right far less often. The
confidence is the raw score mapped through ``DiagnosePolicy.calibration``: for each verdict, steps
``(upper edge of the raw score, share of runs given that verdict at that margin that were right)``,
fitted by isotonic regression (``benchmarks/diagnose_zoo.py``), then lowered to a one-sided lower
bound of the share right on a workload family the fit never saw, so a confidence of 0.8 or more is
earned by a step that is right at least that often on a new family. A verdict the calibration has no
steps for (no labelled run measured it: ``uncertain``, ``loss_spikes``) keeps its raw score, but no
more than ``DiagnosePolicy.unmeasured_max``: it has not earned the confidence a measured verdict
must; with no calibration at all (``calibration=()``) the confidence is the raw score.

**Runner-up.** The verdict the guard replaced; for a run where nothing moved, ``too_low_slow``;
else the next verdict whose test fired; else the verdict whose test came closest to firing. (A
``healthy`` run that has not begun to level off names ``too_low_slow``, as its words do:
:func:`~lrkit.diagnostics._advice.not_levelled`.)
"""

from __future__ import annotations

from lrkit.diagnostics._policy import DiagnosePolicy
from lrkit.diagnostics._record import Evidence

__all__ = ["raw_score", "calibrated", "runner_up"]


def raw_score(verdict: str, key: str | None, ev: dict[str, Evidence],
              order: tuple[tuple[str, str], ...]) -> float:
    """The margin of the decision, in ``[0, 1]`` (see the module docstring)."""
    if key is not None:
        return float(ev[key].strength)
    alternatives = [ev[k].strength for v, k in order if v != "uncertain"]
    return 1.0 - max(alternatives, default=0.0)


def calibrated(verdict: str, raw: float, policy: DiagnosePolicy) -> float:
    """``raw`` through the verdict's calibration steps; a verdict without steps keeps ``raw``, at most
    ``policy.unmeasured_max`` when there is a calibration (see the module docstring).

    Example:
        >>> p = DiagnosePolicy(calibration=(("healthy", ((0.7, 0.55), (1.0, 0.9))),))
        >>> calibrated("healthy", 0.6, p), calibrated("healthy", 0.95, p), calibrated("plateau", 0.6, p)
        (0.55, 0.9, 0.6)
        >>> calibrated("loss_spikes", 0.95, p), calibrated("loss_spikes", 0.95, p.replace(calibration=()))
        (0.75, 0.95)
    """
    for name, steps in policy.calibration:
        if name == verdict:
            return next((prob for edge, prob in steps if raw <= edge), steps[-1][1])
    return min(raw, policy.unmeasured_max) if policy.calibration else raw


def runner_up(verdict: str, key: str | None, replaced: str | None, fired: tuple[str, ...],
              ev: dict[str, Evidence], order: tuple[tuple[str, str], ...]) -> str | None:
    """The next most likely verdict (see the module docstring).

    Example:
        >>> ev = {"a": Evidence("x", 1.0, 1.0, False, 0.4, (0,), ""),
        ...       "b": Evidence("y", 1.0, 1.0, False, 0.1, (0,), "")}
        >>> runner_up("healthy", None, None, (), ev, (("plateau", "a"), ("too_low_slow", "b")))
        'plateau'
    """
    if replaced is not None:
        return replaced
    if key == "still":  # nothing moved: most often a rate far too low (the guard keeps that verdict out)
        return "too_low_slow"
    others = [v for v in fired if v not in (verdict, "uncertain")]
    if others:
        return others[0]
    quiet = [(ev[k].strength, v) for v, k in order if v not in (verdict, "uncertain") and not ev[k].fired]
    best = max(quiet, default=(0.0, None))
    return best[1] if best[0] > 0 else None
