"""The Autopilot against grid-tuned on ``charlm`` at its own 1000 updates (a section of its own).

A run costs about three CPU-minutes, so the grid is the four half-decade rates around the cut-down
grid's best (fixed before any Autopilot run at this budget), on 3 seeds; two processes.

    nice .venv/bin/python benchmarks/no_tuning_charlm.py [--no-record]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev.autopilot_runs import GIVEN_PEAK, HEADERS, gap_rows, grid_tuned, loop, run_budget  # noqa: E402
from dev.ground_truth import GRIDS  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

#: ``charlm`` at its own budget (``--charlm-full``, a section of its own): a run costs about three
#: CPU-minutes, so the grid is the four half-decade rates around the cut-down grid's best (fixed
#: before any Autopilot run at this budget), on 3 seeds.
CHARLM_FULL = {"budget": 1000, "lrs": (0.0004642, 0.001, 0.002154, 0.004642), "seeds": [0, 1, 2]}


def autopilot_run(args: tuple[str, int, int, float | None]) -> dict[str, float]:
    """``_loop`` with the Autopilot, at ``budget``, its peak given when ``peak`` is not None (a
    process-pool task)."""
    name, seed, budget, peak = args
    return loop(name, seed, None, autopilot=True, budget=budget, ap_kwargs={"peak": peak})


def charlm_full(no_record: bool) -> None:
    """The Autopilot against grid-tuned on ``charlm`` at its own 1000 updates (two processes)."""
    from concurrent.futures import ProcessPoolExecutor

    from dev.ground_truth import load_or_compute

    budget, seeds, lrs = CHARLM_FULL["budget"], CHARLM_FULL["seeds"], CHARLM_FULL["lrs"]
    load_or_compute("charlm", GRIDS["charlm"].optimizer, lrs, seeds=seeds, budget=budget, workers=2)
    tuned, best, n = grid_tuned("charlm", seeds, budget=budget)
    res = {"grid-tuned": [{"metric": tuned[s], "steps": budget} for s in seeds]}
    with ProcessPoolExecutor(2) as pool:
        for method, peak in (("autopilot", None), (GIVEN_PEAK, best)):
            res[method] = list(pool.map(autopilot_run, [("charlm", s, budget, peak) for s in seeds]))
    rows = gap_rows("charlm", res, list(res), budget)
    print_table(rows, HEADERS)
    if no_record:
        return
    edge = "" if lrs[0] < best < lrs[-1] else " (at the grid's edge: the grid-tuned figure is a bound)"
    body = (f"Seeds {seeds}; {budget} updates, charlm's own budget (the main table cuts it to "
            f"{run_budget('charlm')}). Grid-tuned: the best of {len(lrs)} half-decade rates "
            f"{', '.join(f'{v:g}' for v in lrs)} ({n} cached runs): {best:g}{edge}. \"{GIVEN_PEAK}\": "
            "the Autopilot with its probe's choice replaced by that rate.\n\n"
            + markdown_table(rows, HEADERS))
    record("no_tuning_charlm_full", "No learning-rate tuning: charlm at its own budget", body,
           command="nice .venv/bin/python benchmarks/no_tuning.py --charlm-full")


def main() -> None:
    ap = arguments(__doc__)
    charlm_full(ap.parse_args().no_record)


if __name__ == "__main__":
    main()
