"""The runs of ``benchmarks/autopilot_no_valley_heldout.py``: the Autopilot under a no-valley reading and
the constant-rate ground truth on the workloads of :mod:`dev.no_valley_heldout`, scored like the zoo and
cached in one JSON store (:data:`STORE`).

* :func:`autopilot`: one full run of the library's Autopilot under policy fields (:data:`FLOOR`,
  :data:`RULE`, :func:`given`: every no-valley ramp read at ``r/k``), scored (a run never worse than the
  untrained model), its probe's losses kept;
* :func:`grid`: constant rates three per decade at seeds 0-2, widened as the zoo's grid is
  (``dev.zoo_rates.extensions``); :func:`best_of`, :func:`trains` and :func:`regret` (gap %) read it;
* :func:`probe`: the floor's probe alone (cheap: which candidates have a ramp the rule reads);
* :func:`at_floor`, :func:`noise`, :func:`ramp`: whether a run's ramp had no valley and blew up, and how
  the rule reads its batch noise (``lrkit.finder.noise_scale`` over the median loss, as
  ``no_valley_peak="noise"`` does).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from dev import no_valley_heldout as held
from dev import zoo_rates as zr
from dev.autopilot_zoo_runs import cached, scored, training_losses
from dev.peers_common import one_thread

from lrkit.finder import noise_scale
from lrkit.tasks import train
from lrkit.torch import Autopilot, AutopilotPolicy

__all__ = ["FLOOR", "GIVEN_K", "LEAN", "NOISY_K", "QUIET_K", "RULE", "SEEDS", "STORE", "at_floor",
           "autopilot", "best_of", "complete", "constant_run", "given", "given_ks", "grid", "library_run",
           "noise", "probe", "ramp", "regret", "trains"]

STORE = Path(__file__).resolve().parents[1] / "results" / "autopilot_no_valley_heldout.json"
SEEDS = (0, 1, 2, 3, 4, 5)
#: The divisors given on every ramp at the floor (30 is the floor itself).
GIVEN_K = (3, 10, 30, 100, 300)
QUIET_K, NOISY_K = 10, 100
#: The workloads added in session 17, when heavy runs were scarce: each of their ramps at the floor is
#: given r/10 and r/100 alone; its r/30 is the floor's run and the rule's is its k's (the two identities
#: session 16 checked bit for bit on every other workload).
LEAN = frozenset({"sigmoid-deep3-plain", "sigmoid-deep4-momentum", "sigmoid-blobs4-plain",
                  "relu-smallinit-digits-momentum", "relu-smallinit-blobs-momentum", "cnn-tinyinit-momentum"})
#: The variants: the floor, then the rule as it ships (its fields named, whatever the default is).
FLOOR = {"no_valley_peak": "floor"}
RULE = {"no_valley_peak": "noise", "no_valley_below": (float(QUIET_K), float(NOISY_K)),
        "no_valley_quiet": 0.03}


def given_ks(name: str) -> tuple[int, ...]:
    """The divisors each of ``name``'s ramps at the floor is given (:data:`LEAN`'s: r/10 and r/100)."""
    return (QUIET_K, NOISY_K) if name in LEAN else GIVEN_K


def given(k: float) -> dict[str, Any]:
    """The policy fields reading every no-valley ramp at ``r/k``."""
    return {"no_valley_peak": "noise", "no_valley_below": (float(k), float(k))}


def _key(fields: dict[str, Any]) -> str:
    return "ap|" + ",".join(f"{k}={fields[k]}" for k in sorted(fields))


def autopilot(name: str, seed: int, fields: dict[str, Any], run: bool) -> dict[str, Any] | None:
    """One full Autopilot run under ``fields`` (on the library's policy), scored; ``None`` when not stored
    and ``run`` is false."""
    w = held.candidate(name)
    return _cached(_key(fields), name, seed, w.info.budget, lambda: library_run(w, seed, fields), run)


def library_run(w: Any, seed: int, fields: dict[str, Any]) -> dict[str, Any]:
    """Workload ``w``'s full run under the library's Autopilot with policy ``fields``, told its budget, one
    thread, warnings silenced: its score, raw metric, peak, how its probe read the ramp, where the ramp
    blew up and the probe's losses (the record every held-out store of these runs keeps)."""
    with one_thread(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parts = w.build(seed)
        ap = Autopilot(parts["optimizer"], budget=w.info.budget, model=parts["model"],
                       policy=AutopilotPolicy(**fields))
        for loss in training_losses(ap, parts):
            ap.step(loss)
        raw = float(w.evaluate(parts["model"], parts["val_loader"])[w.info.metric])
    first = ap.events[0]
    return {"metric": scored(w, raw, not math.isfinite(raw)), "raw_metric": raw, "peak": float(ap.peak),
            "how": first["how"], "diverged_at": first["diverged_at"],
            "probe_losses": [float(v) for v in ap.probe_losses]}


def probe(name: str, seed: int, run: bool) -> dict[str, Any] | None:
    """The floor's probe alone (the start of its full run, stopped once the peak is read): how it read
    the ramp, where it blew up, its losses; the full run's record when that is stored."""
    w = held.candidate(name)
    full = autopilot(name, seed, FLOOR, False)
    if full is not None:
        return full

    def fresh() -> dict[str, Any]:
        with one_thread(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parts = w.build(seed)
            ap = Autopilot(parts["optimizer"], budget=w.info.budget, model=parts["model"],
                           policy=AutopilotPolicy(**FLOOR))
            for loss in training_losses(ap, parts):
                ap.step(loss)
                if ap.events and "how" in ap.events[0]:
                    break
        first = ap.events[0]
        return {"how": first["how"], "diverged_at": first["diverged_at"],
                "probe_losses": [float(v) for v in ap.probe_losses]}

    return _cached("probe|" + _key(FLOOR), name, seed, w.info.budget, fresh, run)


def _cached(method: str, name: str, seed: int, budget: int, fresh: Any, run: bool) -> dict[str, Any] | None:
    if not run:
        try:
            return cached(method, name, seed, budget, _missing, STORE)
        except LookupError:
            return None
    return cached(method, name, seed, budget, fresh, STORE)


def _missing() -> dict[str, Any]:
    raise LookupError("not stored")


def at_floor(rec: dict[str, Any]) -> bool:
    """Whether the floor's run read a ramp with no valley that blew up (the ramps the rule reads)."""
    return "taken at the band's floor" in rec["how"]


def noise(rec: dict[str, Any]) -> float:
    """The ramp's batch noise over its median loss, as ``no_valley_peak="noise"`` reads it."""
    y = np.asarray(rec["probe_losses"], dtype=float)
    y = y[np.isfinite(y)]
    return float(noise_scale(y) / np.median(np.abs(y)))


def ramp(rec: dict[str, Any]) -> str:
    """``"quiet"`` or ``"noisy"``, as the rule reads a ramp at the floor."""
    return "quiet" if noise(rec) < RULE["no_valley_quiet"] else "noisy"


def grid(name: str, run: bool) -> dict[float, list[float]] | None:
    """Rate -> scored metrics at seeds 0-2 of constant-rate runs, widened as the zoo's grid is (``None``: a
    run is not stored and ``run`` is false)."""
    w = held.candidate(name)
    info = w.info
    done: dict[float, list[float]] = {}
    for _ in range(2 * zr.MAX_DECADES):
        todo = zr.extensions(name, info.default_optimizer, done, info.higher_is_better)
        if not todo:
            break
        for k in todo:
            recs = [_cached(f"constant|{zr.rate(k):.4g}", name, s, info.budget,
                            lambda: constant_run(w, zr.rate(k), s), run) for s in zr.SEEDS]
            if any(r is None for r in recs):
                return None
            done[zr.rate(k)] = [r["metric"] for r in recs]
    return done


def constant_run(w: Any, lr: float, seed: int) -> dict[str, Any]:
    """Workload ``w`` trained at the constant rate ``lr`` (one thread, warnings silenced), scored: the grid's
    one run."""
    with one_thread(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = train(w, lr=lr, seed=seed)
    return {"metric": scored(w, float(r.metric), r.diverged), "raw_metric": float(r.metric)}


def best_of(g: dict[float, list[float]], higher: bool) -> tuple[float, float]:
    lrs = sorted(g)
    means = [float(np.mean(g[lr])) for lr in lrs]
    i = int(np.argmax(means) if higher else np.argmin(means))
    return lrs[i], means[i]


def trains(name: str, g: dict[float, list[float]]) -> bool:
    """Whether the grid-best rate clearly trains: beats the untrained model by ``zoo_rates.CLEARLY_WORSE``
    (accuracy points, or percent of the best loss); a workload no rate trains has no gap to measure in."""
    info = held.candidate(name).info
    untrained = float(held.candidate(name).worst()[info.metric])
    _, b = best_of(g, info.higher_is_better)
    gain = 100.0 * (b - untrained) if info.higher_is_better else 100.0 * (untrained - b) / abs(b)
    return gain >= zr.CLEARLY_WORSE


def regret(name: str, metric: float, g: dict[float, list[float]]) -> float:
    """Gap %: behind the grid-best mean, as a percent of its gain over the untrained model."""
    info = held.candidate(name).info
    untrained = float(held.candidate(name).worst()[info.metric])
    _, b = best_of(g, info.higher_is_better)
    behind = (b - metric) / (b - untrained) if info.higher_is_better else (metric - b) / (untrained - b)
    return 100.0 * behind


def complete(name: str, run: bool) -> bool:
    """Whether every run of ``name`` parts three to five read is stored (or may be run)."""
    floor = [autopilot(name, s, FLOOR, run) for s in SEEDS]
    need = [(s, v) for s, f in zip(SEEDS, floor) if f is not None and at_floor(f)
            for v in (*[given(k) for k in given_ks(name)], *([] if name in LEAN else [RULE]))]
    return None not in floor and all(autopilot(name, s, v, run) is not None for s, v in need)
