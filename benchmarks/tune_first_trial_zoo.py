"""At the zoo's budgets, should ``tune``'s first trial hold the finder's rate constant or run it as wsd?

``tune`` queues the range test's suggestion ``s`` as a new study's first trial with a schedule chosen by
the budget ``T`` (``lrkit.finder._next_step``: constant below 50 updates, wsd below 1000, cosine from
there on; bounds measured on 8 sklearn MLP workloads, ``tune_dev.py``). The zoo's budgets are 100 to
3000 updates, so the rule runs wsd on 32 of its 37 workloads and cosine on 5 (budgets 1000 to 3000);
constant never. Offline, from stored grids (no training): the zoo's constant-rate grid and its wsd
peak grid ("schedule, tuned" of ``autopilot_zoo.py``: 5% warmup, 20% 1-sqrt cool-down to 0; ``tune``'s
wsd cools linearly to 1%), each the mean over seeds 0-2 interpolated in log-rate at each seed's ``s``
(the shipped ``find_lr``, as ``tzd.py`` reads it; a blow-up guess queues no first trial). A hit:
within the zoo's tolerance (1 accuracy point or 1% of the best loss) of the best of both grids. No
cosine grid is stored: the 5 long-budget workloads are reported, not scored against cosine.

**Leave one family out**: a rule "constant below ``B`` updates, wsd from ``B``" with ``B`` among the
zoo's budgets (0: wsd everywhere, the rule's choice at these budgets), chosen by hits (then the mean gap
regret) on 11 families and scored on the 12th::

    nice .venv/bin/python benchmarks/tune_first_trial_zoo.py [--no-record]
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev import tune_zoo_data as tzd  # noqa: E402
from dev import zoo_grid as zg  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402
from lrkit import zoo  # noqa: E402

SHAPES = ("constant", "wsd")


def at_s(case: dict[str, Any], unit: str) -> dict[str, float]:
    """Regret at s of each shape against the best of both grids, in ``unit``."""
    g = zg.load(case["name"])
    raw = {sh: np.interp(np.log10(case["s"]), *case["curves"][(sh, unit)]) for sh in SHAPES}
    # each curve is regret against its own grid's best: shift both to the best of the two
    w_lrs, w_means = tzd.wsd_means(case["name"])
    best = {"constant": g.mean.max() if g.higher_is_better else g.mean.min(),
            "wsd": w_means.max() if g.higher_is_better else w_means.min()}
    both = max(best.values()) if g.higher_is_better else min(best.values())
    scale = {sh: float(tzd.regret_to_best(g, np.array([best[sh], both]), unit)[0]) for sh in SHAPES}
    return {sh: float(raw[sh] + scale[sh]) for sh in SHAPES}


def main() -> None:
    ap = arguments(__doc__)
    args = ap.parse_args()
    tol = zg.NEAR_OPTIMAL
    cases = [c for c in tzd.zoo_cases() if c["s"] is not None]
    for c in cases:
        c["budget"] = zoo.get(c["name"]).info.budget
        c["best"], c["gap"] = at_s(c, "best"), at_s(c, "gap")
    families = sorted({c["family"] for c in cases})

    rows = []
    for f in [*families, "all"]:
        fc = [c for c in cases if f in ("all", c["family"])]
        budgets = sorted({c["budget"] for c in fc})
        rows.append([f, len(fc), ", ".join(map(str, budgets)),
                     *(f"{sum(c['best'][sh] <= tol for c in fc)}/{len(fc)}" for sh in SHAPES),
                     *(f"{np.mean([c['gap'][sh] for c in fc]):.1f}" for sh in SHAPES),
                     f"{sum(c['gap']['wsd'] < c['gap']['constant'] for c in fc)} / "
                     f"{sum(c['gap']['wsd'] > c['gap']['constant'] for c in fc)}"])
    headers = ["family", "cases", "budgets", "constant at s: hits", "wsd at s: hits", "constant: gap regret",
               "wsd: gap regret", "wsd better / worse"]
    print_table(rows, headers)
    body = ["**The first trial at s, constant against wsd** (hits within 1 point / 1% of the best of both "
            "grids; gap regret: percent of the best's gain over not training, mean):\n\n"
            + markdown_table(rows, headers)]

    bounds = [0, *sorted({c["budget"] for c in cases}), 10**9]

    def score(b: int, cs: list[dict[str, Any]]) -> tuple[float, float]:
        fam: dict[str, list[tuple[bool, float]]] = defaultdict(list)
        for c in cs:
            sh = "constant" if c["budget"] < b else "wsd"
            fam[c["family"]].append((c["best"][sh] <= tol, c["gap"][sh]))
        return (float(np.mean([np.mean([h for h, _ in v]) for v in fam.values()])),
                -float(np.mean([np.mean([g for _, g in v]) for v in fam.values()])))

    def label(b: int) -> str:
        return "wsd everywhere" if b == 0 else "constant everywhere" if b == 10**9 else f"constant below {b}"

    rows = [[label(b), f"{score(b, cases)[0]:.3f}", f"{-score(b, cases)[1]:.1f}"] for b in bounds]
    headers = ["rule at the zoo's budgets", "hit rate, mean of families", "gap regret, mean of families"]
    print_table(rows, headers)
    body.append("**In sample**, every bound:\n\n" + markdown_table(rows, headers))
    rows, held = [], []
    for f in families:
        b = max(bounds, key=lambda x: (*score(x, [c for c in cases if c["family"] != f]), -bounds.index(x)))
        hc = [c for c in cases if c["family"] == f]
        h, r0 = score(b, hc), score(0, hc)
        held.append((h, r0))
        rows.append([f, label(b), f"{h[0]:.2f}", f"{-h[1]:.1f}", f"{r0[0]:.2f}", f"{-r0[1]:.1f}"])
    rows.append(["mean of families", "", f"{np.mean([h[0][0] for h in held]):.3f}",
                 f"{-np.mean([h[0][1] for h in held]):.1f}", f"{np.mean([h[1][0] for h in held]):.3f}",
                 f"{-np.mean([h[1][1] for h in held]):.1f}"])
    headers = ["held-out family", "bound chosen on the others", "hit rate", "gap regret",
               "wsd everywhere: hit rate", "gap regret"]
    print_table(rows, headers)
    body.append("**Leave one family out** (the bound chosen by hit rate, then gap regret, on 11 "
                "families):\n\n"
                + markdown_table(rows, headers))
    if not args.no_record:
        record("tune_first_trial_zoo", "Tune's first trial on the zoo: constant or wsd at the suggestion",
               "\n\n".join(body), command="nice .venv/bin/python benchmarks/tune_first_trial_zoo.py")


if __name__ == "__main__":
    main()
