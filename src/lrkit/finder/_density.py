"""A clear reading moved to the calibrated sweep density: a sparser sweep reads its descent at higher rates.

A range test makes one update per rate, so by the time a geometric sweep with :math:`k` rates per
decade reaches the rate :math:`\\eta` the model has moved by the sum of the rates so far,

.. math::  \\sum_{j \\le i} \\eta_j \\approx \\eta\\,\\frac{k}{\\ln 10},

which grows with :math:`k`: a denser sweep has made more progress by the same rate, and the loss
falls through half depth at a lower rate (about :math:`1/k`; on the zoo the falling crossing moved
-0.9 to -1.1 times :math:`\\log_{10}` of the density ratio from 50 to 200 steps). The rules were
calibrated on sweeps of :math:`k_0` = ``CALIBRATED_DENSITY`` rates per decade (``Sweep``'s defaults),
so a first sweep's clear reading (a valley read by its half-depth crossings from a drop of at least
``weak_rule_sigmas`` noise SDs) is moved to that density:

.. math::  \\eta^* = \\eta\\,\\bigl(\\operatorname{clip}(k / k_0,\\ 1/m,\\ m)\\bigr)^{\\beta}

with :math:`\\beta` = ``FinderPolicy.progress_exponent`` and :math:`m` =
``FinderPolicy.progress_max_ratio``, the densities the zoo measured (beyond them the factor is held
at its value there). A weak, rough or guessed reading is left alone (it reads the minimum or the
blow-up, not the descent), and so is a second pass (its own density, calibrated as it is). A sweep
at the calibrated density is not moved at all. The evidence: ``docs/evidence.md#finder-the-sweeps-density``.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from lrkit.finder._policy import FinderPolicy
from lrkit.finder._result import FinderResult
from lrkit.finder._sweep import Sweep
from lrkit.finder._valley import VALLEY_RULES, valley_geometry

__all__ = ["CALIBRATED_DENSITY", "density_factor", "at_calibrated_density", "progress_factor",
           "recorded_density"]

#: Rates per decade of every sweep the rules were calibrated on (``Sweep``'s defaults: 100 steps over 8
#: decades).
CALIBRATED_DENSITY = (Sweep().num_steps - 1) / math.log10(Sweep().end / Sweep().start)
#: Densities this close (decades of their ratio) are the same: float rounding of another spelling of the
#: default range (Lightning's 1e-8 .. 1 with 100 steps is 12.4 per decade too), not a tuned number.
_SAME = 1e-9


def recorded_density(settings: dict) -> float | None:
    """Rates per decade of a geometric sweep from its recorded ``start``, ``end`` and ``num_steps``
    (``(num_steps - 1) / log10(end / start)``); ``None`` when one is not recorded, or for fewer than two
    rates or a range that does not rise.

    Example:
        >>> round(recorded_density({"start": 1e-7, "end": 10.0, "num_steps": 100}), 4), recorded_density({})
        (12.375, None)
    """
    if not all(key in settings for key in ("start", "end", "num_steps")):
        return None
    steps, decades = int(settings["num_steps"]), math.log10(float(settings["end"]) / float(settings["start"]))
    return (steps - 1) / decades if steps >= 2 and decades > 0 else None


def density_factor(result: FinderResult, policy: FinderPolicy = FinderPolicy()) -> float:
    """The factor a sweep's clear reading is moved by (1.0 where it is not moved).

    1.0 for a sweep that is not geometric, whose range is not recorded (``meta`` ``start``, ``end``,
    ``num_steps``), that has no suggestion, whose rule is not a valley rule (``VALLEY_RULES``) or whose
    drop is under ``policy.weak_rule_sigmas`` noise SDs; else ``clip(k / k0, 1/m, m) ** beta``.

    Example:
        >>> from lrkit.finder import Sweep, range_test, synthetic
        >>> step = synthetic.quadratic(lipschitz=4.0).step
        >>> [round(density_factor(range_test(step, sweep=Sweep(num_steps=n), interval=False)), 3)
        ...  for n in (50, 100, 200)]
        [0.495, 1.0, 2.01]
    """
    meta = result.meta or {}
    density = recorded_density(meta)
    if result.suggestion is None or result.rule not in VALLEY_RULES or meta.get("mode", "exp") != "exp" or (
            density is None):
        return 1.0
    if abs(math.log10(density / CALIBRATED_DENSITY)) < _SAME or policy.progress_exponent == 0:
        return 1.0
    return progress_factor(density, result.lrs, result.losses, policy)


def progress_factor(density: float, lrs: np.ndarray, losses: np.ndarray,
                    policy: FinderPolicy = FinderPolicy(), exponent: float | None = None) -> float:
    """The factor a clear valley reading of a geometric sweep of ``density`` rates per decade is moved by:
    ``clip(density / k0, 1/m, m) ** exponent`` (``exponent`` ``None``: ``policy.progress_exponent``), 1.0
    where the valley of ``lrs``, ``losses`` is no clear one (no valley, or a drop under
    ``policy.weak_rule_sigmas`` noise SDs: its reading is the minimum's, not the descent's).

    Example:
        >>> lrs = np.geomspace(1e-4, 1.0, 100)
        >>> noise = 0.01 * np.random.default_rng(0).standard_normal(100)
        >>> losses = 1.0 / (1.0 + 300 * lrs) + 2.0 * (lrs > 0.3) * lrs + noise
        >>> round(progress_factor(24.75, lrs, losses), 3), progress_factor(24.75, lrs, noise)
        (2.0, 1.0)
    """
    beta = policy.progress_exponent if exponent is None else exponent
    if beta == 0:
        return 1.0
    valley = valley_geometry(np.asarray(lrs, dtype=float), np.asarray(losses, dtype=float), policy=policy)
    if isinstance(valley, str) or valley.signal < policy.weak_rule_sigmas:
        return 1.0
    m = policy.progress_max_ratio
    return float(min(max(density / CALIBRATED_DENSITY, 1.0 / m), m) ** beta)


def at_calibrated_density(result: FinderResult, policy: FinderPolicy = FinderPolicy()) -> FinderResult:
    """``result`` with its suggestion and interval moved by :func:`density_factor` (itself when 1.0), the
    reason saying so.

    Example:
        >>> from lrkit.finder import Sweep, range_test, synthetic
        >>> step = synthetic.quadratic(lipschitz=4.0).step
        >>> r = range_test(step, sweep=Sweep(num_steps=200), interval=False)
        >>> moved = at_calibrated_density(r)
        >>> round(moved.suggestion / r.suggestion, 3), "rates per decade" in moved.reason
        (2.01, True)
    """
    factor = density_factor(result, policy)
    if factor == 1.0:
        return result
    lr = float(result.suggestion) * factor
    interval = None if result.interval is None else (result.interval[0] * factor, result.interval[1] * factor)
    meta = dict(result.meta)
    if meta.get("interval_batch"):
        meta["interval_batch"] = [v * factor for v in meta["interval_batch"]]
    if meta.get("raised_from"):  # the reading before the descent floor's raise, moved alike
        meta["raised_from"] = meta["raised_from"] * factor
    meta["index"] = int(np.argmin(np.abs(np.log10(np.asarray(result.lrs, dtype=float)) - math.log10(lr))))
    meta["density_factor"] = factor
    density = recorded_density(meta)
    reason = (f"{result.reason}; then times {factor:.3g} for the sweep's density ({density:.3g} rates per "
              f"decade, calibrated at {CALIBRATED_DENSITY:.3g}): a {'sparser' if factor < 1 else 'denser'} "
              f"sweep has made {'less' if factor < 1 else 'more'} progress by the same rate, so it reads its "
              f"descent {'higher' if factor < 1 else 'lower'}")
    return dataclasses.replace(result, suggestion=lr, interval=interval, reason=reason, meta=meta)
