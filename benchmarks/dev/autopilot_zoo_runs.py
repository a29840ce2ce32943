"""Full runs without a given rate (the Autopilot, its development variants, the LR-free peers), scored
like the zoo's ground truth and cached in one JSON file.

Every method gets the same protocol as ``dev.zoo_runs.run_one``: ``task.build(seed)`` (the same
initial weights and batch order for every method), one torch thread, the workload's own budget,
``task.evaluate`` at the end. A run's **scored** metric never is worse than the untrained model's:
a diverged run, or one that ends worse than it started, scores the untrained model
(``task.worst()``), as every grid run does, so regrets stay finite and comparable.

* :func:`run_autopilot`: the Autopilot told the budget (``variant``: :func:`make_autopilot`'s; ``{}``
  is the library's Autopilot);
  ``steps`` counts every update it made (a ramp's refund included);
* :func:`run_nobudget`: the Autopilot not told its budget (``budget=None``: a probe, then reactions to
  its diagnoses), stepped for the workload's own number of batches;
* :func:`run_peer`: a ``dev.peers_lrfree`` peer, configured as its documentation recommends.

:func:`cached` stores each record under ``"method|workload|seed|budget"`` in :data:`STORE` (a lock
makes it safe for two processes), so a table can be rebuilt without re-running anything.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from dev.peers_common import cpu_clock, endless, one_thread
from dev.peers_common import resolve_task as _builtin

__all__ = ["STORE", "AP", "HERE", "LEGACY", "MACHINES", "NOBUDGET_LEGACY", "batched", "cached", "machine_of",
           "make_autopilot", "paired", "policy_of", "reads_as", "resolve_task", "store",
           "run_autopilot", "run_nobudget", "run_peer", "scored", "training_losses", "variant_key"]

STORE = Path(__file__).resolve().parents[1] / "results" / "autopilot_runs.json"
#: The store's method prefix of the Autopilot that pays every update from its budget. Records under
#: ``"ap:"`` were made before, when a ramp's undone updates were refunded (up to 1.1 budgets).
AP = "ap2:"
#: The machine of a store key's method (its ``@tag``; no tag: runs stored before tags existed). The
#: untagged peers' and adam-cosine's runs were made on the AMD EPYC machine of session 5 (BENCHMARKS.md,
#: ``autopilot_zoo`` of 2026-12-05; 24 of 60 of them made again on the Xeon differ, session 16), the
#: untagged Autopilot runs on several machines before it; ``@2026-12-06`` (the Autopilot's runs made again in
#: session 16) and ``@xeon`` (the peers' made again in session 17) on the Intel Xeon of sessions 10-17.
MACHINES = {"": "before tags (AMD EPYC for the peers)", "@2026-12-06": "Intel Xeon", "@xeon": "Intel Xeon"}
#: The tag of the machine a run made now is stored under (``@xeon``: the Intel Xeon of sessions 10-17).
HERE = "@xeon"


def machine_of(key: str) -> str:
    """The machine a store key's run was made on (:data:`MACHINES`), from its method's ``@tag``.

    Example:
        >>> machine_of("prodigy|tabular-wine-adam|0|300"), machine_of("prodigy@xeon|tabular-wine-adam|0|300")
        ('before tags (AMD EPYC for the peers)', 'Intel Xeon')
    """
    method = key.split("|", 1)[0]
    tag = method[method.rindex("@"):] if "@" in method else ""
    if tag not in MACHINES:
        raise ValueError(f"store key {key!r}: machine tag {tag!r} is not one of {sorted(MACHINES)}")
    return MACHINES[tag]


def paired(keys: dict[str, str]) -> str:
    """The one machine every run of a comparison (``label -> store key``) was made on; a ``ValueError``
    naming each label's machine when they differ, so runs of two machines are never set side by side.

    Example:
        >>> paired({"autopilot": "ap2:x@2026-12-06|w|0|300", "prodigy": "prodigy@xeon|w|0|300"})
        'Intel Xeon'
    """
    where = {label: machine_of(k) for label, k in keys.items()}
    if len(set(where.values())) > 1:
        raise ValueError("runs of different machines compared side by side: "
                         + ", ".join(f"{label} on {m}" for label, m in where.items()))
    return next(iter(where.values()), MACHINES[HERE])


#: Policy fields added after runs were stored, at the values that reproduce the Autopilot before them:
#: a variant that does not name one ran without it (so the store's keys keep their meaning).
LEGACY = {"anchor_kinds": (), "no_valley_peak": "guess", "plain_factor": 1.0,
          "adaptive_progress_exponent": 0.0}


#: The no-budget fields at the values the runs stored under ``"nobudget:..."`` ran with (session 12's
#: defaults): :func:`run_nobudget` starts from them, so a store key names its run's departures from these
#: whatever the library's defaults are now.
NOBUDGET_LEGACY = {"check_every": 100, "max_decays": 3, "plateau_decay": 0.1, "too_high_factor": 0.5,
                   "too_low_factor": 3.0, "unknown_budget_probe": "rollback", "unknown_budget_warmup": 100,
                   "react_to": "fired", "plain_factor": 1.0, "adaptive_progress_exponent": 0.0,
                   "no_valley_peak": "floor"}


#: Policy fields only an adaptive optimizer's reading reads (:func:`reads_as` drops them for the others).
ADAPTIVE_ONLY = ("strong_clip_below", "adaptive_clip", "adaptive_edge_weight",
                 "adaptive_progress_exponent")
#: Policy fields only plain SGD's reading reads: left out of the other kinds' keys, except in a variant
#: that sets a factor per kind (sessions 3-11 named all three, ``plain_factor`` at 1 too: those keys stay).
PLAIN_ONLY = ("plain_peak", "plain_factor")
PER_KIND = ("adaptive_factor", "momentum_factor")


def resolve_task(task: Any) -> Any:
    """A Task, given one, a zoo workload's name or a built-in task's name."""
    if isinstance(task, str):
        from lrkit import zoo

        if task in zoo.registry:
            return zoo.get(task)
    return _builtin(task)


def scored(task: Any, raw: float, diverged: bool) -> float:
    """The run's metric as the zoo scores it: never worse than the untrained model's."""
    info = task.info
    untrained = float(task.worst()[info.metric])
    better = raw > untrained if info.higher_is_better else raw < untrained
    return float(raw) if (not diverged and math.isfinite(raw) and better) else untrained


def variant_key(variant: dict[str, Any]) -> str:
    """A stable name for a variant (``"default"`` for the library's Autopilot)."""
    if not variant:
        return "default"
    return ",".join(f"{k}={variant[k]}" for k in sorted(variant))


def reads_as(variant: dict[str, Any], kind: str) -> dict[str, Any]:
    """``variant`` as a workload whose optimizer is of ``kind`` (``lrkit.torch.optimizer_kind``) reads
    it: the blow-up anchor, and the weak-valley reading it licenses (``weak_rule_when=
    "turned-or-anchored"``), left out where ``anchor_kinds`` does not name the kind; the floor under a
    strong valley (``strong_clip_below``) and the adaptive readings' clip (``adaptive_clip``), read for
    adaptive optimizers only, left out for the other kinds, as plain SGD's (:data:`PLAIN_ONLY`) are for
    every kind but plain SGD unless the variant sets a factor per kind (:data:`PER_KIND`); a field at
    its :data:`LEGACY` value (how the runs stored before it ran), left out. The run is then bit for bit
    the one without them (``tests/benchmarks_dev/test_autopilot_variants.py``), so the store keeps it once.

    Example:
        >>> v = {"anchor_kinds": ["momentum"], "weak_rule_when": "turned-or-anchored"}
        >>> reads_as(v, "adaptive"), reads_as(v, "momentum") == v
        ({'weak_rule_when': 'turned'}, True)
        >>> reads_as({**v, "no_valley_peak": "guess"}, "momentum") == v  # LEGACY's value: the stored key
        True
        >>> reads_as({**v, "plain_factor": 2.0}, "momentum") == v, reads_as({"plain_factor": 2.0}, "plain")
        (True, {'plain_factor': 2.0})
    """
    # a field at its LEGACY value is how every run that does not name it ran: named or not, one key
    named = any(k in variant for k in PER_KIND)  # a factor per kind: every one kept as named
    out = {k: v for k, v in variant.items() if (k not in ADAPTIVE_ONLY or kind == "adaptive")
           and (k not in PLAIN_ONLY or kind == "plain" or named)
           and not (k in LEGACY and v == LEGACY[k] and not (named and k in PLAIN_ONLY))}
    if kind in variant.get("anchor_kinds", LEGACY["anchor_kinds"]):
        return out
    out = {k: v for k, v in out.items() if k != "anchor_kinds"}
    if out.get("weak_rule_when") == "turned-or-anchored":
        out["weak_rule_when"] = "turned"
    return out


def policy_of(variant: dict[str, Any] | None) -> Any:
    """The ``AutopilotPolicy`` of a :func:`make_autopilot` variant (``given`` left out)."""
    from lrkit.torch import AutopilotPolicy

    v = {**LEGACY, **{k: val for k, val in (variant or {}).items() if k != "given"}}
    if "schedule" in v:
        v["main_shape"] = v.pop("schedule")
    finder = {k[len("finder_"):]: v.pop(k) for k in list(v) if k.startswith("finder_")}
    if finder:
        v["finder"] = AutopilotPolicy().finder.replace(**finder)
    return AutopilotPolicy(**v)


def make_autopilot(optimizer: Any, budget: int, model: Any, variant: dict[str, Any] | None = None) -> Any:
    """The library's Autopilot under a variant: ``given`` (a peak rate, replacing the probe's choice),
    ``schedule`` (``AutopilotPolicy.main_shape``), ``finder_*`` (a field of the probe's nested
    ``FinderPolicy``), any other key an ``AutopilotPolicy`` field."""
    from lrkit.torch import Autopilot

    return Autopilot(optimizer, budget=budget, model=model, peak=(variant or {}).get("given"),
                     policy=policy_of(variant))


def training_losses(ap: Any, parts: dict[str, Any]) -> Any:
    """The loop of a run on a built task (``task.build(seed)``'s ``parts``): each update's loss, its
    gradients computed, until the Autopilot ``ap`` is done (the caller steps it)."""
    model, opt, loss_fn = parts["model"], parts["optimizer"], parts["loss_fn"]
    model.train()
    batches = endless(parts["train_loader"])
    while not ap.done:
        x, y = next(batches)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        yield loss


def run_autopilot(task: Any, seed: int = 0, budget: int | None = None,
                  variant: dict[str, Any] | None = None) -> dict[str, Any]:
    """One full run of the Autopilot (under a :func:`make_autopilot` variant) on ``task``, told the budget."""
    task = resolve_task(task)
    info = task.info
    budget = int(info.budget if budget is None else budget)
    with one_thread():
        parts = task.build(seed)
        model, opt = parts["model"], parts["optimizer"]
        with cpu_clock() as clock:
            ap = make_autopilot(opt, budget, model, variant)
            for loss in training_losses(ap, parts):
                ap.step(loss)
            metrics = task.evaluate(model, parts["val_loader"])
    raw = float(metrics.get(info.metric, math.nan))
    diverged = not math.isfinite(raw)
    faults = [e for e in ap.events if "fault" in e]
    first = ap.events[0]  # what the probe saw, for scoring other peak rules offline (autopilot_peak)
    return {"metric": scored(task, raw, diverged), "raw_metric": raw, "diverged": diverged,
            "steps": int(ap.total_steps), "budget": budget, "cpu_s": round(clock.seconds, 3),
            "peak": ap.peak, "probe_steps": ap.probe_steps, "how": ap.events[0]["how"],
            "faults": len(faults), "scale": ap.scale, "diverged_at": first["diverged_at"],
            "rule": ap.rule, "probe_lrs": [float(v) for v in ap.probe_lrs],
            "probe_losses": [float(v) for v in ap.probe_losses],
            **_trial_of(ap)}


def _trial_of(ap: Any) -> dict[str, Any]:
    """The trial's event (``AutopilotPolicy.trial_factors``) as ``{"trial": ...}``, or nothing (no trial
    ran: the record's fields are the ones stored before trials existed)."""
    found = [e for e in ap.events if "trial" in e]
    return {"trial": found[0]} if found else {}


def run_nobudget(task: Any, seed: int = 0, budget: int | None = None,
                 variant: dict[str, Any] | None = None) -> dict[str, Any]:
    """One run of the Autopilot without a budget (``budget=None``; its policy :data:`NOBUDGET_LEGACY`
    updated with ``variant``) on ``task`` for ``budget`` batches (default: the task's own), scored; its
    reactions (update, verdict, the rate's scale after it, the diagnosis) and its probe's reading kept."""
    from lrkit.torch import Autopilot, AutopilotPolicy

    task = resolve_task(task)
    budget = int(task.info.budget if budget is None else budget)
    with one_thread():
        parts = task.build(seed)
        model, opt, loss_fn = parts["model"], parts["optimizer"], parts["loss_fn"]
        with cpu_clock() as clock:
            policy = AutopilotPolicy(**{**NOBUDGET_LEGACY, **(variant or {})})
            ap = Autopilot(opt, budget=None, model=model, policy=policy)
            model.train()
            batches = endless(parts["train_loader"])
            for _ in range(budget):
                x, y = next(batches)
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(x), y)
                loss.backward()
                ap.step(loss)
            metrics = task.evaluate(model, parts["val_loader"])
    raw = float(metrics.get(task.info.metric, math.nan))
    diverged = not math.isfinite(raw)
    reactions = [{"t": e["t"], "reaction": e["reaction"], "scale": e["scale"], "diagnosis": e["diagnosis"]}
                 for e in ap.events if "reaction" in e]
    first = ap.events[0] if ap.events and "probe" in ap.events[0] else {}
    return {"metric": scored(task, raw, diverged), "raw_metric": raw, "diverged": diverged,
            "cpu_s": round(clock.seconds, 3), "peak": ap.peak, "scale": ap.scale, "reactions": reactions,
            "probe_steps": ap.probe_steps, "how": first.get("how"), "mode": first.get("mode"),
            "faults": sum("fault" in e for e in ap.events)}


def run_peer(task: Any, peer: str, seed: int = 0, budget: int | None = None) -> dict[str, Any]:
    """One full run of an LR-free peer (``dev.peers_lrfree``), scored like the grid."""
    from dev.peers_lrfree import run_lrfree

    task = resolve_task(task)
    r = run_lrfree(task, peer, seed=seed, budget=budget)
    raw = r.metric if not r.diverged else math.nan
    return {"metric": scored(task, raw, r.diverged), "raw_metric": r.metric, "diverged": r.diverged,
            "steps": r.steps, "budget": r.budget, "cpu_s": round(r.cpu_s, 3)}


_READ: dict[Path, tuple[int, dict[str, Any]]] = {}


def _read(path: Path) -> dict[str, Any]:
    """The store's records, parsed again only when the file changed (a table reads it thousands of times)."""
    if not path.exists():
        return {}
    stamp = path.stat().st_mtime_ns
    have = _READ.get(path)
    if have is None or have[0] != stamp:
        have = _READ[path] = (stamp, json.loads(path.read_text()))
    return have[1]


#: Records made inside :func:`batched` and not yet written (``path -> key -> record``), and when each
#: store was last written.
_PENDING: dict[Path, dict[str, dict[str, Any]]] = {}
_WRITTEN: dict[Path, float] = {}


@contextlib.contextmanager
def batched(every_s: float = 60.0) -> Iterator[None]:
    """Inside it :func:`cached` writes its new records at most every ``every_s`` seconds, and once more on
    leaving (an error included): the store is rewritten whole, seconds a write for short runs. A crash
    loses at most ``every_s`` seconds of runs."""
    global _EVERY
    before, _EVERY = _EVERY, every_s
    try:
        yield
    finally:
        _EVERY = before
        for path in list(_PENDING):
            store(_PENDING.pop(path), path)


_EVERY: float | None = None


def cached(method: str, name: str, seed: int, budget: int, run: Callable[[], dict[str, Any]],
           path: Path = STORE) -> dict[str, Any]:
    """The stored record of ``method`` on ``name`` at ``seed`` and ``budget``, or ``run()``'s, stored
    (at once, or inside :func:`batched` with the next write)."""
    key = f"{method}|{name}|{seed}|{budget}"
    have = _read(path).get(key) or _PENDING.get(path, {}).get(key)
    if have is not None:
        return have
    rec = run()
    if _EVERY is None:
        store({key: rec}, path)
        return rec
    _PENDING.setdefault(path, {})[key] = rec
    last = _WRITTEN.get(path)
    if last is None or time.monotonic() - last >= _EVERY:
        store(_PENDING.pop(path), path)
    return rec


def store(records: dict[str, dict[str, Any]], path: Path = STORE) -> None:
    """Add ``records`` (``key -> record``) to the store at ``path`` in one write, under its lock (the
    store is rewritten whole, so a caller with many short runs writes them a few at a time)."""
    if not records:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = dict(_read(path))  # a copy: the parsed store is shared by later reads
        data.update(records)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=0, sort_keys=True) + "\n")
        os.replace(tmp, path)
    _WRITTEN[path] = time.monotonic()
