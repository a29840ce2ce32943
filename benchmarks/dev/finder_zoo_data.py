"""The finder benchmark's data on the zoo: raw sweeps, real ``find_lr`` answers, the peers' answers.

Everything is cached in ``benchmarks/results/`` and computed on demand, one thread, seeds
:data:`SEEDS` (the zoo grid's, so a suggestion's full run is the grid's run when it hits a grid rate):

* ``finder_zoo_sweeps.json``: per workload, seed and sweep length, the raw curve of one ``find_lr``
  sweep over ``1e-7 .. 10`` recorded to its end (the stop rule disabled: ``diverge_threshold`` huge).
  The stop rule is causal, so replaying it on the full curve (:func:`replay`) gives, loss for loss,
  the sweep ``find_lr`` would have run with any candidate policy; every rule reads it offline.
* ``finder_zoo_answers.json``: real ``find_lr`` answers (suggestion, interval, source, updates) per
  workload, seed, sweep length and policy: where a second pass decides (it depends on the first
  pass's outcome) and for the final scoring.
* ``finder_zoo_peers.json``: each peer's suggestion (``dev.peers_finders``), per workload and seed.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lrkit import zoo
from lrkit.finder import MIN_STEPS, DivergenceMonitor, FinderPolicy, Sweep
from lrkit.torch import find_lr

__all__ = ["SEEDS", "START", "END", "answer", "family", "adaptive", "load_cache", "memoryless", "peers",
           "replay", "save_cache", "sweep", "workloads"]

RESULTS = Path(__file__).resolve().parents[1] / "results"
SWEEPS_FILE = RESULTS / "finder_zoo_sweeps.json"
ANSWERS_FILE = RESULTS / "finder_zoo_answers.json"
PEERS_FILE = RESULTS / "finder_zoo_peers.json"
#: The seeds of every sweep and every full run (the zoo grid's).
SEEDS = (0, 1, 2)
#: The range of every first sweep: ``find_lr``'s default.
START, END = Sweep().start, Sweep().end
#: The revision of ``find_lr``'s second pass and fallback that an answer comes from, part of its cache key
#: from 2 on. 1: a second pass's valley read from its own top, the blow-up cut back over its run of high
#: losses. 2: a second pass's descent and blow-up judged against the first pass's starting level, the
#: blow-up where the stop rule fired (the anchor's definition). Only the current one can be computed;
#: an earlier one's answers are read from the cache (side-by-side checks of a change).
MECHANICS = 2
#: Records the whole sweep: no loss rises 1e12 times the progress, so the stop rule never fires.
_NO_STOP = FinderPolicy(diverge_threshold=1e12)

_MEMO: dict[Path, dict[str, Any]] = {}


def load_cache(path: Path) -> dict[str, Any]:
    """The JSON cache at ``path`` (empty if none), read once per process and shared by every caller."""
    if path not in _MEMO:
        _MEMO[path] = json.loads(path.read_text()) if path.exists() else {}
    return _MEMO[path]


def save_cache(path: Path) -> None:
    """Write :func:`load_cache`'s dict of ``path`` back, atomically (a reader never sees half a file)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(_MEMO[path], sort_keys=True, indent=0) + "\n")
    os.replace(tmp, path)


def workloads() -> list[str]:
    """Every zoo workload's name, sorted."""
    return sorted(zoo.names())


def family(name: str) -> str:
    return zoo.get(name).info.family


def adaptive(name: str) -> bool:
    """Whether the workload's optimizer is of the adaptive kind (``rule="auto"``'s split, as ``find_lr`` read
    it)."""
    sweep(name, SEEDS[0])
    return bool(load_cache(SWEEPS_FILE)[f"{name}|{SEEDS[0]}|100"]["adaptive"])


def memoryless(name: str) -> bool:
    """Whether the workload's optimizer steps without momentum (``find_lr``'s
    ``meta["optimizer"]["momentum"]`` is 0), so ``find_lr`` anchors it ``FinderPolicy.memoryless_decades``
    below the blow-up."""
    data, key = load_cache(SWEEPS_FILE), f"{name}|momentum"
    if key not in data:
        res = _find(name, SEEDS[0], sweep=Sweep(START, END, MIN_STEPS), policy=_NO_STOP, retry=False,
                    interval=False)
        data[key] = float(res.meta["optimizer"]["momentum"])
        save_cache(SWEEPS_FILE)
    return data[key] == 0


def _find(name: str, seed: int, *, sweep: Sweep, policy: FinderPolicy, **kwargs: Any) -> Any:
    torch.set_num_threads(1)
    parts = zoo.get(name).build(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return find_lr(parts["model"], parts["optimizer"], parts["loss_fn"], parts["train_loader"],
                       sweep=sweep, policy=policy, **kwargs)


def sweep(name: str, seed: int, num_steps: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """The full raw curve ``(lrs, losses)`` of a ``num_steps`` sweep (to the end, or a non-finite loss)."""
    data, key = load_cache(SWEEPS_FILE), f"{name}|{seed}|{num_steps}"
    if key not in data:
        res = _find(name, seed, sweep=Sweep(START, END, num_steps), policy=_NO_STOP, retry=False,
                    interval=False)
        data[key] = {"lrs": res.lrs.tolist(),
                     "losses": [v if np.isfinite(v) else None for v in res.losses.tolist()],
                     "adaptive": bool(res.meta["optimizer"]["adaptive"])}
        save_cache(SWEEPS_FILE)
    d = data[key]
    return np.asarray(d["lrs"]), np.array([np.nan if v is None else v for v in d["losses"]])


def replay(lrs: np.ndarray, losses: np.ndarray, policy: FinderPolicy) -> tuple[np.ndarray, np.ndarray]:
    """The part of a full curve a sweep with ``policy``'s stop rule records (to the stop or a non-finite
    loss)."""
    monitor = DivergenceMonitor(policy=policy)
    for i, v in enumerate(losses.tolist()):
        if not np.isfinite(v) or monitor.update(v):
            return lrs[: i + 1], losses[: i + 1]
    return lrs, losses


def answer(name: str, seed: int, policy: FinderPolicy, num_steps: int = 100, *,
           interval: bool = False, mechanics: int = MECHANICS) -> dict[str, Any]:
    """A real ``find_lr`` (``rule="auto"``, retry on) answer with ``policy``: suggestion, interval, source,
    updates (``mechanics`` other than :data:`MECHANICS`: from the cache only)."""
    data = load_cache(ANSWERS_FILE)
    # Every field spelled out, so a key keeps its meaning when the shipped defaults change.
    fields = policy.to_dict()
    del fields["val_level_floor"]  # read only in validation mode: not by these training-loss sweeps
    if policy.memoryless_decades == policy.anchor_decades:  # one distance: the key from before the split
        del fields["memoryless_decades"]
    if policy.descent_floor == 0:  # without the floor, the key of a policy from before it existed
        del fields["descent_floor"]
    if policy.descent_floor == 0 or policy.descent_floor_reading == "descent":  # the key from before it
        del fields["descent_floor_reading"]
    if policy.retry_descent_floor == 0:  # the second pass unfloored: the key from before the field
        del fields["retry_descent_floor"]
    if policy.progress_exponent == 0 or num_steps == Sweep().num_steps:  # the density move moves nothing:
        del fields["progress_exponent"], fields["progress_max_ratio"]  # the key from before it existed
    if policy.anchor_weight == 0:  # without the anchor, the key of a policy from before it existed
        fields = {k: v for k, v in fields.items() if k not in ("anchor_weight", "anchor_decades",
                                                              "memoryless_decades")}
    key = f"{name}|{seed}|{num_steps}|{interval}|" + json.dumps(fields, sort_keys=True, separators=(",", ":"))
    key += f"|m{mechanics}" if mechanics > 1 else ""
    if key not in data and mechanics != MECHANICS:
        raise KeyError(f"no cached answer of find_lr revision {mechanics}: {key}")
    if key not in data:
        res = _find(name, seed, sweep=Sweep(START, END, num_steps), policy=policy, interval=interval)
        data[key] = {"lr": res.suggestion, "interval": None if res.interval is None else list(res.interval),
                     "interval_batch": res.meta.get("interval_batch"),
                     "source": res.meta["source"], "updates": res.meta["updates"], "rule": res.rule,
                     "reason": res.reason}
        save_cache(ANSWERS_FILE)
    return data[key]


def peers(name: str, seed: int) -> dict[str, dict[str, Any]]:
    """Each peer's answer on the workload built with ``seed``: ``{peer: {"lr", "steps", "reason"}}``."""
    data, key = load_cache(PEERS_FILE), f"{name}|{seed}"
    if key not in data:
        from dev.peers_finders import run_finder_peers

        found = run_finder_peers(zoo.get(name), seed=seed)
        data[key] = {r.peer: {"lr": r.lr, "steps": r.steps, "reason": r.reason, "source": r.source}
                     for r in found}
        save_cache(PEERS_FILE)
    return data[key]
