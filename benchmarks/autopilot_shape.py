"""Which shape should the Autopilot's main phase have? Chosen by leave-one-family-out on the zoo.

The probe (the ramp, which is also the warmup) and the peak it reads are the library's default; only
what follows changes, through ``AutopilotPolicy.main_shape`` and ``cooldown`` (:data:`SHAPES`, each a
full run: the shape moves the iterate, so nothing can be scored offline):

* **wsd, 20% 1-sqrt cool-down** (the default): the peak held, then cooled to 0 over the last fifth
  of the main phase (Hägele et al. 2024: as good as cosine at a fixed budget);
* **wsd, 10% cool-down**: the same with the short final decay warmup-stable-decay is usually run with;
* **cosine to 0** over the main phase: what Prodigy's README recommends for itself ("we suggest
  setting `T_max=total_steps`"), the peer ahead of the Autopilot on normalized and regression MLPs,
  where the grid-best peak of the default shape is still behind it (a schedule's lead, not a peak's);
* **linear to 0** over the main phase (Defazio et al. 2023, "When, why and how much?": linear decay
  matches or beats cosine at a known budget).

Every zoo workload (37, 12 families) and every built-in task (held out; charlm at 100 updates),
seeds 0, 1, 2, each at its own budget, the Autopilot told it (the runs of
``benchmarks/autopilot_zoo.py``, cached in ``results/autopilot_runs.json``, with the peers'). Regret
in the zoo's gap unit against the grid-best constant rate, mean over families. **Leave-one-family-out**:
each family is scored with the shape that has the lowest mean over the other eleven; the
cross-validated mean and the families that choice is ahead of each peer on are the figures; the
built-in tasks run the shape chosen on all twelve.

Run: ``flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/autopilot_shape.py``
(``--cached-only``: the tables from the store alone).
"""

from __future__ import annotations

import functools
import sys
import time
from pathlib import Path
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev import autopilot_tables as tables  # noqa: E402
from dev import autopilot_truth as truth  # noqa: E402
from dev.autopilot_zoo_runs import AP, HERE, cached, reads_as, resolve_task  # noqa: E402
from dev.autopilot_zoo_runs import run_autopilot, run_peer  # noqa: E402
from dev.autopilot_zoo_runs import variant_key  # noqa: E402
from dev.record import machine, markdown_table, print_table, record, store_args  # noqa: E402

from lrkit import zoo  # noqa: E402

SEEDS = (0, 1, 2)
PEERS = ("prodigy", "schedule-free", "d-adapt", "dog", "adam-cosine")
#: The default of sessions 12-13 (plain SGD's reading x 1, the store's ``LEGACY`` value): the base of the
#: candidates measured then (``"base": BEFORE_14``), so their tables stay as recorded.
BEFORE_14 = {"finder_weak_rule": "minimum/10", "weak_rule_when": "turned-or-anchored",
             "anchor_kinds": ["momentum"], "no_valley_peak": "floor"}
#: The library's default Autopilot as ``benchmarks/autopilot_zoo.py`` names it (store keys): plain SGD's
#: reading x 2 since session 14 (``benchmarks/autopilot_plain_peak.py``; ``reads_as`` leaves the field out
#: of the other kinds' keys, so their runs are the ones stored before it).
DEFAULT = {**BEFORE_14, "plain_factor": 2.0}
#: The base the opt-in ``no_valley_peak="noise"`` was measured on (the default: a ramp with no valley read
#: at the band's floor r/30; ``benchmarks/autopilot_no_valley_noise.py``).
BEFORE_15 = DEFAULT
#: The default of sessions 6-11 (a ramp with no valley read by the fallback's guess, the store's ``LEGACY``
#: value): the base of the candidates measured then. A candidate's ``"base": BEFORE_12`` reads the runs
#: it was measured with; the benchmarks of those sessions name it, so their tables stay as recorded.
BEFORE_12 = {**BEFORE_14, "no_valley_peak": "guess"}
#: The candidate shapes of the main phase (fields of ``AutopilotPolicy`` on top of the default). The
#: default's runs are made again on the machine that ran the others (``runs``: the stored ones came
#: from other machines, and float rounding alone moved the zoo mean by half a gap point).
SHAPES = {"wsd, 20% cool-down (default)": {"rerun": ("2026-12-06", ("adaptive", "momentum", "plain"))},
          "wsd, 10% cool-down": {"cooldown": 0.1},
          "cosine to 0": {"main_shape": "cosine"},
          "linear to 0": {"main_shape": "linear"}}
#: The default of sessions 12-13 as its runs here are stored (the benchmarks of those sessions read it).
S13 = "wsd, 20% cool-down (the default of sessions 12-13)"
S13_RUNS = {S13: {**SHAPES["wsd, 20% cool-down (default)"], "base": BEFORE_14}}


class _NotRun(LookupError):
    pass


@functools.cache
def _kind(name: str) -> str:
    from lrkit.torch import optimizer_kind

    return optimizer_kind(resolve_task(name).build(0)["optimizer"])


#: The machine tag of the peers' runs read (``dev.autopilot_zoo_runs.MACHINES``): the machine the
#: default's runs were made on, so a peer and the Autopilot are never paired across machines (the peers'
#: untagged runs, made on the AMD EPYC machine of session 5, stay in the store for the sections that
#: quote them).
PEER_TAG = HERE


def method_key(name: str, method: str, candidates: dict[str, dict] = SHAPES) -> str:
    """The store's method key of a candidate (``SHAPES``: fields on top of the default) or a peer on
    ``name``, its machine tag included (:func:`runs` reads the records under it).

    Example:
        >>> method_key("tabular-wine-adam", "prodigy")
        'prodigy@xeon'
    """
    fields = dict(candidates.get(method, {}))
    tag, kinds = fields.pop("rerun", ("", ()))
    base = fields.pop("base", DEFAULT)
    if method not in candidates:
        return method + PEER_TAG
    again = f"@{tag}" if _kind(name) in kinds else ""
    return AP + variant_key(reads_as({**base, **fields}, _kind(name))) + again


def store_key(name: str, method: str, seed: int, candidates: dict[str, dict] = SHAPES) -> str:
    """The full store key of one run (:func:`method_key` ``|name|seed|budget``): what
    ``dev.autopilot_zoo_runs.paired`` reads the machine from."""
    return f"{method_key(name, method, candidates)}|{name}|{seed}|{truth.budget_of(name)}"


def runs(name: str, method: str, run: bool, candidates: dict[str, dict] = SHAPES,
         seeds: tuple[int, ...] = SEEDS) -> list[dict[str, Any]]:
    """Per-seed records of a candidate (``SHAPES``: fields on top of the default) or a peer, from the
    store (run when missing if ``run``). A candidate's ``"rerun": (tag, kinds)`` stores (and runs) its
    workloads of those optimizer kinds again under ``@tag``: the store's older runs were made on
    other machines, whose float rounding moves some runs (``docs/evidence.md#autopilot-the-peak``); a
    peer's runs are read under :data:`PEER_TAG`. A candidate's ``"base"`` replaces :data:`DEFAULT` under
    its fields (:data:`BEFORE_12`)."""
    budget = truth.budget_of(name)
    fields = dict(candidates.get(method, {}))
    tag, kinds = fields.pop("rerun", ("", ()))
    base = fields.pop("base", DEFAULT)
    variant = reads_as({**base, **fields}, _kind(name)) if method in candidates else None
    again = f"@{tag}" if _kind(name) in kinds else ""
    key = method_key(name, method, candidates)

    def fresh(seed: int) -> dict[str, Any]:
        if not run:
            raise _NotRun(key)
        if variant is None:
            return {**run_peer(name, method, seed, budget), "machine": machine()}
        return run_autopilot(resolve_task(name), seed, budget, variant)

    twin = floor_twin(variant)
    twin_key = None if twin is None else AP + variant_key(twin) + again
    return [twin_record(twin_key, name, s, budget) or cached(key, name, s, budget, lambda s=s: fresh(s))
            for s in seeds]


#: The fields ``no_valley_peak="noise"`` reads (only after a ramp with no valley that blew up).
NOISE_FIELDS = ("no_valley_below", "no_valley_quiet")


def floor_twin(variant: dict[str, Any] | None) -> dict[str, Any] | None:
    """The variant that reads a ramp with no valley at the band's floor where ``variant`` reads it by its
    noise (``no_valley_peak="noise"``), else ``None``. The two are one code path up to that reading, so
    a run whose twin's ramp had a valley or never blew up is the twin's, bit for bit
    (``tests/benchmarks_dev/test_autopilot_no_valley_noise.py``): the store keeps it once.

    Example:
        >>> floor_twin({"no_valley_peak": "noise", "no_valley_quiet": 0.03, "plain_factor": 2.0})
        {'no_valley_peak': 'floor', 'plain_factor': 2.0}
        >>> floor_twin({"no_valley_peak": "floor"}) is None
        True
    """
    if variant is None or variant.get("no_valley_peak") != "noise":
        return None
    return {**{k: v for k, v in variant.items() if k not in NOISE_FIELDS}, "no_valley_peak": "floor"}


def twin_record(key: str | None, name: str, seed: int, budget: int) -> dict[str, Any] | None:
    """The stored record of the floor twin (``key``) where its ramp was not read at the floor, else None."""
    from dev.autopilot_no_valley_race import at_floor
    from dev.autopilot_zoo_runs import STORE, _read

    rec = None if key is None else _read(STORE).get(f"{key}|{name}|{seed}|{budget}")
    return rec if rec is not None and not at_floor(rec) else None


def collect(names: list[str], run: bool, candidates: dict[str, dict] = SHAPES
            ) -> dict[str, dict[str, list[dict]]]:
    out: dict[str, dict[str, list[dict]]] = {}
    for n in names:
        out[n] = {}
        for m in (*candidates, *PEERS):
            try:
                out[n][m] = runs(n, m, run, candidates)
            except _NotRun:
                pass
        print(f"{n}: {len(out[n])} methods", file=sys.stderr)
    return out


def lofo(means: dict[str, dict[str, float]], candidates: dict[str, dict] = SHAPES
         ) -> tuple[dict[str, str], str]:
    """Per held-out family the candidate with the lowest mean over the other families; the all-family one."""
    return tables.lofo_choices({f: m for f, m in means.items() if all(s in m for s in candidates)},
                               list(candidates))


def held_out_rows(means: dict[str, dict[str, float]], held: dict[str, str], candidates: Iterable[str],
                  first: str = "autopilot main phase", peers: Sequence[str] = PEERS
                  ) -> tuple[list[list[Any]], list[str]]:
    """Rows: each candidate in-sample and the LOFO choice (``held``: family -> the candidate chosen on the
    other families); mean over families, families ahead of each peer. ``first`` heads the label column."""
    fams = list(held)
    columns = {s: {f: means[f][s] for f in fams} for s in candidates}
    columns["chosen by leave-one-family-out (held out)"] = {f: means[f][held[f]] for f in fams}
    headers = [first, "mean over families (gap %)", *[f"families ahead of {p}" for p in peers]]
    rows = []
    for label, col in columns.items():
        ahead = [f"{sum(col[f] < means[f][p] for f in fams)}/{len(fams)}" for p in peers]
        rows.append([label, float(np.mean(list(col.values()))), *ahead])
    return rows, headers


def summary(means: dict[str, dict[str, float]], held: dict[str, str], candidates: dict[str, dict] = SHAPES
            ) -> tuple[list[list[Any]], list[str]]:
    """:func:`held_out_rows` over every peer, then each peer's own mean over families."""
    rows, headers = held_out_rows(means, held, candidates)
    rows += [[p, float(np.mean([means[f][p] for f in held])), *["" for _ in PEERS]] for p in PEERS]
    return rows, headers


#: The default's runs as stored before this benchmark (made on other machines), beside its runs here.
STORED = {"wsd, 20% cool-down (default), stored runs": {}}


def drift(results: dict[str, dict[str, list[dict]]]) -> tuple[list[list[Any]], list[str]]:
    """Per family: the default here against its stored runs, in gap % and in tolerances (0.5 points,
    1% of a loss: the issue's target's unit), the mean over its workloads of (here - stored) / tolerance."""
    here, stored = next(iter(SHAPES)), next(iter(STORED))
    _, means = tables.family_table(results, [here, stored], SEEDS)
    native = tables.regrets(results, "best", SEEDS)
    rows = []
    for f, names in tables.families(results).items():
        steps = [(native[n][here].mean() - native[n][stored].mean()) / truth.tolerance(n) for n in names]
        rows.append([f, means[f][here], means[f][stored], float(np.mean(steps))])
    rows.append(["mean (of the size, in tolerances)", *[float(np.mean([r[i] for r in rows])) for i in (1, 2)],
                 float(np.mean([abs(r[3]) for r in rows]))])
    return rows, ["family", "default here (gap %)", "stored (gap %)", "here - stored (tolerances)"]


#: This benchmark's candidates as measured (session 10): on the default of then (:data:`BEFORE_12`).
MEASURED = {k: {**v, "base": BEFORE_12} for k, v in SHAPES.items()}


def main() -> None:
    args = store_args(__doc__)
    start = time.process_time()
    results = collect(sorted(zoo.names()), not args.cached_only, MEASURED)
    for n, res in collect(sorted(zoo.names()), False, {k: {**v, "base": BEFORE_12} for k, v in STORED.items()}
                          ).items():
        results[n].update({k: v for k, v in res.items() if k in STORED})
    drows, dh = drift(results)
    frows, means = tables.family_table(results, [*SHAPES, *PEERS], SEEDS)
    fh = ["family", "method", "workloads", "mean regret (gap %)", "standard error", "mean regret (native)"]
    held, everything = lofo(means)
    srows, sh = summary(means, held)
    choice = [[f, held[f], means[f][held[f]], means[f][next(iter(SHAPES))], means[f]["prodigy"],
               means[f]["schedule-free"]] for f in held]
    ch = ["held-out family", "shape chosen on the other 11", "its regret (gap %)", "default's",
          "prodigy's", "schedule-free's"]
    builtin = collect(list(truth.BUILTIN), not args.cached_only, MEASURED)
    brows, _ = tables.family_table(builtin, [*SHAPES, *PEERS], SEEDS)
    bwork = [[n, *[float(np.mean([truth.regret(n, r["metric"], SEEDS, "gap") for r in res[m]]))
                   if m in res else float("nan") for m in (*SHAPES, *PEERS)]] for n, res in builtin.items()]
    bh = ["built-in task (held out)", *[m for m in (*SHAPES, *PEERS)]]
    for rows, headers in ((frows, fh), (choice, ch), (srows, sh), (bwork, bh), (brows, fh), (drows, dh)):
        print_table(rows, headers, floatfmt=".3g")
    verdict = tables.lofo_verdict(everything, held, SHAPES, " (the built-in tasks' shape)")
    cpu = f"CPU seconds of this process (cached runs cost nothing): {time.process_time() - start:.0f}."
    print(verdict, cpu, sep="\n")
    if not args.no_record:
        body = "\n\n".join([
            markdown_table(srows, sh, floatfmt=".3g"), verdict, markdown_table(choice, ch, floatfmt=".3g"),
            markdown_table(frows, fh, floatfmt=".3g"),
            "Built-in tasks, held out (gap %, mean of 3 seeds; the family row is their mean):",
            markdown_table(bwork, bh, floatfmt=".3g"),
            "The default here against its stored runs (other machines; the same configuration):",
            markdown_table(drows, dh, floatfmt=".3g"), cpu])
        record("autopilot_shape", "The Autopilot's main-phase shape, chosen by leave-one-family-out",
               __doc__.split("\n\n", 1)[1] + "\n\n" + body,
               command="flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/autopilot_shape.py"
               + (" --cached-only" if args.cached_only else ""))


if __name__ == "__main__":
    main()
