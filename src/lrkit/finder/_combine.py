"""Pool repeated range tests (other batches, other seeds) into one result."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lrkit.errors import LRKitError, check_instance
from lrkit.finder._policy import FinderPolicy
from lrkit.finder._result import FinderResult
from lrkit.finder._sweep import _finish

__all__ = ["combine"]


def combine(
    results: Sequence[FinderResult],
    *,
    rule: str | None = None,
    interval: bool = True,
    seed: int = 0,
    policy: FinderPolicy | None = None,
) -> FinderResult:
    """Average repeated sweeps over the same rates and suggest on the mean curve.

    The repeats are cut to the shortest one (every sweep stops on its own), and
    the mean loss :math:`\\bar y_t = \\frac1r \\sum_k y^{(k)}_t` is treated as one
    sweep with :math:`r` times less noise variance. The interval resamples whole
    sweeps with replacement before the wild bootstrap of the mean's residuals
    (:func:`~lrkit.finder.bootstrap_interval` with ``repeats``), so it reflects
    how much the suggestion moves from one set of batches to another.

    Args:
        results: one or more results of sweeps with the same ``start``, ``end``,
            ``num_steps`` and ``mode``.
        rule: the rule to apply (default: the first result's).
        interval: compute the interval.
        seed: seeds the bootstrap.
        policy: the tuned numbers (default: the first result's, as recorded in its
            ``meta["policy"]``).

    Returns:
        A :class:`~lrkit.finder.FinderResult` whose ``meta["repeats"]`` is the
        number of sweeps and ``meta["repeat_suggestions"]`` each sweep's own
        suggestion; ``stop_reason`` is that of the shortest sweep, and
        ``wall_time`` and ``meta["loop_cpu_time"]`` are the totals.

    Raises:
        LRKitError: for no results, or sweeps over different rates.

    Example:
        >>> from lrkit.finder import range_test, synthetic
        >>> from lrkit.finder import FinderPolicy, Sweep
        >>> sweep = Sweep(start=1e-3, end=1e3, num_steps=60)
        >>> runs = [range_test(synthetic.logistic(seed=s).step, sweep=sweep, interval=False)
        ...         for s in (1, 2, 3)]
        >>> pooled = combine(runs, policy=FinderPolicy(replicates=40))
        >>> pooled.meta["repeats"], pooled.interval[0] <= pooled.suggestion <= pooled.interval[1]
        (3, True)
    """
    results = list(results)
    if not results or not all(isinstance(r, FinderResult) for r in results):
        raise LRKitError(f"`results` of combine must be a non-empty list of FinderResult; got {results!r}.")
    n = min(r.steps for r in results)
    first = results[0]
    if policy is None:
        policy = FinderPolicy.from_dict(first.meta.get("policy", {}))
    check_instance("policy", policy, "combine", FinderPolicy)
    for r in results[1:]:
        if not np.allclose(r.lrs[:n], first.lrs[:n], rtol=1e-12, atol=0.0):
            raise LRKitError("`results` of combine must be sweeps over the same rates; got different `lrs`.")
    stack = np.stack([r.losses[:n] for r in results])
    shortest = min(results, key=lambda r: r.steps)
    keep = ("start", "end", "num_steps", "mode", "schedule")
    meta = {k: v for k, v in first.meta.items() if k in keep}
    meta["repeats"] = len(results)
    meta["repeat_suggestions"] = [r.suggestion for r in results]
    if all("loop_cpu_time" in r.meta for r in results):
        meta["loop_cpu_time"] = float(sum(r.meta["loop_cpu_time"] for r in results))
    with np.errstate(invalid="ignore"):
        mean = stack.mean(axis=0)
    return _finish(
        first.lrs[:n].copy(),
        mean,
        stop_reason=shortest.stop_reason,
        rule=rule or first.rule,
        policy=policy,
        interval=interval,
        seed=seed,
        wall_time=float(sum(r.wall_time for r in results)),
        meta=meta,
        repeats=stack,
    )
