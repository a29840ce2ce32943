"""The zoo's ground truth: constant-rate grids per workload, and full runs at any rate or schedule.

What other benchmarks use::

    import sys; sys.path.insert(0, "benchmarks")
    from dev import zoo_grid as zg
    g = zg.load("rnn-recall-gru-adam")       # Grid: rates, per-seed scored metrics, ...
    lr, mean = zg.best("rnn-recall-gru-adam")  # grid-best rate by the mean over seeds, and that mean
    zg.bests()                                 # {name: (lr, mean)} of every finished grid
    zg.regret("rnn-recall-gru-adam", 0.91)     # 100 * (best - metric) for accuracy: points
    run = zg.run_at("rnn-recall-gru-adam", 0.004, seed=0)   # a full run (cached): Run with history
    runs = zg.run_many([(name, lr, seed, None), ...], workers=2)

**Grid.** Rates ``10 ** (k / 3)`` (3 per decade, rounded to 4 significant digits), at least
:data:`MIN_DECADES` decades, :data:`SEEDS`, each run at the workload's full budget through
``lrkit.tasks.train`` (:func:`dev.zoo_runs.run_one`). The grid-best rate is the rate with the best
mean scored metric over seeds; the grid is extended a decade at a time until that rate is interior
with a rate on each side whose mean regret is at least :data:`CLEARLY_WORSE` (the rates and this
rule: ``dev.zoo_rates``).

**Scores and regret.** A run never scores worse than the untrained model (a diverged run, or one
that ended worse than it started, scores the untrained model's metric: "no better than not
training"). ``regret(name, metric)`` is in a unit that lets families be averaged:

* ``unit="best"`` (default): accuracy metrics in **points** (``100 * (best - metric)``); loss-type
  metrics (``val_loss``, ``val_mse``, ``val_mae``) in **percent of the grid-best value**
  (``100 * (metric - best) / best``). This unit is unbounded where the best loss is small next to
  the untrained one (a regression fitted to its noise floor: up to ~10^3 % for a rate that does
  not train);
* ``unit="gap"``: percent of the improvement the grid-best rate made over the untrained model
  (``100 * (best - metric) / (best - untrained)`` with signs for the metric's direction), bounded
  by 100 for every workload and metric (a diverged run scores exactly 100).

Files (``benchmarks/results/``): ``zoo_grid.json`` (every grid run's record and each workload's
untrained metric), ``zoo_histories/NAME.npz`` (the grid runs' histories, float32), and
``zoo_runs/NAME/*.npz`` (:func:`run_at`'s runs off the grid, one file per run).
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import math
import os
import sys
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
from dev.zoo_rates import (  # noqa: E402,F401 (the grid's rates and rule, read here as zg.NAME)
    CLEARLY_WORSE,
    MAX_DECADES,
    MIN_DECADES,
    PER_DECADE,
    SEEDS,
    START,
    exponent,
    extensions,
    rate,
)
from dev.zoo_runs import Run, pack, read_npz, run_key, run_one, unpack, write_npz  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
GRID_FILE = RESULTS / "zoo_grid.json"
HISTORY_DIR = RESULTS / "zoo_histories"
RUNS_DIR = RESULTS / "zoo_runs"

#: Mean regret within which a rate is "near-optimal" (the band whose width the table reports): one
#: accuracy point or 1% of the best loss.
NEAR_OPTIMAL = 1.0
#: The same in ``unit="gap"``: rates that keep 95% of the best rate's improvement over not training
#: (comparable across metrics, and wider than seed noise where 1% of a small loss is not).
NEAR_OPTIMAL_GAP = 5.0


# -- the grid file ---------------------------------------------------------------------------------
def read_grid() -> dict[str, Any]:
    """``{"workloads": {name: {"untrained", "metric", ...}}, "runs": {name: {key: record}}}``."""
    if not GRID_FILE.exists():
        return {"workloads": {}, "runs": {}}
    return json.loads(GRID_FILE.read_text())


def save_workload(name: str, meta: dict[str, Any], runs: Sequence[Run]) -> None:
    """Merge ``runs`` of workload ``name`` (records and histories) into the grid files, under a lock."""
    with open(GRID_FILE.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        hist_path = HISTORY_DIR / f"{name}.npz"
        arrays = read_npz(hist_path)
        for r in runs:
            arrays.update({f"{run_key(r.lr, r.seed)}/{k}": v for k, v in pack(r).items()})
        write_npz(hist_path, arrays)
        data = read_grid()
        data["workloads"][name] = meta
        stored = data.setdefault("runs", {}).setdefault(name, {})
        stored.update({run_key(r.lr, r.seed): r.record() for r in runs})
        data["about"] = "zoo ground truth: see benchmarks/dev/zoo_grid.py"
        tmp = GRID_FILE.with_name(f".{GRID_FILE.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        os.replace(tmp, GRID_FILE)


def drop_workload(name: str) -> None:
    """Forget every stored grid run of ``name`` (after its definition changed), under the lock."""
    with open(GRID_FILE.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = read_grid()
        data["workloads"].pop(name, None)
        data["runs"].pop(name, None)
        tmp = GRID_FILE.with_name(f".{GRID_FILE.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        os.replace(tmp, GRID_FILE)
        (HISTORY_DIR / f"{name}.npz").unlink(missing_ok=True)
    _CACHE.pop(name, None)


# -- what the others read -------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Grid:
    """One workload's grid: ``metrics[i, j]`` is the scored metric of rate ``lrs[i]``, seed ``seeds[j]``."""

    name: str
    family: str
    metric_name: str
    higher_is_better: bool
    untrained: float
    lrs: np.ndarray
    seeds: tuple[int, ...]
    metrics: np.ndarray
    raw: np.ndarray
    val_loss: np.ndarray
    diverged: np.ndarray
    cpu_s: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        """Mean scored metric per rate."""
        return self.metrics.mean(axis=1)

    @property
    def best_index(self) -> int:
        return int(np.argmax(self.mean) if self.higher_is_better else np.argmin(self.mean))


_CACHE: dict[str, Grid] = {}


def names() -> list[str]:
    """Workloads whose grid is stored (finished or not; see :func:`status`)."""
    return sorted(read_grid()["workloads"])


def load(name: str) -> Grid:
    """The stored grid of ``name`` (complete seeds only; cached per process)."""
    if name in _CACHE:
        return _CACHE[name]
    data = read_grid()
    if name not in data["workloads"]:
        raise KeyError(f"no zoo ground truth for {name!r}; have {sorted(data['workloads'])}")
    meta, recs = data["workloads"][name], [Run.from_record(r) for r in data["runs"][name].values()
                                           if r["schedule"] is None]
    seeds = tuple(sorted({r.seed for r in recs}))
    by = {(r.lr, r.seed): r for r in recs}
    lrs = np.array(sorted(lr for lr in {r.lr for r in recs} if all((lr, s) in by for s in seeds)))

    def table(field: str) -> np.ndarray:
        return np.array([[getattr(by[(lr, s)], field) for s in seeds] for lr in lrs], dtype=float)

    g = Grid(name, meta["family"], meta["metric"], meta["higher_is_better"], meta["untrained"], lrs, seeds,
             table("metric"), table("raw_metric"), table("val_loss"), table("diverged").astype(bool),
             table("cpu_s"))
    _CACHE[name] = g
    return g


def best(name: str) -> tuple[float, float]:
    """The grid-best rate (by the mean scored metric over seeds) and that mean."""
    g = load(name)
    return float(g.lrs[g.best_index]), float(g.mean[g.best_index])


def bests() -> dict[str, tuple[float, float]]:
    """:func:`best` of every workload whose grid is finished (``status == "ok"``)."""
    return {n: best(n) for n in names() if status(n) == "ok"}


def regret(name: str, metric: float | np.ndarray, unit: str = "best") -> float | np.ndarray:
    """How far ``metric`` (a scored metric of ``name``) is behind the grid-best mean (>= 0 is behind).

    ``unit="best"``: accuracy points, or percent of the grid-best loss; ``unit="gap"``: percent of
    the grid-best rate's improvement over the untrained model (see the module docstring).
    """
    g = load(name)
    _, b = best(name)
    m = np.asarray(metric, dtype=float)
    behind = (b - m) if g.higher_is_better else (m - b)
    if unit == "gap":
        out = 100.0 * behind / abs(b - g.untrained)
    elif unit == "best":
        out = 100.0 * behind if g.metric_name == "val_acc" else 100.0 * behind / abs(b)
    else:
        raise ValueError(f"unit must be 'best' or 'gap'; got {unit!r}")
    return float(out) if np.ndim(out) == 0 else out


def band(name: str, tol: float = NEAR_OPTIMAL, unit: str = "best") -> tuple[float, float]:
    """The lowest and highest grid rate whose mean regret (in ``unit``) is within ``tol``
    (a contiguous run around the best: the band stops at the first rate outside it)."""
    g = load(name)
    reg = regret(name, g.mean, unit)
    lo = hi = g.best_index
    while lo > 0 and reg[lo - 1] <= tol:
        lo -= 1
    while hi < len(reg) - 1 and reg[hi + 1] <= tol:
        hi += 1
    return float(g.lrs[lo]), float(g.lrs[hi])


def status(name: str) -> str:
    """``"ok"`` when the stored grid's best is interior with a clearly worse rate on each side and
    spans ``MIN_DECADES``; otherwise what is missing."""
    g = load(name)
    reg = regret(name, g.mean)
    i = g.best_index
    span = math.log10(g.lrs[-1] / g.lrs[0])
    if span < MIN_DECADES - 1e-9:
        return f"spans {span:.2f} decades"
    if i == 0 or i == len(reg) - 1:
        return "best at an edge"
    if reg[:i].max() < CLEARLY_WORSE or reg[i + 1:].max() < CLEARLY_WORSE:
        return "no clearly worse rate on one side"
    return "ok"


# -- runs off the grid ----------------------------------------------------------------------------
def _spec(schedule: Any) -> str | None:
    return None if schedule is None else (schedule if isinstance(schedule, str) else repr(schedule))


def run_path(name: str, lr: float, seed: int, schedule: Any = None, tag: str = "") -> Path:
    """Where :func:`run_at` stores a run off the grid: ``zoo_runs/NAME/KEY{tag}.npz`` (``tag``: the
    machine's, ``dev.autopilot_zoo_runs.MACHINES``; none for the runs stored before tags)."""
    return RUNS_DIR / name / f"{run_key(lr, seed, _spec(schedule))}{tag}.npz"


def run_at(name: str, lr: float, seed: int, schedule: Any = None, tag: str = "") -> Run:
    """A full run of ``name`` at ``lr`` (constant, or ``schedule`` rescaled to peak at ``lr``) and
    ``seed``, with its history: a stored grid run when there is one, else a cached or new run
    (stored under ``benchmarks/results/zoo_runs/NAME/``). With a machine ``tag`` only runs stored under
    it are read (the grid's own runs carry none), and a new run is stored under it."""
    spec = _spec(schedule)
    key = run_key(lr, seed, spec)
    if spec is None and not tag:
        hist = HISTORY_DIR / f"{name}.npz"
        arrays = read_npz(hist) if hist.exists() else {}
        if f"{key}/record" in arrays:
            return unpack(arrays, f"{key}/")
    path = run_path(name, lr, seed, schedule, tag)
    if path.exists():
        return unpack(read_npz(path))
    run = run_one(name, float(lr), int(seed), spec)
    write_npz(path, pack(run))
    return run


def _run_at_args(args: tuple[str, float, int, Any]) -> Run:
    return run_at(*args)


def run_many(requests: Iterable[tuple[str, float, int, Any]], workers: int = 1) -> list[Run]:
    """:func:`run_at` for each ``(name, lr, seed, schedule)``, in ``workers`` processes (at most 2 on
    a shared machine), in the order given."""
    reqs = list(requests)
    if workers <= 1:
        return [_run_at_args(r) for r in reqs]
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(_run_at_args, reqs))
