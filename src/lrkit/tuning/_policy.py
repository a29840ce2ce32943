"""``TunePolicy``: every tuned default of ``tune``, with its reason and its evidence.

How ``tune`` centres the rate range on the range test's suggestion, when the pruner first
decides and how many random trials start TPE: the numbers are the fields below, passed as
``tune(policy=...)``. The range test it runs takes the nested :class:`lrkit.finder.FinderPolicy`.
(The first trial's schedule by budget is the finder's next step, ``lrkit.finder._next_step``:
one rule for both.)
"""

from __future__ import annotations

from lrkit._policy import (Policy, at_least, fraction, integer, nested, policy_record, positive, rate_band,
                           tuned)
from lrkit.finder import FinderPolicy

__all__ = ["TunePolicy"]

_E = "docs/evidence.md#"
_RANGE = _E + "tune-the-rate-range"
_PRUNE = _E + "tune-pruning-and-sampling"
_ZOO = _E + "tune-the-rate-range-on-the-zoo"


@policy_record
class TunePolicy(Policy):
    """The tuned defaults of :func:`lrkit.tuning.tune`: the rate range, the first trial, pruning, TPE.

    Example:
        >>> p = TunePolicy()
        >>> p.lr_below, p.lr_above, round(p.first_rung, 3), p.reports
        (1.5, 1.0, 0.333, 10)
    """

    # -- the rate range (lr_range_from_finder) ---------------------------------------------------
    lr_below: float = tuned(
        1.5, "the range reaches this many decades below the finder's suggestion (it met the band within 1% "
        "of the grid's best in 80 of 80 development cases and 110 of 111 zoo cases; no range chosen without "
        "a zoo family covers more of it)", _ZOO, positive)
    lr_above: float = tuned(
        1.0, "... and this many above it (half a decade missed 22 development cases; the zoo's one miss is "
        "1.74 decades above)", _ZOO, positive)
    wide_lr_range: tuple[float, float] = tuned(
        (1e-5, 10.0), "the range searched without a finder suggestion: every rate a model plausibly trains "
        "at (plain SGD trains best at 2-5 on three zoo workloads; the top end 10 is chosen without each "
        "family in 12 of 12 folds, held-out band coverage 0.92 -> 1.00)", _ZOO, rate_band)
    finder: FinderPolicy = tuned(
        FinderPolicy(), "the range test that centres the range (find_lr, rule='auto')", _RANGE,
        nested(FinderPolicy))
    # -- pruning and sampling (make_pruner, make_sampler) ----------------------------------------
    first_rung: float = tuned(
        1.0 / 3.0, "the pruner's first decision waits for this fraction of the budget: earlier rungs "
        "favour a high constant rate over a schedule that pays off when it anneals", _PRUNE, fraction)
    reports: int = tuned(
        10, "a trial reports its validation metric this many times (every budget // reports updates)",
        _PRUNE, integer)
    reduction_factor: int = tuned(
        3, "Hyperband and successive halving keep a third of the trials at each rung (Optuna's and the "
        "papers' default)", _PRUNE, at_least(2, whole=True))
    median_startup: int = tuned(
        4, "the median rule waits for this many completed trials before it prunes", _PRUNE, integer)
    tpe_startup_fraction: float = tuned(
        0.25, "TPE starts with this fraction of the trials drawn at random (the finder-centred range "
        "needs few to get TPE going) ...", _PRUNE, fraction)
    tpe_startup_min: int = tuned(
        4, "... at least this many ...", _PRUNE, integer)
    tpe_startup_max: int = tuned(
        10, "... and at most this many (Optuna's own default)", _PRUNE, integer)
