"""The structured defaults of ``DiagnosePolicy`` and the checks of its structured fields.

:data:`CALIBRATION` is the default confidence map (fitted by ``benchmarks/diagnose_zoo.py``, which
prints it); :func:`check_calibration`, :func:`check_span` and :func:`check_unit` reject a bad value of
the fields that are not a plain number (``calibration``, ``early_window``, ``advice_floor``) with a
:class:`~lrkit.LRKitError` naming the field, the value and what is allowed.
"""

from __future__ import annotations

from lrkit.errors import LRKitError, check_range

__all__ = ["CALIBRATION", "check_calibration", "check_span", "check_unit"]

#: The default confidence map: per verdict, ``(upper edge of the raw score, confidence)`` steps,
#: isotonic in the raw score, each lowered to a one-sided lower bound of the share right on a workload
#: family the fit never saw (the lower of the Wilson bound of the step's runs and a prediction bound over
#: families), at the level chosen by leave-one-family-out so that verdicts given 0.8 or more are right 95%
#: of the time on the family left out (z = 1.645 on all twelve zoo families; ``benchmarks/diagnose_zoo.py``
#: prints it). It is a floor, not a point estimate: held out, every band of confidence was right at least
#: as often as it claimed (docs/evidence.md#diagnose-confidence-on-a-new-family). ``uncertain`` and
#: ``loss_spikes`` (no zoo run has that label) keep their raw score up to ``unmeasured_max``.
CALIBRATION = (
    ("healthy", ((1.0, 0.6),)),
    ("nan", ((1.0, 0.951),)),
    ("plateau", ((0.8531, 0.0), (0.9932, 0.346), (0.9999, 0.417), (1.0, 0.689))),
    ("too_high_diverging", ((0.5231, 0.0), (0.6982, 0.048), (0.9002, 0.246), (1.0, 0.547))),
    ("too_high_oscillating", ((0.9293, 0.0), (1.0, 0.526))),
    ("too_low_slow", ((0.5895, 0.0), (0.8166, 0.562), (0.8419, 0.607), (1.0, 0.747))),
)


def check_calibration(name: str, value: object, owner: str) -> tuple:
    """``((verdict, ((edge, probability), ...)), ...)``: edges increasing to 1, probabilities in [0, 1].

    Example:
        >>> check_calibration("calibration", [("healthy", [(1, 0.6)])], "DiagnosePolicy")
        (('healthy', ((1.0, 0.6),)),)
    """
    try:
        out = tuple((str(v), tuple((float(e), float(q)) for e, q in steps))
                    for v, steps in value)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        out = None
    ok = out is not None and all(
        st and st[-1][0] >= 1.0 and all(0 <= q <= 1 for _, q in st)
        and all(a[0] < b[0] for a, b in zip(st, st[1:])) for _, st in out)
    if not ok:
        raise LRKitError(f"`{name}` of {owner} must be ((verdict, ((edge, probability), ...)), ...) with "
                         f"increasing edges up to 1 and probabilities in [0, 1]; got {value!r}.")
    return out  # type: ignore[return-value]


def check_span(name: str, value: object, owner: str) -> tuple[float, float]:
    """A ``(lo, hi)`` pair with ``0 <= lo < hi <= 1``.

    Example:
        >>> check_span("early_window", [0.1, 0.2], "DiagnosePolicy")
        (0.1, 0.2)
    """
    ok = isinstance(value, (tuple, list)) and len(value) == 2
    lo, hi = (float(v) for v in value) if ok else (0.0, 0.0)  # type: ignore[union-attr]
    if not ok or not 0.0 <= lo < hi <= 1.0:
        raise LRKitError(f"`{name}` of {owner} must be a (lo, hi) pair with 0 <= lo < hi <= 1; "
                         f"got {value!r}.")
    return lo, hi


def check_unit(name: str, value: object, owner: str) -> float:
    """A number in ``[0, 1]``.

    Example:
        >>> check_unit("advice_floor", 0.05, "DiagnosePolicy")
        0.05
    """
    return check_range(name, value, owner, 0.0, 1.0)
