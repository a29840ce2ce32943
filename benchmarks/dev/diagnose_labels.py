"""Outcome labels for ``diagnose``'s zoo corpus: which advice would have helped each run.

A run of the zoo's ground truth (``dev.zoo_grid``: a workload, a rate, a seed, constant or scheduled)
is labelled from what happened to it, never from its setting alone ("3x the good rate" ends well on
many workloads). Two things decide: the **outcome**, i.e. where its rate sits relative to the
workload's grid-best rate ``r*`` and how far its final validation metric is behind the grid-best
mean, and **what the curve did** (the training loss, with every point, which ``diagnose`` sees too).

Notation. ``G``: the run's regret in percent of the gap (``dev.zoo_grid.regret(unit="gap")``: the
share of the grid-best rate's improvement over the untrained model that this run failed to make; a
diverged run, or one whose metric ended worse than the untrained model's, scores 100). ``y``: the
training loss per update, ``n`` its length; ``y0 = y[0]`` the untrained model's first loss;
``y_end`` the median of the last 10%; ``y_min`` the lowest level of a running median of width
``n/20``; ``y_hi`` the highest level of a running median of 5 points (a single bad batch is no rise).
``ref_end``: ``y_end`` of the grid-best rate's run with the same seed.

Facts of the curve (no threshold is fitted: each says what its name says):

* *blew up*: ``y_end >= y0`` (ended at or above where it started), or ``y_end - y_min >
  RISE_SHARE (y0 - y_min)`` (lost more than half of the progress it had made), or ``y_hi - y0 >
  y0 - y_min`` (rose above its start by more than its whole descent);
* *stuck higher*: ``y_end - ref_end > LOWER_SHARE (y0 - ref_end)``: it ended higher than the grid-best
  rate's run of the same seed, by more than 5% of that run's descent (it could not get as low);
* *stalled*: the last half of the run brought less than ``STALL_TRAIN`` of the training loss's total
  drop (median over 45-55% of the run minus ``y_end``, over ``y0 - y_end``) and less than
  ``STALL_VAL`` points of gap of validation metric (best of the evaluations from the middle on,
  over the one at the middle), at an undecayed rate (its mean over the last 30% at least half its peak).

The rules, first match wins:

========================== =================================================================== ======
label                      rule                                                                advice
========================== =================================================================== ======
``nan``                    a loss is NaN or infinite                                            restore,
                                                                                               lower
``healthy``                ``G <= HEALTHY_GAP``, not stalled                                    keep
``plateau``                ``G <= HEALTHY_GAP``, stalled                                        decay /
                                                                                               stop
``too_high_diverging``     ``G >= BAD_GAP``, rate above ``r*``, blew up                         lower
``too_high_oscillating``   ``G >= BAD_GAP``, rate above ``r*``, did not blow up, stuck higher    lower
``too_low_slow``           ``G >= BAD_GAP``, rate below ``r*``, ended below its start,          raise
                           stuck higher
========================== =================================================================== ======

Every other run is **unlabelled**, with its reason, and left out of the accuracy figures (it is still
scored for the safety counts: no "raise the rate" on a run whose rate was above ``r*``):

* ``borderline``: ``HEALTHY_GAP < G < BAD_GAP``: neither near the best nor clearly worse;
* ``ended above start``: a near-best metric although the training loss ended at or above ``y0``;
* ``no progress at a low rate``: rate below ``r*``, bad outcome, loss ended at or above ``y0``
  (a far-too-low rate and a network that died at once look alike: nothing moved);
* ``low loss, bad metric``: rate above (or below) ``r*``, bad outcome, yet the training loss got as
  low as the grid-best rate's (a rate too high for validation, fine for training: a history of
  training losses cannot show it);
* ``best rate, bad seed``: the grid-best rate itself ended clearly worse than its mean.

Why these numbers (set before any detector ran on the corpus, from the seed-to-seed spread of the grid
and the meaning of each word; never tuned afterwards): ``HEALTHY_GAP = 10``: the runs at the
grid-best rate itself spread over about +-5 points of gap between seeds (``benchmarks/diagnose_zoo.py
--counts`` prints the spread); ``BAD_GAP = 15``: clearly worse than that spread, a rate a user
would want changed; the band between is left out rather than decided by a coin. ``RISE_SHARE = 0.5``
and ``LOWER_SHARE = 0.05`` are "more than half of the progress" and "a twentieth of the descent";
``STALL_TRAIN = 0.05`` and ``STALL_VAL = 2`` say the second half bought almost nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["LABELS", "Label", "label_run", "curve_facts"]

#: The labels, in the order of the rules (``loss_spikes`` is not among them: no zoo run has bad batches).
LABELS = ("nan", "healthy", "plateau", "too_high_diverging", "too_high_oscillating", "too_low_slow")
#: Regret (percent of the gap) up to which a run counts as ending near the best.
HEALTHY_GAP = 10.0
#: Regret (percent of the gap) from which a run counts as clearly worse than the best.
BAD_GAP = 15.0
#: "Lost more than this share of the progress it had made": blew up.
RISE_SHARE = 0.5
#: "Ended higher than the grid-best rate's run by more than this share of that run's descent": stuck higher.
LOWER_SHARE = 0.05
#: "The last half brought less than this share of the total drop of the training loss": stalled ...
STALL_TRAIN = 0.05
#: ... "and less than this many points of gap of validation metric".
STALL_VAL = 2.0
#: A rate counts as decayed when its mean over the last 30% is below this share of its peak.
DECAYED = 0.5


@dataclass(frozen=True)
class Label:
    """A run's label (``None`` when unlabelled), the rule or reason, and the quantities it used."""

    label: str | None
    reason: str
    facts: dict[str, float]


def _median_filter(y: np.ndarray, width: int) -> np.ndarray:
    width = max(1, width) | 1
    half = width // 2
    padded = np.concatenate([np.full(half, np.nan), y, np.full(half, np.nan)])
    return np.nanmedian(np.lib.stride_tricks.sliding_window_view(padded, width), axis=1)


def curve_facts(loss: np.ndarray, lr: np.ndarray, eval_step: np.ndarray, eval_metric: np.ndarray,
                higher_is_better: bool, gap: float, ref_end: float) -> dict[str, float]:
    """The quantities of the module docstring for one finite history (plain floats)."""
    y = np.asarray(loss, dtype=np.float64)
    n = y.size
    y0 = float(y[0])
    y_end = float(np.median(y[-max(3, n // 10):]))
    y_min = float(_median_filter(y, max(5, n // 20)).min())
    y_hi = float(_median_filter(y, 5).max())
    half = float(np.median(y[int(0.45 * n): max(int(0.55 * n), int(0.45 * n) + 3)]))
    m = np.asarray(eval_metric, dtype=np.float64) * (1.0 if higher_is_better else -1.0)
    i_half = int(np.argmin(np.abs(np.asarray(eval_step) - n / 2)))
    val_gain = float((np.nanmax(m[i_half:]) - m[i_half]) / gap * 100.0) if m.size else math.nan
    rates = np.asarray(lr, dtype=np.float64)
    decayed = float(np.mean(rates[int(0.7 * n):])) < DECAYED * float(np.max(rates))
    drop = y0 - y_end
    return {
        "y0": y0, "y_end": y_end, "y_min": y_min, "y_hi": y_hi, "ref_end": float(ref_end),
        "ended_above_start": float(y_end >= y0),
        "blew_up": float(y_end >= y0 or y_end - y_min > RISE_SHARE * (y0 - y_min) or y_hi - y0 > y0 - y_min),
        "stuck_higher": float(y_end - ref_end > LOWER_SHARE * (y0 - ref_end)),
        "second_half_share": (half - y_end) / drop if drop > 0 else math.inf,
        "second_half_val_gain": val_gain,
        "decayed": float(decayed),
    }


def label_run(*, loss: np.ndarray, lr: np.ndarray, eval_step: np.ndarray, eval_metric: np.ndarray,
              higher_is_better: bool, gap: float, regret: float, rate: float, best_rate: float,
              ref_end: float) -> Label:
    """Label one run by the rules of the module docstring.

    Args:
        loss, lr: the training loss and the rate per update.
        eval_step, eval_metric: the validation evaluations (update number, metric).
        higher_is_better: the metric's direction.
        gap: ``|grid-best mean - untrained|`` of the workload's metric.
        regret: the run's regret in percent of that gap.
        rate: the run's (peak) rate; ``best_rate``: the grid-best constant rate.
        ref_end: ``y_end`` of the grid-best rate's run with the same seed.

    Example:
        >>> t = np.arange(400.0)
        >>> loss = 2.0 / np.sqrt(1 + t)
        >>> args = dict(lr=np.full(400, 0.1), eval_step=np.array([200, 400]), higher_is_better=True, gap=0.5)
        >>> label_run(loss=loss, eval_metric=np.array([0.6, 0.8]), regret=2.0, rate=0.1, best_rate=0.1,
        ...           ref_end=float(loss[-40:].mean()), **args).label
        'healthy'
        >>> label_run(loss=loss * 0 + 2.0, eval_metric=np.array([0.2, 0.2]), regret=90.0, rate=1e-5,
        ...           best_rate=0.1, ref_end=0.1, **args).reason
        'no progress at a low rate'
    """
    y = np.asarray(loss, dtype=np.float64)
    if not np.all(np.isfinite(y)):
        return Label("nan", "a loss is NaN or infinite", {"regret": regret})
    f = curve_facts(y, lr, eval_step, eval_metric, higher_is_better, gap, ref_end)
    f.update(regret=float(regret), decades_from_best=math.log10(rate / best_rate))
    stalled = (f["second_half_share"] < STALL_TRAIN and f["second_half_val_gain"] < STALL_VAL
               and not f["decayed"])
    f["stalled"] = float(stalled)
    if regret <= HEALTHY_GAP:
        if f["ended_above_start"]:
            return Label(None, "ended above start", f)
        return Label("plateau", "near-best metric, stalled", f) if stalled else \
            Label("healthy", "near-best metric", f)
    if regret < BAD_GAP:
        return Label(None, "borderline", f)
    if math.isclose(rate, best_rate, rel_tol=1e-3):
        return Label(None, "best rate, bad seed", f)
    if rate > best_rate:
        if f["blew_up"]:
            return Label("too_high_diverging", "rate above best, bad metric, blew up", f)
        if f["stuck_higher"]:
            return Label("too_high_oscillating", "rate above best, bad metric, stuck higher", f)
        return Label(None, "low loss, bad metric", f)
    if f["ended_above_start"]:
        return Label(None, "no progress at a low rate", f)
    if f["stuck_higher"]:
        return Label("too_low_slow", "rate below best, bad metric, stuck higher", f)
    return Label(None, "low loss, bad metric", f)
