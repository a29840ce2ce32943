"""Runs of the no-tuning benchmarks: each method on a built-in task, the Autopilot on the development set.

``loop`` trains a built-in task for its budget with a method (its default optimizer at a given
setup, an LR-free peer, ``ReduceLROnPlateau``, or the Autopilot); ``grid_tuned`` reads the grid-best
constant rate from the sensitivity grid's cache; ``dev_run`` and ``dev_grid`` do the same for the
development families (``dev/finder_dev.py``, ``dev/seq_dev.py``); ``gap_rows`` turns runs into the
table's gaps to grid-tuned; ``cached_run`` keeps each run of ``no_tuning.py`` in :data:`RUNS` (an
Autopilot's under the fingerprint of the default ``AutopilotPolicy``'s fields such a run reads, so a
changed default runs again and an unrelated field does not). Used by ``no_tuning.py``,
``no_tuning_charlm.py`` and ``finder_seq.py``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from dev.autopilot_zoo_runs import cached
from dev.ground_truth import CACHE, GRIDS

from lrkit.tasks import get_task
from lrkit.torch import Autopilot

TASKS = ("diabetes-linear", "wine-logreg", "digits-mlp", "digits-cnn", "charlm-small", "charlm")
RESULTS = Path(__file__).resolve().parents[1] / "results"
#: The LR-free peers, each run as its documentation recommends by ``dev.peers_lrfree`` (quotes there).
PEERS = ("prodigy", "d-adapt", "schedule-free", "dog")
#: Every run of ``no_tuning.py``, keyed ``"method|task|seed|budget"``.
RUNS = RESULTS / "no_tuning_runs.json"


#: Fields of the probe's nested ``FinderPolicy`` that an Autopilot never reads: ``find_lr``'s retry and
#: advice (``retry_*``, ``fallback_divisor``), its interval (``replicates`` .. ``min_answered``), its
#: own ``rule="auto"`` choice (``adaptive_rule``, ``sgd_rule``: the Autopilot's kind rules are its own) and
#: the move of its first sweep's answer to the calibrated density (``progress_*``: ``settle``'s).
FINDER_UNREAD = ("retry_sigmas", "retry_decades", "retry_steps", "fallback_divisor", "replicates", "level",
                 "seed_spread", "pilot_ratio", "max_leverage", "min_answered", "adaptive_rule", "sgd_rule",
                 "val_level_floor", "progress_exponent", "progress_max_ratio")
#: ``AutopilotPolicy`` fields read only by a race (inert while ``race_factors`` is empty) and only
#: without a budget (the plateau reaction and its warmup: every cached run is told its budget).
RACE_FIELDS = ("race_fraction", "min_race", "max_race_fraction", "race_score_fraction")
#: Read only after a ramp with no valley under ``no_valley_peak="race"`` (which reads RACE_FIELDS too).
NO_VALLEY_RACE_FIELDS = ("no_valley_race", "no_valley_race_fraction")
#: Read only after a ramp with no valley under ``no_valley_peak="noise"``.
NO_VALLEY_NOISE_FIELDS = ("no_valley_below", "no_valley_quiet")
#: Read only by the main phase's trial (inert while ``trial_factors`` is empty; it reads ``min_race`` too).
TRIAL_FIELDS = ("trial_at", "trial_fraction", "trial_cooldown", "max_trial_fraction")
#: Read only with ``age_correction`` on (the optimizer's step age: ``lrkit.torch._autopilot_age``).
AGE_FIELDS = ("age_horizon", "age_settled", "age_tolerance")
NO_BUDGET_FIELDS = ("check_every", "max_decays", "plateau_decay", "too_high_factor", "too_low_factor",
                    "unknown_budget_probe", "unknown_budget_warmup", "react_to")


#: Opt-in fields and the value that is the behaviour from before they existed: left out of the
#: fingerprint at that value, so the runs stored before them keep their keys (any other value is read,
#: and hashed).
OPT_IN = {"strong_clip_below": None, "adaptive_clip": "band", "no_valley_peak": "guess",
          "trial_factors": (), "age_correction": False}


def run_fields(policy: Any = None) -> dict[str, Any]:
    """The fields of an ``AutopilotPolicy`` (default: the library's) that a run told its budget reads,
    its nested finder's under ``"finder"``: the others cannot change such a run, given these values
    (``tests/benchmarks_dev/test_autopilot_variants.py`` changes each one left out and checks that
    the run stays bit for bit the same)."""
    from lrkit.torch import AutopilotPolicy

    policy = AutopilotPolicy() if policy is None else policy
    finder = {f.name: getattr(policy.finder, f.name) for f in dataclasses.fields(policy.finder)
              if f.name not in FINDER_UNREAD}
    raced = policy.no_valley_peak == "race"
    drop = set(NO_BUDGET_FIELDS) | {"finder"} | (set() if policy.race_factors or raced else set(RACE_FIELDS))
    drop |= set() if raced else set(NO_VALLEY_RACE_FIELDS)
    drop |= set() if policy.no_valley_peak == "noise" else set(NO_VALLEY_NOISE_FIELDS)
    drop |= set() if policy.age_correction else set(AGE_FIELDS)
    if policy.trial_factors:
        drop.discard("min_race")
    else:
        drop |= set(TRIAL_FIELDS)
    kinds = set(policy.anchor_kinds)
    weight = finder["anchor_weight"] if kinds else 0.0
    if not kinds:  # no kind's reading is anchored: no anchor field is read
        del finder["anchor_weight"]
    if weight == 0:  # no blow-up anchor: neither of its distances
        del finder["anchor_decades"], finder["memoryless_decades"]
    else:  # a kind's distance: with momentum (SGD's, Adam's beta1), without (plain SGD, Adagrad, RMSprop)
        if not kinds & {"momentum", "adaptive"}:
            del finder["anchor_decades"]
        if not kinds & {"plain", "adaptive"}:
            del finder["memoryless_decades"]
    if finder["weak_rule"] == "none":  # no weak-valley hand-off: neither its threshold nor its guard
        del finder["weak_rule_sigmas"]
        drop.add("weak_rule_when")
    drop |= {name for name, before in OPT_IN.items() if getattr(policy, name) == before}
    fields = {f.name: getattr(policy, f.name) for f in dataclasses.fields(policy) if f.name not in drop}
    return {**fields, "finder": finder}


def policy_fingerprint(policy: Any = None) -> str:
    """A short hash of :func:`run_fields` of ``policy`` (default: the library's): an Autopilot run cached
    under it is the current default's, and a field no such run reads does not invalidate it."""
    fields = run_fields(policy)
    return hashlib.sha1(repr(sorted({**fields, "finder": sorted(fields["finder"].items())}.items()))
                        .encode()).hexdigest()[:10]


def cached_run(method: str, name: str, seed: int, run: Callable[[], dict[str, Any]], *,
               autopilot: bool = False, budget: int | None = None) -> dict[str, Any]:
    """``run()``'s record, cached in :data:`RUNS` (an Autopilot's under :func:`policy_fingerprint`)."""
    key = f"{method}@autopilot:{policy_fingerprint()}" if autopilot else method
    return cached(key, name, seed, budget or run_budget(name), run, path=RUNS)


def run_budget(name: str) -> int:
    """Updates per run: the sensitivity grid's budget (the task's own, ``charlm``'s cut to 100)."""
    return GRIDS[name].budget


def endless(loader: Any) -> Iterator[Any]:
    """The loader's batches, pass after pass."""
    while True:
        yield from loader


def loop(name: str, seed: int, make_opt: Callable[[Any], Any] | None, *, autopilot: bool = False,
          plateau: bool = False, ap_kwargs: dict[str, Any] | None = None,
          budget: int | None = None) -> dict[str, float]:
    """One run with a custom optimizer setup; returns the metric and the optimizer steps spent."""
    torch.set_num_threads(1)
    task = get_task(name)
    parts = task.build(seed)
    model, loss_fn = parts["model"], parts["loss_fn"]
    opt = make_opt(model.parameters()) if make_opt is not None else parts["optimizer"]
    budget = budget or run_budget(name)
    ap = Autopilot(opt, budget=budget, model=model, **(ap_kwargs or {})) if autopilot else None
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.1, patience=2) if plateau else None
    epoch = max(1, len(parts["train_loader"]))
    if hasattr(opt, "train"):  # Schedule-Free keeps two parameter sequences: train() / eval() switch
        opt.train()
    model.train()
    batches, steps, epoch_losses = endless(parts["train_loader"]), 0, []
    while (not ap.done) if ap is not None else steps < budget:
        x, y = next(batches)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        if not torch.isfinite(loss) and ap is None:
            return {"metric": task.worst()[task.info.metric], "steps": steps + 1, "diverged": 1.0}
        loss.backward()
        if ap is not None:
            ap.step(loss)
        else:
            opt.step()
        steps += 1
        epoch_losses.append(float(loss.detach()))
        if sched is not None and steps % epoch == 0:
            sched.step(float(np.mean(epoch_losses)))
            epoch_losses = []
    if hasattr(opt, "eval"):
        opt.eval()
    metric = float(task.evaluate(model, parts["val_loader"])[task.info.metric])
    if not math.isfinite(metric):
        metric = float(task.worst()[task.info.metric])
    return {"metric": metric, "steps": steps, "diverged": 0.0}


def peer_run(name: str, peer: str, seed: int, budget: int | None = None) -> dict[str, float]:
    """One run of a ``dev.peers_lrfree`` peer (or its ``adam-cosine`` baseline) on a built-in task, at
    the grid's budget: the metric (the task's worst when it diverged) and the updates it made."""
    from dev.peers_lrfree import run_lrfree

    r = run_lrfree(name, peer, seed=seed, budget=budget or run_budget(name))
    return {"metric": r.metric, "steps": r.steps, "diverged": float(r.diverged)}


def grid_tuned(name: str, seeds: list[int],
                budget: int | None = None) -> tuple[dict[int, float], float, int]:
    """Per-seed metric at the grid-best rate, the rate, and the grid's size (runs) from the cache
    (at ``budget``, default the grid's; rates run for every seed only)."""
    g = GRIDS[name]
    runs = json.loads(CACHE.read_text())["runs"] if CACHE.exists() else {}
    recs = [r for r in runs.values() if r["task"] == name and r["optimizer"] == g.optimizer
            and r["budget"] == (budget or g.budget) and r["seed"] in seeds]
    if not recs:
        return {}, math.nan, 0
    hib = recs[0]["higher_is_better"]
    worst = -math.inf if hib else math.inf
    by_lr: dict[float, list[float]] = {}
    for r in recs:
        by_lr.setdefault(r["lr"], []).append(worst if r["metric"] is None else r["metric"])
    full = {lr: v for lr, v in by_lr.items() if len(v) == len(seeds)}
    best = (max if hib else min)(full, key=lambda lr: np.mean(full[lr]))
    per_seed = {r["seed"]: (worst if r["metric"] is None else r["metric"]) for r in recs if r["lr"] == best}
    return per_seed, best, len(recs)


#: The development families: module name (finder_dev's interface) and budgets. The sequence family
#: skips 1500 updates: its grid alone would cost about an hour on two cores.
DEV_FAMILIES = {"tabular": ("dev.finder_dev", (40, 100, 300, 1500)),
                "sequence": ("dev.seq_dev", (40, 100, 300))}
DEV_CACHE = RESULTS / "no_tuning_dev.json"
#: The Autopilot with its probe's choice replaced by the grid-best constant rate (the ramp
#: and the cool-down unchanged): what the structure costs at that rate. Not a method a user can run.
GIVEN_PEAK = "autopilot, grid-best peak"
DEV_VARIANTS = {"autopilot": lambda b: {},
                "session-1 autopilot": lambda b: {"probe": "rollback", "rule": "default",
                                                  "probe_steps": max(20, min(100, round(0.1 * b)))},
                # The same run length, but the Autopilot is not told it (budget=None): a rolled-back
                # probe of 100 updates, then the peak held and the plateau reaction.
                "autopilot, budget not given": lambda b: {"budget": None},
                GIVEN_PEAK: lambda b: {}}  # the default's arguments; dev_table gives it the peak


def dev_run(fam: Any, name: str, opt: str, seed: int, budget: int,
             kwargs: dict[str, Any]) -> tuple[float, int]:
    """One Autopilot run on a development workload: (metric, higher is better; updates spent)."""
    torch.set_num_threads(1)
    p = fam.parts(name, opt, seed)
    model, batches, o = p["model"], p["batches"], p["optimizer"]
    ap = Autopilot(o, **{"budget": budget, **kwargs}, model=model)
    i = 0
    # Without a budget the Autopilot never says it is done: the loop stops after `budget` main updates.
    while not ap.done and not (ap.budget is None and ap.phase == "main" and ap.t >= budget):
        xb, yb = batches[i % len(batches)]
        o.zero_grad()
        loss = p["loss_fn"](model(xb), yb)
        loss.backward()
        ap.step(loss)
        i += 1
    return fam.evaluate(p), i


def dev_grid(fam: Any, name: str, opt: str, budget: int, cache: dict[str, Any]) -> tuple[float, float]:
    """The best mean (over the family's seeds) constant-rate metric of the half-decade grid, and its rate."""
    own = f"{name}/{opt}@{budget}"
    if budget in getattr(fam, "BUDGETS", ()):  # finder_dev's own grids
        grid = json.loads(fam.CACHE.read_text())[fam._key(name, opt, budget)]["grid"]
    else:
        if own not in cache:
            cache[own] = {str(lr): [fam.train(name, opt, lr, s, budget) for s in fam.SEEDS]
                          for lr in fam.GRID}
        grid = cache[own]
    means = {float(lr): float(np.mean(v)) for lr, v in grid.items()}
    best = max(means, key=means.get)
    return means[best], best


HEADERS = ["task", "metric", "method", "mean final metric", "gap to grid-tuned (%)", "standard error (%)",
           "compute (x one run)"]


def gap_rows(name: str, res: dict[str, list[dict[str, float]]], methods: list[str],
              budget: int) -> list[list[Any]]:
    """One :data:`HEADERS` row per method with runs: its mean metric, gap to grid-tuned and compute."""
    task = get_task(name)
    hib = task.info.higher_is_better
    ref_by_seed = [r["metric"] for r in res["grid-tuned"]]
    ref = float(np.mean(ref_by_seed)) if ref_by_seed else math.nan
    rows = []
    for m in methods:
        if not res[m]:
            continue
        metric = float(np.mean([r["metric"] for r in res[m]]))
        compute = float(np.mean([r["steps"] for r in res[m]])) / budget
        # Relative gap to the grid-tuned metric, signed so that positive = worse; its error
        # from the paired per-seed gaps (same seed: same initialization and batch order).
        gap = (ref - metric) / abs(ref) if hib else (metric - ref) / abs(ref)
        per_seed = [(a - r["metric"]) if hib else (r["metric"] - a) for a, r in zip(ref_by_seed, res[m])]
        se = (float(np.std(per_seed, ddof=1) / math.sqrt(len(per_seed))) / abs(ref)
              if len(per_seed) > 1 else math.nan)
        rows.append([name, task.info.metric, m, metric, 100 * gap, 100 * se, compute])
    return rows
