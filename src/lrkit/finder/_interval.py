"""How sure is a suggestion: a wild bootstrap over one sweep, and pooling repeated sweeps.

One range test gives one noisy curve. Re-running the sweep with other batches
is the honest measure of its uncertainty but costs a sweep each time; the
bootstrap below re-uses the one sweep's own noise instead. Repeats, when the
caller has them, are pooled by :func:`combine` and resampled too.
"""

from __future__ import annotations

import math

import numpy as np

from lrkit.errors import LRKitError, check_instance, check_int
from lrkit.finder._batch import half_depth_rows, smooth_rows
from lrkit.finder._valley import VALLEY_RULES
from lrkit.finder._policy import FinderPolicy
from lrkit.finder._rules import suggest
from lrkit.finder._smooth import _check_curve
from lrkit.finder._stop import divergence_index

__all__ = ["bootstrap_interval", "seed_widened", "interval_covers"]

_SIGNS = np.array((-1.0, 1.0))


def bootstrap_interval(
    lrs: object,
    losses: object,
    *,
    rule: str = "default",
    seed: int = 0,
    repeats: np.ndarray | None = None,
    policy: FinderPolicy = FinderPolicy(),
) -> tuple[float, float] | None:
    """Interval for a rule's suggestion from a wild bootstrap of the sweep's own noise.

    The curve (finite, before divergence) is split into a pilot smooth
    :math:`\\tilde y` with half the rule's window (``policy.pilot_ratio``) and residuals
    :math:`r_i = (y_i - \\tilde y_i) / \\sqrt{1 - H_{ii}}` (:math:`H_{ii}` the
    pilot's leverage: residuals about a fit are smaller than the noise). Each
    replicate builds :math:`y^*_i = \\tilde y_i + v_i r_i` with Rademacher signs
    :math:`v_i = \\pm 1`, re-applies the rule (which smooths at its own window)
    and keeps :math:`x^* = \\log_{10}\\eta^*`. The interval is the central
    ``policy.level`` percentile range of the :math:`x^*`, widened if needed to contain
    the suggestion. The pilot is narrower because a smoother's bias grows as
    the square of its window: around a 4x less biased pilot, each replicate
    goes through the rule's smoothing once, as the real sweep did, so the
    spread of the replicates is the spread of the suggestion (its coverage:
    ``docs/evidence.md#finder-interval``).

    Why a *wild* bootstrap: batch noise grows along a sweep (large rates make
    noisy steps), and flipping each residual's sign in place keeps every point's
    own noise level, where resampling residuals across the curve would not. Why
    not repeated sweeps: each costs as much as the test itself; when the caller
    has them anyway (``repeats``), each replicate first draws whole sweeps with
    replacement, averages them, and then flips the residuals of that average, so
    the interval carries both batch-to-batch and sweep-to-sweep variation.

    Args:
        lrs: the sweep's rates.
        losses: the (mean) losses.
        rule: the rule to bootstrap.
        seed: seeds the signs (the interval is reproducible).
        repeats: optional ``(r, n)`` array of repeated sweeps' losses on the
            same rates (``losses`` is then their mean).
        policy: the tuned numbers: ``replicates``, ``level``, ``pilot_ratio``,
            ``max_leverage``, ``min_answered``, and the rule's own.

    Returns:
        ``(lo, hi)`` with ``lo <= suggestion <= hi``, or ``None`` when the rule
        gives no suggestion on the original curve.

    Example:
        >>> import numpy as np
        >>> from lrkit.finder import synthetic
        >>> lrs = np.logspace(-6, 0, 80)
        >>> losses = synthetic.curve(lrs, noise=0.03)
        >>> lo, hi = bootstrap_interval(lrs, losses, policy=FinderPolicy(replicates=50))
        >>> bool(lo <= suggest(lrs, losses).lr <= hi), round(float(np.log10(hi / lo)), 2)
        (True, 0.04)
    """
    check_instance("policy", policy, "bootstrap_interval", FinderPolicy)
    replicates = policy.replicates
    point = suggest(lrs, losses, rule, policy=policy)
    if point.lr is None:
        return None
    x, y = _check_curve(lrs, losses, "bootstrap_interval")
    finite = np.flatnonzero(~np.isfinite(y))
    n = int(finite[0]) if finite.size else y.size
    lr = 10.0 ** x[:n]
    rng = np.random.default_rng(check_int("seed", seed, "bootstrap_interval", low=0))
    sweeps = None
    if repeats is not None:
        sweeps = np.asarray(repeats, dtype=np.float64)
        if sweeps.ndim != 2 or sweeps.shape[1] < n:
            raise LRKitError(
                f"`repeats` of bootstrap_interval must be an (r, >= {n}) array; got shape {sweeps.shape}."
            )
        sweeps = sweeps[:, :n]
    stars = _replicates(lr, y[:n], sweeps, rng, policy)
    if rule in VALLEY_RULES:
        found = half_depth_rows(lr, stars, rule, policy=policy)
    else:
        found = [suggest(lr, star, rule, policy=policy).lr for star in stars]
    draws = [np.log10(v) for v in found if v is not None]
    # Replicates that yield no suggestion are dropped; if most of them do, the
    # curve is too ambiguous for a percentile interval to mean anything.
    if len(draws) < int(replicates * policy.min_answered):
        return None
    tail = 50.0 * (1.0 - policy.level)
    lo, hi = np.percentile(draws, [tail, 100.0 - tail])
    p = float(point.lr)
    return (min(float(10.0**lo), p), max(float(10.0**hi), p))


def _replicates(
    lr: np.ndarray, y: np.ndarray, sweeps: np.ndarray | None, rng: np.random.Generator, policy: FinderPolicy,
) -> np.ndarray:
    """The ``(replicates, n)`` resampled curves: pilot fit plus sign-flipped, leverage-corrected residuals.

    Only the curve before divergence is resampled: past it the smooth cannot
    follow the blow-up, and flipping those huge residuals would fabricate a
    deep minimum where the loss is exploding. The random draws are made in the
    order of one replicate after another, so a seed gives the same curves as
    resampling them one by one; the pilot fits, which need no draws, are then
    computed for all replicates with the same cut together.
    """
    n = y.size
    pilot = policy.pilot_ratio * policy.smooth_window
    # A cut at 0 (no curve before divergence) resamples the whole sweep, as it always has.
    own_cut = divergence_index(y, policy=policy) or n
    bases, cuts, signs = [], [], []
    for _ in range(policy.replicates):
        if sweeps is None:
            base = y
        else:
            base = sweeps[rng.integers(0, sweeps.shape[0], sweeps.shape[0])].mean(axis=0)
            if not np.all(np.isfinite(base)):
                base = y
        m = own_cut if base is y else (divergence_index(base, policy=policy) or n)
        bases.append(base)
        cuts.append(m)
        # rng.choice((-1.0, 1.0), size=m), the same draws, without choice's per-call overhead.
        signs.append(_SIGNS[rng.integers(0, 2, size=m)])
    stars = np.array(bases, dtype=np.float64)
    x = np.log10(lr)
    cut = np.array(cuts)
    for m in np.unique(cut).tolist():
        rows = np.flatnonzero(cut == m)
        if sweeps is None:  # one curve: one pilot fit serves every replicate
            fit, lev = (v[:1] for v in smooth_rows(x[:m], stars[rows[:1], :m], window=pilot, policy=policy))
        else:
            fit, lev = smooth_rows(x[:m], stars[rows, :m], window=pilot, policy=policy)
        resid = (stars[rows, :m] - fit) / np.sqrt(1.0 - np.clip(lev, 0.0, policy.max_leverage))
        stars[rows, :m] = fit + np.array([signs[i] for i in rows.tolist()]) * resid
    return stars


def seed_widened(interval: tuple[float, float] | None, suggestion: float | None,
                 spread: float) -> tuple[float, float] | None:
    """The interval widened for another seed: ``spread`` decades added in quadrature to each side.

    One sweep's bootstrap sees its own batch noise; a rerun with another initialisation and
    another batch order moves the whole curve too. With :math:`x = \\log_{10}\\eta^*` and the
    bootstrap's half-widths :math:`w_-, w_+` (decades), the interval becomes

    .. math::  \\bigl[x - \\sqrt{w_-^2 + s^2},\\; x + \\sqrt{w_+^2 + s^2}\\bigr]

    (independent sources of spread add in variance); :math:`s` is ``FinderPolicy.seed_spread``,
    calibrated on the zoo so that the interval holds a rerun's suggestion at its nominal level on
    average over workload families (not on each: :func:`interval_covers` says so).

    Example:
        >>> lo, hi = seed_widened((0.009, 0.011), 0.01, 0.3)
        >>> round(lo, 5), round(hi, 5)
        (0.00497, 0.02008)
        >>> seed_widened((0.009, 0.011), 0.01, 0.0)
        (0.009, 0.011)
    """
    if interval is None or suggestion is None or spread == 0:
        return interval
    x = math.log10(suggestion)
    down = math.hypot(x - math.log10(interval[0]), spread)
    up = math.hypot(math.log10(interval[1]) - x, spread)
    return (10.0 ** (x - down), 10.0 ** (x + up))


def interval_covers(policy: FinderPolicy) -> str:
    """What ``FinderResult.interval`` covers under ``policy``, in words (``meta["interval_covers"]``).

    Example:
        >>> interval_covers(FinderPolicy(seed_spread=0.0)).split(":")[0]
        "this sweep's batch noise only (nominal 90%)"
    """
    if policy.seed_spread > 0:
        return (f"a rerun's suggestion, with other batches and another initialisation (nominal "
                f"{policy.level:.0%} on average over the zoo's workload families, calibrated on their "
                "seed-to-seed spread; not on every family: on some it holds fewer reruns)")
    return (f"this sweep's batch noise only (nominal {policy.level:.0%}): not a rerun with other batches or "
            "another initialisation")
