"""Does the guard's ceiling over the ramp's losses change a zoo run, and does it save a short plain-SGD run?

``AutopilotPolicy.ramp_ceiling`` (100): a main-phase loss that rises above the lowest loss the ramp saw by
more than a hundred times the ramp's depth (its highest at or below the peak less that lowest; a constant
added to the loss moves nothing) is a fault at once (skipped, the second in a row rolled back, a repeated
rollback halving the rate), where the spike test waits for ``min_spike_history`` (20) healthy losses.
Two parts:

1. **The zoo, bit for bit**: every zoo workload (37, 12 families) and every built-in task, seeds 0, 1, 2,
   the library's Autopilot told its budget and not told it (stepped for the workload's budget), run
   again here with the ceiling and compared with the stored runs made without it on this machine
   (``autopilot_zoo.py``'s and ``autopilot_plain_peak.py``'s part five's, keyed by the default's
   policy): the runs whose record moved, and the highest main-phase loss's rise above the ramp's lowest over
   the ramp's depth (the ceiling's measure): how close a zoo run comes to it.
2. **The short plain-SGD runs**: the tests' noisy linear regression (``tests/torch/_autopilot_run.py``:
   8 features scaled 0.3..3, plain SGD diverges above 2/17.8 = 0.11), seeds 0-4, budgets 40, 60, 100
   and 300, with the ceiling and without (``ramp_ceiling=None``): the MSE at the end against the
   untrained model's.

Run: ``flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/autopilot_ramp_ceiling.py``
(nothing is stored: every run is made again).
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import autopilot_shape as shape  # noqa: E402
from autopilot_plain_peak import NO_BUDGET  # noqa: E402
from dev import autopilot_truth as truth  # noqa: E402
from dev.autopilot_zoo_runs import NOBUDGET_LEGACY, STORE, _read, make_autopilot, reads_as  # noqa: E402
from dev.autopilot_zoo_runs import resolve_task, scored, variant_key  # noqa: E402
from dev.peers_common import endless, one_thread  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

from lrkit import zoo  # noqa: E402

SEEDS = (0, 1, 2)
#: What a stored run records that the ceiling could move.
FIELDS = ("metric", "raw_metric", "peak", "faults")
BUDGETS = (40, 60, 100, 300)


def nobudget_variant(name: str) -> dict[str, Any]:
    """The library's Autopilot without a budget as the store names it (plain SGD's factor by kind)."""
    return {**NO_BUDGET, "plain_factor": 2.0} if shape._kind(name) == "plain" else NO_BUDGET


def run(name: str, seed: int, budgeted: bool) -> dict[str, Any]:
    """One run of the library's default (told its budget, or not and stepped for it), its record's
    :data:`FIELDS` and its highest main-phase loss over the ramp's highest at or below the peak."""
    from lrkit.torch import Autopilot, AutopilotPolicy

    task = resolve_task(name)
    budget = truth.budget_of(name)
    with one_thread():
        parts = task.build(seed)
        model, opt, loss_fn = parts["model"], parts["optimizer"], parts["loss_fn"]
        if budgeted:
            ap = make_autopilot(opt, budget, model, reads_as(shape.DEFAULT, shape._kind(name)))
        else:
            policy = AutopilotPolicy(**{**NOBUDGET_LEGACY, **nobudget_variant(name)})
            ap = Autopilot(opt, budget=None, model=model, policy=policy)
        model.train()
        batches, top = endless(parts["train_loader"]), -math.inf
        for _ in range(budget):
            if ap.done:
                break
            x, y = next(batches)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            if ap.phase == "main":
                top = max(top, float(loss.detach()))
            ap.step(loss)
        metrics = task.evaluate(model, parts["val_loader"])
    raw = float(metrics.get(task.info.metric, math.nan))
    # no main phase (a probe without a budget that outlasted the workload's updates: no peak), no ceiling
    below = [] if ap.peak is None else [v for r, v in zip(ap.probe_lrs, ap.probe_losses) if r <= ap.peak]
    floor = min((v for v in ap.probe_losses if math.isfinite(v)), default=math.nan)
    depth = max(below) - floor if below else math.nan
    return {"metric": scored(task, raw, not math.isfinite(raw)), "raw_metric": raw, "peak": ap.peak,
            "faults": sum("fault" in e for e in ap.events),
            "ratio": (top - floor) / depth if depth > 0 else math.nan}


def stored(name: str, seed: int, budgeted: bool) -> dict[str, Any] | None:
    """The stored run made without the ceiling (None where the store has none)."""
    if budgeted:
        return shape.runs(name, next(iter(shape.SHAPES)), False)[seed]
    key = f"nobudget:{variant_key(nobudget_variant(name))}|{name}|{seed}|{truth.budget_of(name)}"
    return _read(STORE).get(key)


def zoo_part(ceiling: float) -> tuple[list[list[Any]], list[list[Any]], str]:
    """Part one: the runs that moved; per mode, runs compared and the ratio's quantiles (and how many
    runs passed ``ceiling``)."""
    moved, per, total = [], [], {}
    for budgeted in (True, False):
        mode = "told its budget" if budgeted else "no budget"
        ratios, compared, same = [], 0, 0
        for n in sorted(zoo.names()) + list(truth.BUILTIN):
            for s in SEEDS:
                fresh, old = run(n, s, budgeted), stored(n, s, budgeted)
                ratios.append(fresh["ratio"])
                print(mode, n, s, {f: (fresh[f], None if old is None else old.get(f)) for f in FIELDS},
                      f"ratio {fresh['ratio']:.3g}", file=sys.stderr, flush=True)  # kept if the run dies
                if old is None:
                    continue
                compared += 1
                diff = [f for f in FIELDS if old.get(f) != fresh[f]]
                same += not diff
                if diff:
                    moved.append([mode, n, s, old["metric"], fresh["metric"], fresh["faults"],
                                  ", ".join(diff)])
        r = np.array([v for v in ratios if math.isfinite(v)])
        per.append([mode, compared, same, len(r), float(np.median(r)), float(np.percentile(r, 99)),
                    float(r.max()), int((r > ceiling).sum())])
        total[mode] = (same, compared)
    verdict = "; ".join(f"{m}: **{s} of {c}** runs bit for bit the stored ones"
                        for m, (s, c) in total.items())
    return moved, per, verdict


def regression_part() -> list[list[Any]]:
    """Part two: the tests' regression, plain SGD, with the ceiling and without (final MSE; untrained)."""
    import torch

    from lrkit.torch import AutopilotPolicy

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "torch"))
    from _autopilot_run import regression
    from _autopilot_run import run as train

    rows = []
    for budget in BUDGETS:
        for seed in range(5):
            torch.manual_seed(seed)
            x, y = regression(seed)
            start = float(((torch.nn.Linear(x.shape[1], 1)(x).squeeze(1) - y) ** 2).mean().detach())
            with one_thread():
                ends = [train(budget, seed=seed, policy=AutopilotPolicy(ramp_ceiling=c))
                        for c in (None, AutopilotPolicy().ramp_ceiling)]
            rows.append([budget, seed, start, ends[0][2], ends[1][2], ends[1][0].peak,
                         sum("fault" in e for e in ends[1][0].events)])
    return rows


def main() -> None:
    import warnings

    from lrkit.torch import AutopilotPolicy

    args = arguments(__doc__).parse_args()
    start = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the runs' own warnings (untrained, guesses) are not the question
        rrows = regression_part()
        moved, per, verdict = zoo_part(AutopilotPolicy().ramp_ceiling)
    rh = ["budget", "seed", "untrained MSE", "MSE without the ceiling", "MSE with it", "peak",
          "faults with it"]
    ph = ["mode", "runs compared", "bit for bit", "runs", "median rise / depth", "99th percentile",
          "highest", f"above {AutopilotPolicy().ramp_ceiling:g}"]
    mh = ["mode", "workload", "seed", "stored metric", "metric with the ceiling", "faults", "what moved"]
    for rows, headers in ((rrows, rh), (per, ph), (moved, mh)):
        print_table(rows, headers, floatfmt=".4g")
    worse = sum(r[3] > r[2] for r in rrows), sum(r[4] > r[2] for r in rrows)
    text = (f"The tests' regression (plain SGD, 5 seeds x {len(BUDGETS)} budgets): runs that ended above "
            f"their untrained MSE **{worse[0]} without the ceiling, {worse[1]} with it**. "
            f"The zoo: {verdict}.")
    cpu = f"CPU seconds of this process: {time.process_time() - start:.0f}."
    print(text, cpu, sep="\n")
    if not args.no_record:
        body = "\n\n".join([
            text, "Part one, the zoo (top: the highest main-phase loss; floor: the ramp's lowest; depth: the "
            "ramp's highest at or below the peak - floor; the ratio (top - floor) / depth):",
            markdown_table(per, ph, floatfmt=".3g"),
            *(["The runs that moved:", markdown_table(moved, mh, floatfmt=".4g")] if moved else []),
            "Part two, the tests' regression:", markdown_table(rrows, rh, floatfmt=".3g"), cpu])
        record("autopilot_ramp_ceiling", "The guard's ceiling over the ramp's losses: the zoo and a short "
               "plain-SGD run", __doc__.split("\n\n", 1)[1] + "\n\n" + body,
               command="flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python "
               "benchmarks/autopilot_ramp_ceiling.py")


if __name__ == "__main__":
    main()
