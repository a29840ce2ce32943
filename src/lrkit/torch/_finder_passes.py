"""``find_lr``'s passes: the first sweep (its repeats pooled), a second where the first carried no signal.

Each pass is ``repeats`` sweeps, every one from the caller's state (the snapshot restored before it) on
fresh batches, pooled by :func:`lrkit.finder.combine`. When the first pass has no suggestion or too weak a
drop, :func:`lrkit.finder.second_sweep` plans a second over the decades below where it blew up, and
:func:`lrkit.finder.settle` answers from the clearer pass (or with a stated guess below the blow-up).
"""

from __future__ import annotations

from typing import Any

from lrkit.finder import FinderPolicy, FinderResult, Sweep, combine, second_sweep, settle
from lrkit.torch._finder_runner import Runner
from lrkit.torch._state import TrainingSnapshot

__all__ = ["run_passes"]


def run_passes(runner: Runner, snap: TrainingSnapshot, range_kwargs: dict[str, Any], *, repeats: int,
               retry: bool, bar: Any = None) -> tuple[FinderResult, FinderResult]:
    """The settled answer of one or two passes, and the first sweep (where a capped rate is read).

    ``range_kwargs`` are :func:`lrkit.finder.range_test`'s (``sweep``, ``rule``, ``policy``, ``interval``,
    ``seed``, ``on_step``); the second pass runs its own sweep under the policy's
    ``retry_descent_floor``, since it spans only ``retry_decades`` below the blow-up. The first sweep of
    all starts from the state ``snap`` holds; ``find_lr`` restores it again after the last. ``bar``, a
    progress bar, grows by the second pass's updates when there is one. ``meta["updates"]`` of the answer
    counts the updates of every sweep of both passes.
    """
    sweep: Sweep = range_kwargs["sweep"]
    policy: FinderPolicy = range_kwargs["policy"]
    results = _pass(runner, snap, 0, repeats, range_kwargs)
    result = _pooled(results, range_kwargs)
    updates, second = sum(r.steps for r in results), None
    plan = second_sweep(result, sweep, policy) if retry else None
    if plan is not None:  # the first pass carried no signal: sweep again where it matters
        if bar is not None:
            bar[0].update(bar[1], total=(sweep.num_steps + plan.num_steps) * repeats)
        again = {**range_kwargs, "sweep": plan,
                 "policy": policy.replace(descent_floor=policy.retry_descent_floor)}
        more = _pass(runner, snap, repeats, repeats, again)
        updates += sum(r.steps for r in more)
        second = _pooled(more, again)
    return settle(result, second, policy, updates=updates), results[0]


def _pass(runner: Runner, snap: TrainingSnapshot, first_index: int, repeats: int,
          range_kwargs: dict[str, Any]) -> list[FinderResult]:
    """``repeats`` sweeps, each from the caller's state on fresh batches (numbered from ``first_index``).

    The very first sweep (index 0) runs on the state as it is: the snapshot was just taken from it.
    """
    results = []
    for index in range(first_index, first_index + repeats):
        if index:
            snap.restore()
        results.append(runner.sweep(index, range_kwargs))
    return results


def _pooled(results: list[FinderResult], range_kwargs: dict[str, Any]) -> FinderResult:
    """One pass's answer: its only sweep, or its repeats combined under the pass's policy."""
    if len(results) == 1:
        return results[0]
    return combine(results, interval=range_kwargs["interval"], seed=range_kwargs["seed"],
                   policy=range_kwargs["policy"])
