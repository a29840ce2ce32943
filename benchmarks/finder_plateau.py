"""Does raising a reading that lands on the plateau, before a wide descent, hold out?

**The miss.** On a tanh MLP with Huber loss and SGD momentum (``dev.finder_plateau_workloads``, outside
the zoo) the sweep's loss sits flat for decades and falls only about a decade under the blow-up, with a
weak signal; the weak rule's ``minimum/10`` and the blow-up anchor (``anchor_decades`` under the blow-up)
are fixed offsets below a landmark, and both land on the plateau, where the sweep measured no progress.

**The rule** (``FinderPolicy.descent_floor`` = k, ``descent_floor_reading``): a reading below the valley's
falling crossing :math:`x_{fast}` is raised when the valley spans at least k smoothing windows
(:math:`x_{edge} - x_{fast} \\ge k\\,h`, a descent the smoother resolves, not a dip at the cliff), to
:math:`x_{fast}` (``"descent"``) or to the valley's own reading, the rule's crossings without the offsets
(``"valley"``); k = 1 (the kernel's half-width) or 2 (its full width). A narrower valley keeps the reading
and names the valley's reading as a second rate to try. The second pass is not floored
(``retry_descent_floor``: ``benchmarks/finder_second_pass.py``).

1. **The zoo, held out**: the leave-one-family-out selection of ``finder_zoo.py`` (``dev.finder_zoo_cv``,
   its proxy: the grid's mean metric interpolated at the suggestion, ``gap`` regret) on its candidates
   without the four floored ones and with them: the cross-validated regret per family of each selection.
2. **Outside the zoo** (held out from every choice): the probe's nine workloads and the three plateau
   ones, seeds 0-2, ``find_lr`` with every default, and with the floor off; distance in decades from the
   best peak rate of a 300-update cosine grid (``dev.finder_probe``) and the gap regret there.
3. **The built-in tasks** (held out): ``find_lr`` as ``finder_regret.py`` runs it, seeds 0-4, with the
   floor on and off: how many suggestions move (none moved: their regret is unchanged by construction).

::

    flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/finder_plateau.py [--no-record]
"""

from __future__ import annotations

import math
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
from dev.regret_runs import SWEEP, ConfiguredTask, configs  # noqa: E402
from lrkit.finder import FinderPolicy  # noqa: E402
from lrkit.torch import find_lr  # noqa: E402

CACHE = data.RESULTS / "finder_plateau.json"
#: The two policies compared outside the zoo: every default, and the floor off.
POLICIES = {"default": FinderPolicy(), "floor off": FinderPolicy(descent_floor=0.0)}
#: The built-in tasks' seeds (``finder_regret.py``'s).
BUILTIN_SEEDS = (0, 1, 2, 3, 4)


def zoo_rows() -> tuple[list[list[str]], list[str]]:
    """Per family: the CV regret of the selection without and with the floored candidates and the pick."""
    names = [n for n in data.workloads() if zoo_grid.status(n) == "ok"]
    table = cv.regret_table(cv.CANDIDATES, names)
    floored = {i for i, c in enumerate(cv.CANDIDATES) if c.policy.descent_floor > 0}
    base = [i for i in range(len(cv.CANDIDATES)) if i not in floored]
    base_cands = [cv.CANDIDATES[i] for i in base]
    means, fams = cv.family_means(table, names)
    before = cv.lofo(table[base], names, base_cands)
    after = cv.lofo(table, names, cv.CANDIDATES)
    cols = {"CV, without the floored candidates": [means[base[before[f]], j] for j, f in enumerate(fams)],
            "CV, with them": [means[after[f], j] for j, f in enumerate(fams)]}
    rows = [[f, *[f"{v[j]:.1f}" for v in cols.values()], cv.CANDIDATES[after[f]].label]
            for j, f in enumerate(fams)]
    shipped = cv.in_sample(table, names, cv.CANDIDATES)
    rows.append(["mean of families", *[f"{np.mean(v):.2f}" for v in cols.values()],
                 f"in-sample pick: {cv.CANDIDATES[shipped].label} ({means[shipped].mean():.2f}; without "
                 f"the floored ones {means[base[cv.in_sample(table[base], names, base_cands)]].mean():.2f})"])
    return rows, ["family", *cols, "picked without the family (with the floored ones)"]


def _cached(key: str, compute) -> dict:
    store = data.load_cache(CACHE)
    if key not in store:
        store[key] = compute()
        data.save_cache(CACHE)
    return store[key]


def _probe_answer(name: str, seed: int, label: str) -> dict:
    def compute() -> dict:
        a = probe.suggestion(name, seed, POLICIES[label])
        return {"lr": a["lr"], "reason": a["reason"]}
    return _cached(f"probe|{name}|{seed}|{label}", compute)


def held_out_rows() -> list[list[str]]:
    """Per workload: mean distance (decades) from the cosine grid's best and gap regret, seeds 0-2."""
    rows = []
    for name in [*PROBE, *PLATEAU]:
        g = probe.grid(name, "cosine")
        best = probe.GRID[int(np.argmin(g))]
        row = [name, f"{best:.3g}"]
        for label in POLICIES:
            answers = [_probe_answer(name, s, label) for s in probe.SEEDS]
            far = [abs(math.log10(a["lr"] / best)) for a in answers if a["lr"] is not None]
            reg = [probe.regret(name, a["lr"], "cosine") for a in answers]
            row += [f"{np.mean(far):.2f}" if far else "-", f"{np.mean(reg):.1f}"]
        row.append(str(sum("I can't tell whether" in _probe_answer(name, s, "default")["reason"]
                           for s in probe.SEEDS)))
        rows.append(row)
    means = [np.mean([float(r[i]) for r in rows if r[i] != "-"]) for i in range(2, 6)]
    rows.append(["mean", "", *[f"{m:.2f}" for m in means], ""])
    return rows


HELD_HEAD = ["workload", "best peak (cosine)", "default: |decades|", "default: regret",
             "floor off: |decades|", "floor off: regret", "seeds told 'try both'"]


def _builtin_lr(task: str, optimizer: str, seed: int, label: str) -> dict:
    def compute() -> dict:
        torch.set_num_threads(1)
        parts = ConfiguredTask(task, optimizer).build(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = find_lr(parts["model"], parts["optimizer"], parts["loss_fn"], parts["train_loader"],
                        sweep=SWEEP, policy=POLICIES[label], progress=False)
        return {"lr": r.suggestion}
    return _cached(f"builtin|{task}|{optimizer}|{seed}|{label}", compute)


def builtin_rows() -> list[list[str]]:
    """Per built-in configuration: how many of the seeds' suggestions the floor moves, and how far."""
    rows = []
    for c in configs(False):
        moved = []
        for s in BUILTIN_SEEDS:
            on, off = (_builtin_lr(c["task"], c["optimizer"], s, label)["lr"] for label in POLICIES)
            if on != off:
                moved.append(abs(math.log10(on / off)) if on and off else math.inf)
        rows.append([f"{c['task']} {c['optimizer']}", f"{len(moved)} of {len(BUILTIN_SEEDS)}",
                     f"{max(moved):.2f}" if moved else "-"])
    return rows


BUILTIN_HEAD = ["configuration", "suggestions moved by the floor", "largest move (decades)"]


def main() -> None:
    parser = arguments(__doc__)
    args = parser.parse_args()
    cpu = time.process_time()
    z_rows, z_head = zoo_rows()
    print_table(z_rows, z_head)
    h_rows = held_out_rows()
    print_table(h_rows, HELD_HEAD)
    b_rows = builtin_rows()
    print_table(b_rows, BUILTIN_HEAD)
    cpu = time.process_time() - cpu
    print(f"CPU time {cpu:.0f} s")
    body = ("**The zoo, leave one family out** (the selection proxy of `finder_zoo.py`: gap regret of the "
            "grid's mean metric interpolated at the suggestion; per family, and the mean of families):\n\n"
            + markdown_table(z_rows, z_head)
            + "\n\n**Outside the zoo** (probe's nine and the three plateau workloads, seeds 0-2; distance "
            "from the best peak of a 300-update cosine grid, mean |decades|, and gap regret there):\n\n"
            + markdown_table(h_rows, HELD_HEAD)
            + "\n\n**The built-in tasks** (`find_lr` as `finder_regret.py` runs it, seeds 0-4):\n\n"
            + markdown_table(b_rows, BUILTIN_HEAD)
            + f"\n\nCPU time {cpu:.0f} s (cached runs and answers not counted).")
    if not args.no_record:
        record("finder_plateau", "Finder: a reading on the plateau raised to the valley, held out", body,
               command="flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/finder_plateau.py")


if __name__ == "__main__":
    main()
