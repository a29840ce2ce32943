"""One full training run of a zoo workload, recorded with its history, and its on-disk form.

Every zoo ground-truth run and every run at a suggested rate goes through :func:`run_one`: the same
loop (``lrkit.tasks.train``), one torch thread, the workload's full budget, validation at
:data:`EVAL_POINTS` evenly spaced updates and at the end. A :class:`Run` holds:

* ``metric``: the **scored** metric. A run never scores worse than the untrained model (seed 0):
  a diverged run (a loss became NaN or infinite) and a run that ended worse than it started both
  score the untrained model's metric ("no better than not training"), so regrets stay finite;
* ``raw_metric``, ``val_loss``, ``diverged``, ``steps``, ``cpu_s`` (process time of the run);
* ``history``: ``loss``, ``lr``, ``grad_norm`` per update (``loss`` has one more entry than
  ``grad_norm`` when the run diverged: the non-finite loss whose update was not applied), and
  ``eval_step``, ``eval_val_loss``, ``eval_metric`` at the evaluation points (the end included).

Files are written byte-for-byte reproducibly (:func:`write_npz`: fixed zip timestamps), so two
branches that compute the same deterministic run write the same file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import math
import os
import time
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["EVAL_POINTS", "Run", "read_npz", "run_key", "run_one", "write_npz"]

#: Validation points spread evenly over a run (the end is evaluated too).
EVAL_POINTS = 16
_HISTORY_KEYS = ("loss", "lr", "grad_norm", "eval_step", "eval_val_loss", "eval_metric")


@dataclasses.dataclass
class Run:
    """The record of one full run (see the module docstring)."""

    workload: str
    lr: float
    seed: int
    schedule: str | None
    metric: float
    raw_metric: float
    val_loss: float
    diverged: bool
    steps: int
    cpu_s: float
    history: dict[str, np.ndarray] | None = None

    def record(self) -> dict[str, Any]:
        """Plain data without the history (JSON; non-finite floats as ``None``)."""
        d = dataclasses.asdict(self)
        d.pop("history")
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}

    @classmethod
    def from_record(cls, d: dict[str, Any], history: dict[str, np.ndarray] | None = None) -> Run:
        kw = {k: (math.inf if d[k] is None and k in ("raw_metric", "val_loss") else d[k])
              for k in d if k != "history"}
        return cls(**kw, history=history)


def run_key(lr: float, seed: int, schedule: str | None = None) -> str:
    """A run's key within its workload: the rate in ``%.6g``, the seed, and a schedule digest."""
    tail = "constant" if schedule is None else hashlib.sha1(schedule.encode()).hexdigest()[:12]
    return f"{lr:.6g}_{seed}_{tail}"


def run_one(name: str, lr: float, seed: int, schedule: str | None = None) -> Run:
    """Train zoo workload ``name`` for its full budget at ``lr`` (or ``schedule`` peaking at ``lr``)."""
    import torch

    from lrkit import zoo
    from lrkit import RateConflictWarning
    from lrkit.tasks import resolve_schedule, train

    torch.set_num_threads(1)
    w = zoo.get(name)
    info = w.info
    untrained = w.worst()[info.metric]
    norms: list[float] = []

    def grad_norm(step: dict[str, Any]) -> None:
        grads = [p.grad for p in step["model"].parameters() if p.grad is not None]
        norms.append(float(torch.nn.utils.get_total_norm(grads)) if grads else 0.0)

    if schedule is not None:
        # ``schedule`` is a shape and ``lr`` its peak: the level sweep of lrkit's rate rule, so the
        # rule's warning that the two rates differ is expected here and not shown.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RateConflictWarning)
            shaped = resolve_schedule(lr, schedule, info.budget)
    start = time.process_time()
    r = train(w, lr=lr if schedule is None else None, seed=seed,
              schedule=None if schedule is None else shaped, eval_every=max(1, info.budget // EVAL_POINTS),
              callbacks=[grad_norm])
    cpu = time.process_time() - start
    raw = float(r.metric)
    better = (raw > untrained) if info.higher_is_better else (raw < untrained)
    scored = raw if (not r.diverged and math.isfinite(raw) and better) else untrained
    evals = [h for h in r.history if info.metric in h]
    history = {
        "loss": np.array([h["train_loss"] for h in r.history], dtype=np.float32),
        "lr": np.array([h["lr"] for h in r.history], dtype=np.float32),
        "grad_norm": np.array(norms, dtype=np.float32),
        "eval_step": np.array([h["step"] + 1 for h in evals], dtype=np.int32),
        "eval_val_loss": np.array([h.get("val_loss", math.nan) for h in evals], dtype=np.float32),
        "eval_metric": np.array([h[info.metric] for h in evals], dtype=np.float32),
    }
    return Run(name, float(lr), int(seed), schedule, scored, raw, float(r.final.get("val_loss", math.inf)),
               bool(r.diverged), int(r.steps), round(cpu, 3), history)


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` as a compressed ``.npz`` with fixed timestamps (same arrays, same bytes),
    atomically (a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for key in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asarray(arrays[key]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue())
    os.replace(tmp, path)


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` file (empty if it does not exist)."""
    if not path.exists():
        return {}
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def pack(run: Run) -> dict[str, np.ndarray]:
    """One run as arrays (its record as a JSON string under ``record``)."""
    out = {f"history.{k}": run.history[k] for k in _HISTORY_KEYS} if run.history is not None else {}
    out["record"] = np.array(json.dumps(run.record(), sort_keys=True))
    return out


def unpack(arrays: dict[str, np.ndarray], prefix: str = "") -> Run:
    """The inverse of :func:`pack` (``prefix`` selects one run of a packed workload file)."""
    record = json.loads(str(arrays[f"{prefix}record"]))
    history = {k: arrays[f"{prefix}history.{k}"] for k in _HISTORY_KEYS if f"{prefix}history.{k}" in arrays}
    return Run.from_record(record, history or None)
