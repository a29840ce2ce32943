"""A ramp the user's ``lr_max`` cut below the band that never blew up: read with or without the anchor?

``Autopilot(SGD momentum, lr_max=L)`` with ``L`` below the kind's band's top (10) and below where the
ramp would blow up: the ramp reaches ``L`` and stops there. The momentum anchor
(``AutopilotPolicy.anchor_kinds``) moves the rule's reading halfway to 2.25 decades below the ramp's
blow-up, and a ramp that never blew up gives it its top, here the user's cap: the peak follows the cap
down (ux12 D13). The library now reads such a ramp without the anchor (``probe_peak``: a never-blown
ramp whose last rate lies below the band's top); every ramp that reached the band's top or blew up reads
as before. This benchmark runs, per workload, seed
and cap, the Autopilot as it ships (**no anchor**) and the same run at the peak the anchor would have
read on the same ramp (**anchor**: ``Autopilot(peak=...)``, which trains exactly the run that chooses
that peak: the ramp rewound to it, the same main phase), plus the uncapped default, checked equal to
the default's stored run (``results/autopilot_runs.json``, the ``rerun`` records of 2026-12-06) where
there is one. Workloads: every SGD-momentum / Nesterov workload of ``lrkit.zoo`` and the built-in
``digits-mlp`` (held out; the probe's case). Regret in the zoo's gap unit (``dev.autopilot_truth``):
percent of the best constant rate's gain over the untrained model, lower is better.

Run: ``flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/autopilot_capped_ramp.py``
(about 5 minutes on 2 cores; ``--no-record``).
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev import autopilot_truth as truth  # noqa: E402
from dev.autopilot_zoo_runs import STORE, _read, resolve_task, scored, training_losses  # noqa: E402
from dev.peers_common import one_thread  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

from lrkit.torch import Autopilot, AutopilotPolicy, autopilot_peak  # noqa: E402

WORKLOADS = ("tabular-cancer-momentum", "norm-bn-nesterov", "deep-tanh6-momentum",
             "regression-huber-momentum", "autoencoder-curve-momentum", "resnet-shapes-nesterov",
             "resnet-digits-momentum", "finetune-cnn-momentum", "digits-mlp")
CAPS = (1.0, 0.1, 0.03)
SEEDS = (0, 1, 2)
RESULTS = Path(__file__).resolve().parent / "results" / "autopilot_capped_ramp.json"
#: The store's method of the default's stored runs on this machine (2026-12-06).
DEFAULT_RERUN = ("ap2:anchor_kinds=['momentum'],faults_in_row=2,finder_weak_rule=minimum/10,"
                 "weak_rule_when=turned-or-anchored@2026-12-06")


def one(name: str, seed: int, cap: float | None, given: float | None = None) -> dict:
    """One run as ``dev.autopilot_zoo_runs.run_autopilot`` makes it, ``lr_max=cap``, ``peak=given``."""
    task = resolve_task(name)
    budget = int(task.info.budget)
    kw = {} if cap is None else {"lr_max": cap}
    with one_thread(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the capped ramp's warning, said once per run
        parts = task.build(seed)
        ap = Autopilot(parts["optimizer"], budget=budget, model=parts["model"], peak=given, **kw)
        for loss in training_losses(ap, parts):
            ap.step(loss)
        metrics = task.evaluate(parts["model"], parts["val_loader"])
    raw = float(metrics.get(task.info.metric, math.nan))
    return {"metric": scored(task, raw, not math.isfinite(raw)), "peak": ap.peak,
            "diverged_at": ap.events[0]["diverged_at"], "capped_at": ap.events[0].get("capped_at"),
            "probe_lrs": list(ap.probe_lrs), "probe_losses": list(ap.probe_losses)}


def anchored_peak(name: str, rec: dict, cap: float) -> float:
    """The peak the anchor reads on the recorded ramp: the same re-read with the band's top at the cap
    (``sgd_band``), so the ramp counts as one that reached its band, as every ramp did before the change."""
    with one_thread():
        parts = resolve_task(name).build(0)
    policy = AutopilotPolicy(sgd_band=(AutopilotPolicy().sgd_band[0], cap))
    return autopilot_peak(rec["probe_lrs"], rec["probe_losses"], parts["optimizer"], policy,
                          diverged_at=rec["diverged_at"], lr_min=rec["probe_lrs"][0])[0]


def main() -> None:
    args = arguments(__doc__)
    opts = args.parse_args()
    stored = _read(STORE)
    rows, per, same = [], {}, []
    for name in WORKLOADS:
        budget = int(resolve_task(name).info.budget)
        for seed in SEEDS:
            base = one(name, seed, None)
            old = stored.get(f"{DEFAULT_RERUN}|{name}|{seed}|{budget}")
            if old is not None:
                same.append(old["metric"] == base["metric"] and old["peak"] == base["peak"])
            for cap in CAPS:
                new = one(name, seed, cap)
                if new["diverged_at"] is not None:  # blew up below the cap: read as before, not this case
                    continue
                was = anchored_peak(name, new, cap)
                anc = one(name, seed, cap, given=was)
                r_new = truth.regret(name, new["metric"], unit="gap")
                r_anc = truth.regret(name, anc["metric"], unit="gap")
                per.setdefault(name, []).append((r_anc, r_new))
                rows.append([name, seed, f"{cap:g}", f"{base['peak']:.3g}", f"{was:.3g}",
                             f"{new['peak']:.3g}",
                             f"{r_anc:.2f}", f"{r_new:.2f}"])
                print("  ", rows[-1], flush=True)
    head = ["workload", "seed", "lr_max", "uncapped peak", "anchor: peak", "no anchor: peak",
            "anchor: regret", "no anchor: regret"]
    summary = [[n, len(v), f"{np.mean([a for a, _ in v]):.2f}", f"{np.mean([b for _, b in v]):.2f}",
                sum(b < a - 1e-9 for a, b in v), sum(b > a + 1e-9 for a, b in v)] for n, v in per.items()]
    shead = ["workload", "capped runs that never blew up", "anchor: mean regret", "no anchor: mean regret",
             "better", "worse"]
    print_table(rows, head)
    print_table(summary, shead)
    check = f"{sum(same)} of {len(same)}" if same else "none stored"
    print(f"uncapped runs equal to the default's stored run (metric and peak): {check}")
    RESULTS.write_text(json.dumps({"rows": rows, "summary": summary,
                                   "uncapped_equal": [sum(same), len(same)]}, indent=1))
    if not opts.no_record:
        body = (f"Capped ramps that never blew up, per run (gap regret, lower is better):\n\n"
                f"{markdown_table(rows, head)}\n\nPer workload:\n\n{markdown_table(summary, shead)}\n\n"
                f"Uncapped runs equal to the default's stored run on this machine (metric and peak): "
                f"{check}.")
        record("autopilot_capped_ramp", "Autopilot: a ramp cut by lr_max that never blew up", body,
               command="flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python "
                       "benchmarks/autopilot_capped_ramp.py")


if __name__ == "__main__":
    main()
