"""Why does the validation read land lower than the training read on transformers and recurrent nets?

On the zoo, ``find_lr`` reading the validation loss (``Validation(val_loader)``, 4 batches after every
update) is worse than the training read on transformers and RNNs (``finder_validation.py``): it lands
0.2-1.7 decades under the best rate there. This script measures where the two curves part, landmark by
landmark, on the two families (seeds 0-2; nothing is chosen, so every figure is held out):

* the **blow-up**: the last rate of the sweep, where the stop rule ended it (``*``: it never fired), which
  the anchor reads (half way to ``anchor_decades`` under it);
* the **valley**: the falling crossing :math:`x_{fast}`, the minimum, the drop in noise SDs (which decides
  the weak rule and the second pass);
* the **answer** and its source (sweep, second sweep, stated guess), against the grid-best rate.

The validation sweep is one ``find_lr`` call with every default (interval off), its curve cached in
``benchmarks/results/finder_val_why.json``; the training read is the cached full sweep of
``dev.finder_zoo_data`` replayed under the default stop rule, its answer ``finder_zoo.py``'s reading with
the shipped policy (``dev.finder_zoo_cv``).

::

    flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/finder_val_why.py [--no-record]
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
from dev import finder_zoo_cv as cv  # noqa: E402
from dev import finder_zoo_data as data  # noqa: E402
from dev import zoo_grid  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402
from lrkit import zoo  # noqa: E402
from lrkit.finder import FinderPolicy, valley_geometry  # noqa: E402
from lrkit.torch import Validation, find_lr  # noqa: E402

CACHE = data.RESULTS / "finder_val_why.json"
#: The families where the validation read is behind (``finder_validation.py``).
FAMILIES = ("transformer", "rnn")
#: The shipped candidate of ``finder_zoo.py``: the training read.
SHIPPED = next(c for c in cv.CANDIDATES if c.policy.descent_floor == FinderPolicy().descent_floor
               and c.policy.descent_floor_reading == FinderPolicy().descent_floor_reading)


def _policy(name: str) -> FinderPolicy:
    """The default policy with the anchor's distance ``find_lr`` uses for this optimizer."""
    p = FinderPolicy()
    c = p.memoryless_decades if data.memoryless(name) else p.anchor_decades
    return p.replace(anchor_decades=c, memoryless_decades=c)


def val_sweep(name: str, seed: int) -> dict:
    """The validation read's curve and answer (cached)."""
    store, key = data.load_cache(CACHE), f"{name}|{seed}"
    if key not in store:
        torch.set_num_threads(1)
        parts = zoo.get(name).build(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = find_lr(parts["model"], parts["optimizer"], parts["loss_fn"], parts["train_loader"],
                        validation=Validation(parts["val_loader"]), interval=False, progress=False)
        first = r.meta["passes"][0] if r.meta.get("passes") else None
        store[key] = {"lrs": r.lrs.tolist(), "losses": [v if math.isfinite(v) else None for v in r.losses],
                      "lr": r.suggestion, "source": r.meta.get("source"), "first": first,
                      "stopped": r.stop_reason in ("diverged", "nan")}
        data.save_cache(CACHE)
    return store[key]


def _marks(lrs: np.ndarray, y: np.ndarray, policy: FinderPolicy, stopped: bool) -> dict:
    """The landmarks of one curve (log10 rates), as the rules read them."""
    v = valley_geometry(lrs, y, policy=policy)
    out = {"blow": f"{np.log10(lrs[-1]):.2f}{'' if stopped else '*'}"}
    if isinstance(v, str):
        return out | {"fast": math.nan, "min": math.nan, "signal": 0.0}
    return out | {"fast": v.x_fast, "min": v.x_min, "signal": v.signal}


def cell_rows() -> list[list[str]]:
    rows = []
    names = [n for n in data.workloads() if zoo_grid.status(n) == "ok" and data.family(n) in FAMILIES]
    for n in names:
        best = math.log10(zoo_grid.best(n)[0])
        p = _policy(n)
        for s in data.SEEDS:
            t_lrs, t_y = data.replay(*data.sweep(n, s, 100), p)
            t = _marks(t_lrs, t_y, p, t_lrs.size < data.sweep(n, s, 100)[0].size)
            t_lr, _, t_src = cv.read(n, s, SHIPPED)
            vs = val_sweep(n, s)
            v_lrs = np.asarray(vs["lrs"])
            v_y = np.array([math.nan if x is None else x for x in vs["losses"]])
            # The first pass of the validation read (a second pass's curve replaces it in the result).
            nothing = {"blow": "-", "fast": math.nan, "min": math.nan, "signal": math.nan}
            v = _marks(v_lrs, v_y, p, vs["stopped"]) if vs["source"] != "second sweep" else nothing
            off = [math.nan if lr is None else math.log10(lr) - best for lr in (t_lr, vs["lr"])]
            rows.append([n, str(s), f"{best:.2f}",
                         f"{t['blow']}/{v['blow']}", *[f"{t[k]:.2f}/{v[k]:.2f}" for k in ("fast", "min")],
                         f"{t['signal']:.0f}/{v['signal']:.0f}", f"{off[0]:+.2f}/{off[1]:+.2f}",
                         f"{t_src}/{vs['source']}",
                         f"{cv.proxy(n, t_lr):.1f}/{cv.proxy(n, vs['lr']):.1f}"])
    return rows


HEAD = ["workload", "seed", "best", "blow-up train/val", "x_fast train/val", "minimum train/val",
        "drop (SDs) train/val", "answer - best train/val", "source train/val", "proxy regret train/val"]


def main() -> None:
    parser = arguments(__doc__)
    args = parser.parse_args()
    cpu = time.process_time()
    rows = cell_rows()
    print_table(rows, HEAD)
    cpu = time.process_time() - cpu
    print(f"CPU time {cpu:.0f} s")
    body = ("Per workload and seed, log10 rates of each landmark on the training read's first sweep and "
            "the validation read's (`-`/nan: none, or the answer came from a second sweep), the answer's "
            "distance from the grid-best rate in decades, its source, and the selection proxy's gap "
            "regret:\n\n" + markdown_table(rows, HEAD)
            + f"\n\nCPU time {cpu:.0f} s (cached sweeps not counted).")
    if not args.no_record:
        record("finder_val_why", "Finder: where the validation read parts from the training read", body,
               command="flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/finder_val_why.py")


if __name__ == "__main__":
    main()
