"""Does flooring the second pass's reading at a wide descent, as the first pass's is, hold out?

**The miss.** On the tanh/Huber MLPs outside the zoo (``dev.finder_plateau_workloads``) half the seeds
answer from ``find_lr``'s second pass, the sweep of the ``retry_decades`` (one) under the first pass's
blow-up. Its drop is weak, so ``minimum/10`` reads it: a decade under its minimum, below the one decade it
swept, where it measured nothing; the blow-up anchor pulls further down. The answer lands 1.3-1.9 decades
under the best rate.

**The rule** (``FinderPolicy.retry_descent_floor`` = k): the second pass gets the first pass's descent
floor, a reading below a valley at least k smoothing windows wide raised to the valley's own reading
(``descent_floor_reading``), k = 1 or 2 (``dev.finder_zoo_cv.second_pass_candidates``). The second pass is
not floored as shipped (k = 0).

1. **The zoo, held out**: the leave-one-family-out selection of ``finder_zoo.py`` (``dev.finder_zoo_cv``, its
   proxy: the grid's mean metric interpolated at the suggestion, ``gap`` regret) on its candidates without
   and with the two second-pass candidates; and, per zoo cell that answers from a second pass, each
   candidate's reading, with one more rule read offline from the cached answer: the reading clipped to the
   range the second pass swept (a reading never below the rates it measured).
2. **The cache**: on the zoo's cells without a first-pass signal (where the answers are real ``find_lr``
   calls, cached in ``finder_zoo_answers.json``), the cached shipped answer against a ``find_lr`` call now.
3. **Outside the zoo** (held out from every choice): the probe's nine workloads and the three plateau ones,
   seeds 0-2, ``find_lr`` with every default and with the second pass floored (k = 2): distance in decades
   from the best peak of a 300-update cosine grid (``dev.finder_probe``) and the gap regret there.

::

    nice -n 10 .venv/bin/python benchmarks/finder_second_pass.py [--no-record]
"""

from __future__ import annotations

import math
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev import finder_probe as probe  # noqa: E402
from dev import finder_zoo_cv as cv  # noqa: E402
from dev import finder_zoo_data as data  # noqa: E402
from dev import zoo_grid  # noqa: E402
from dev.finder_plateau_workloads import WORKLOADS as PLATEAU  # noqa: E402
from dev.finder_probe_workloads import WORKLOADS as PROBE  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402
from lrkit import zoo  # noqa: E402
from lrkit.finder import FinderPolicy  # noqa: E402
from lrkit.torch import find_lr  # noqa: E402

CACHE = data.RESULTS / "finder_second_pass.json"
#: The two policies compared outside the zoo: every default, and the second pass floored as the first.
POLICIES = {"default": FinderPolicy(), "second pass floored": FinderPolicy(retry_descent_floor=2.0)}
SHIPPED = next(c for c in cv.CANDIDATES if c.policy.descent_floor == FinderPolicy().descent_floor
               and c.policy.descent_floor_reading == FinderPolicy().descent_floor_reading)
SECOND = cv.second_pass_candidates()
_RANGE = re.compile(r"second sweep answered \(([0-9.e+-]+) to ")


def _names() -> list[str]:
    return [n for n in data.workloads() if zoo_grid.status(n) == "ok"]


def _cached(key: str, compute) -> dict:
    store = data.load_cache(CACHE)
    if key not in store:
        store[key] = compute()
        data.save_cache(CACHE)
    return store[key]


def zoo_rows() -> tuple[list[list[str]], list[str]]:
    """Per family: the CV regret of the selection without and with the second-pass candidates, the pick."""
    names, pool = _names(), [*cv.CANDIDATES, *SECOND]
    table = cv.regret_table(pool, names)
    base = list(range(len(cv.CANDIDATES)))
    means, fams = cv.family_means(table, names)
    before, after = cv.lofo(table[base], names, cv.CANDIDATES), cv.lofo(table, names, pool)
    cols = {"CV, shipped candidates": [means[before[f], j] for j, f in enumerate(fams)],
            "CV, with the second-pass floors": [means[after[f], j] for j, f in enumerate(fams)]}
    shipped = pool.index(SHIPPED)
    cols.update({f"in sample: second pass k={c.policy.retry_descent_floor:g}": means[pool.index(c)]
                 for c in SECOND})
    cols["in sample: shipped"] = means[shipped]
    rows = [[f, *[f"{v[j]:.1f}" for v in cols.values()],
             "second pass floored" if after[f] >= len(cv.CANDIDATES) else
             "shipped" if after[f] == shipped else pool[after[f]].label] for j, f in enumerate(fams)]
    rows.append(["mean of families", *[f"{np.mean(v):.2f}" for v in cols.values()], ""])
    return rows, ["family", *cols, "picked without the family"]


def cell_rows() -> list[list[str]]:
    """Per zoo cell answered by a second pass (shipped or floored): each reading's rate and proxy regret."""
    rows = []
    for n, s in cv.cells(_names()):
        shipped, *floored = (cv.read(n, s, c) for c in (SHIPPED, *SECOND))
        if "second sweep" not in {shipped[2], *(f[2] for f in floored)}:
            continue
        row = [f"{n} {s}", f"{zoo_grid.best(n)[0]:.3g}"]
        for lr, _, source in (shipped, *floored):
            row.append(f"{lr:.3g} ({cv.proxy(n, lr):.1f}; {source})")
        found = _RANGE.search(_answer_reason(n, s)) if shipped[2] == "second sweep" else None
        clipped = max(shipped[0], float(found.group(1))) if found else shipped[0]
        rows.append([*row, f"{clipped:.3g} ({cv.proxy(n, clipped):.1f})"])
    return rows


CELL_HEAD = ["cell", "grid best", "shipped: rate (regret; source)", "second pass k=1", "second pass k=2",
             "shipped, clipped to the second pass's range (offline)"]


def _answer_reason(name: str, seed: int) -> str:
    p = SHIPPED.policy
    c = p.memoryless_decades if data.memoryless(name) else p.anchor_decades
    rule = p.adaptive_rule if data.adaptive(name) else p.sgd_rule
    return data.answer(name, seed, cv._canonical(p.replace(anchor_decades=c, memoryless_decades=c), rule),
                       SHIPPED.num_steps)["reason"]


def drift_rows() -> list[list[str]]:
    """The zoo cells whose answer is a real ``find_lr`` call: the cached shipped answer against one now."""
    rows = []
    for n, s in cv.cells(_names()):
        lr, _, source = cv.read(n, s, SHIPPED)
        if source == "sweep":
            continue
        now = _cached(f"zoo|{n}|{s}|now", lambda: _now(n, s))
        same = now["lr"] == lr or (now["lr"] and lr and abs(math.log10(now["lr"] / lr)) < 1e-9)
        rows.append([f"{n} {s}", f"{lr:.3g} ({source})", f"{now['lr']:.3g} ({now['source']})",
                     "same" if same else f"{cv.proxy(n, lr):.1f} -> {cv.proxy(n, now['lr']):.1f}"])
    return rows


DRIFT_HEAD = ["cell", "cached shipped answer", "find_lr now", "proxy regret"]


def _now(name: str, seed: int) -> dict:
    """``find_lr`` with every default, no interval (what the cached answers ran)."""
    torch.set_num_threads(1)
    parts = zoo.get(name).build(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = find_lr(parts["model"], parts["optimizer"], parts["loss_fn"], parts["train_loader"],
                    progress=False, interval=False)
    return {"lr": r.suggestion, "source": r.meta["source"]}


def held_out_rows() -> list[list[str]]:
    """Per workload: mean distance (decades) from the cosine grid's best and gap regret, seeds 0-2."""
    rows = []
    for name in [*PROBE, *PLATEAU]:
        best = probe.GRID[int(np.argmin(probe.grid(name, "cosine")))]
        row = [name, f"{best:.3g}"]
        for label, policy in POLICIES.items():
            answers = [_cached(f"probe|{name}|{s}|{label}", lambda: _probe(name, s, policy))
                       for s in probe.SEEDS]
            far = [abs(math.log10(a["lr"] / best)) for a in answers if a["lr"] is not None]
            reg = [probe.regret(name, a["lr"], "cosine") for a in answers]
            row += [f"{np.mean(far):.2f}" if far else "-", f"{np.mean(reg):.1f}"]
        rows.append(row)
    means = [np.mean([float(r[i]) for r in rows if r[i] != "-"]) for i in range(2, 6)]
    rows.append(["mean", "", *[f"{m:.2f}" for m in means]])
    return rows


HELD_HEAD = ["workload", "best peak (cosine)", "default: |decades|", "default: regret",
             "second pass floored: |decades|", "second pass floored: regret"]


def _probe(name: str, seed: int, policy: FinderPolicy) -> dict:
    a = probe.suggestion(name, seed, policy)
    return {"lr": a["lr"], "source": a["source"]}


def main() -> None:
    parser = arguments(__doc__)
    args = parser.parse_args()
    cpu = time.process_time()
    z_rows, z_head = zoo_rows()
    print_table(z_rows, z_head)
    c_rows = cell_rows()
    print_table(c_rows, CELL_HEAD)
    d_rows = drift_rows()
    print_table(d_rows, DRIFT_HEAD)
    h_rows = held_out_rows()
    print_table(h_rows, HELD_HEAD)
    cpu = time.process_time() - cpu
    print(f"CPU time {cpu:.0f} s")
    body = ("**The zoo, leave one family out** (the selection proxy of `finder_zoo.py`: gap regret of the "
            "grid's mean metric interpolated at the suggestion; per family, the CV regret of each selection "
            "and each candidate's in-sample regret):\n\n" + markdown_table(z_rows, z_head)
            + "\n\n**The zoo cells answered by a second pass** (rate, proxy regret and what answered; the "
            "shipped column is the cached answer the selection reads):\n\n"
            + markdown_table(c_rows, CELL_HEAD)
            + "\n\n**The cache**: the zoo's cells without a first-pass signal, the cached shipped answer "
            "against `find_lr` now:\n\n" + markdown_table(d_rows, DRIFT_HEAD)
            + "\n\n**Outside the zoo** (probe's nine and the three plateau workloads, seeds 0-2; distance "
            "from the best peak of a 300-update cosine grid, mean |decades|, and gap regret there):\n\n"
            + markdown_table(h_rows, HELD_HEAD)
            + f"\n\nCPU time {cpu:.0f} s (cached runs and answers not counted).")
    if not args.no_record:
        record("finder_second_pass", "Finder: the second pass floored at a wide descent, held out", body,
               command="nice -n 10 .venv/bin/python benchmarks/finder_second_pass.py")


if __name__ == "__main__":
    main()
