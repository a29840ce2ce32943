"""Normalized models: do growing weights explain the Autopilot's low peak, and would an effective rate help?

Behind BatchNorm or LayerNorm the loss is scale-invariant in the weights (and bias) of the layer
before it, so a step's effect is its angle :math:`\\|\\Delta w\\|/\\|w\\|`: for SGD the effective rate is
:math:`\\eta/\\|w\\|^2`, for an adaptive optimizer :math:`\\eta/\\|w\\|`, and the weights' norm grows with
every step. The hypothesis (``docs/evidence.md#autopilot-the-zoo-and-the-peers``): the ramp reads the
rate while the weights are small, they grow, and the best peak of the run sits above where the ramp's
loss rose. Two questions, one run each (seeds 0, 1, 2, each workload's own budget):

1. **The norms** (``dev.autopilot_norms``): along the default Autopilot's ramp and main phase and along
   the same run given the tuned wsd peak, the root-mean-square norm of the scale-invariant units (a
   ``Linear``/``Conv`` directly followed by a BatchNorm/LayerNorm) and each update's angle on them, on
   the norm-mlp family, a BatchNorm ResNet, and two controls without normalization (the angle read on
   every ``Linear``). Then, seed 0, the angle and the norm over the first main-phase updates at the
   tuned peak, against the angle at the ramp's top: is the ramp's blow-up a transient of small weights?
2. **A candidate** (``dev.autopilot_effective``): the main phase's rate multiplied by
   :math:`(N_t/N_0)^q` (:math:`N` the units' RMS norm, :math:`q = 2` for SGD, 1 for adaptive
   optimizers), so the effective rate the ramp read is held as the weights grow; on every kind, or on
   all but SGD with momentum. Only models with a unit whose first gradient is orthogonal to it
   (Euler's identity for a scale-invariant loss) change; the others run the default bit for bit.
   Chosen by leave-one-family-out over the zoo against the default (regret in the zoo's gap unit, mean
   over the 12 families; the cross-validated figure is the mean of each family under the candidate
   chosen on the others); the built-in tasks held out.

Run: ``flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/autopilot_effective_rate.py``
(traces cached in ``results/autopilot_norms.json``, runs in ``results/autopilot_runs.json``; CPU
seconds are printed; the verdict: ``docs/evidence.md#autopilot-weight-norms-behind-a-normalization-layer``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev import autopilot_effective as eff  # noqa: E402
from dev import autopilot_norms as norms  # noqa: E402
from dev import autopilot_truth as truth  # noqa: E402
from dev.autopilot_tables import lofo_choices  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

from lrkit import zoo  # noqa: E402

#: The main-phase updates (from its start) at which the tuned run's angle and norm are read.
EARLY = (0, 1, 2, 5, 10, 20)


def norm_tables() -> str:
    """Question 1: the norms along the runs, and the tuned run's first updates (printed; markdown)."""
    rows = [norms.summary(n, s) for n in (*norms.NORMALIZED, *norms.PLAIN) for s in norms.SEEDS]
    print_table(rows, norms.HEADERS, floatfmt=".3g")
    early = []
    for n in (*norms.NORMALIZED, *norms.PLAIN):
        rec, chosen = norms.run(n, 0, "tuned"), norms.run(n, 0, "chosen")
        main = [i for i, p in enumerate(rec["phase"]) if p == "main"]
        top = [i for i, p in enumerate(chosen["phase"]) if p == "probe"][-2]
        early.append([n, rec["peak"], float(np.mean(chosen["angle"][top])),
                      *[f"{np.mean(rec['angle'][main[k]]):.3g} / {norms.rms_norm(rec, main[k]):.3g}"
                        for k in EARLY]])
    eh = ["workload (seed 0)", "tuned peak", "angle at the ramp's top",
          *[f"update {k}: angle / |w|" for k in EARLY]]
    print_table(early, eh, floatfmt=".3g")
    return (markdown_table(rows, norms.HEADERS, floatfmt=".3g") + "\n\nThe first main-phase updates at the "
            "tuned peak (the ramp was the warmup):\n\n" + markdown_table(early, eh, floatfmt=".3g"))


def candidate_tables() -> str:
    """Question 2: the candidates per family, leave-one-family-out, the built-in tasks (printed; markdown)."""
    fams, cands = zoo.families(), eff.CANDIDATES
    per = {f: {c: np.mean([eff.regrets(n, c) for n in ns], axis=0) for c in cands} for f, ns in fams.items()}
    rows = [[f, *[f"{per[f][c].mean():.3g} ({per[f][c].std(ddof=1) / np.sqrt(len(eff.SEEDS)):.2g})"
                  for c in cands]] for f in fams]
    means = {f: {c: float(per[f][c].mean()) for c in cands} for f in fams}
    held, _ = lofo_choices(means, cands)
    cv = float(np.mean([means[f][held[f]] for f in fams]))
    rows.append(["mean (in-sample)", *[f"{np.mean([means[f][c] for f in fams]):.3g}" for c in cands]])
    headers = ["family", *[f"{c} (gap %, SE)" for c in cands]]
    print_table(rows, headers)
    chosen = {c: sorted(f for f in fams if held[f] == c) for c in cands}
    lofo = (f"Leave-one-family-out: cross-validated mean **{cv:.3g}** (gap %); chosen per held-out family: "
            + "; ".join(f"{c}: {len(v)}" for c, v in chosen.items() if v) + ".")
    print(lofo)
    work = [n for ns in fams.values() for n in ns if eff.has_units(n)]
    builtin = list(truth.BUILTIN)
    wrows = [[n, eff.kind_of(n), *[f"{np.mean(eff.regrets(n, c)):.3g}" for c in cands],
              *[f"{eff.record_of(n, s, cands[1]).get('most', 1.0):.3g}" for s in eff.SEEDS]]
             for n in (*work, *[b for b in builtin if eff.has_units(b)])]
    wh = ["workload with scale-invariant units", "kind", *[f"{c} (gap %)" for c in cands],
          *[f"largest multiplier, seed {s}" for s in eff.SEEDS]]
    print_table(wrows, wh)
    brows = [[n, *[f"{np.mean(eff.regrets(n, c)):.3g}" for c in cands]] for n in builtin]
    bh = ["built-in task (held out)", *[f"{c} (gap %)" for c in cands]]
    print_table(brows, bh)
    tables = [markdown_table(rows, headers), lofo, markdown_table(wrows, wh), markdown_table(brows, bh)]
    return "\n\n".join(tables)


def main() -> None:
    ap = arguments(__doc__)
    args = ap.parse_args()
    start = time.process_time()
    body = norm_tables() + "\n\n" + candidate_tables()
    cpu = f"CPU seconds of this process (cached runs cost nothing): {time.process_time() - start:.0f}."
    print(cpu)
    if not args.no_record:
        record("autopilot_effective_rate", "The Autopilot behind a normalization layer: weight norms and the "
               "effective rate", __doc__.split("\n\n", 1)[1] + "\n\n" + body + "\n\n" + cpu,
               command="flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python "
               "benchmarks/autopilot_effective_rate.py")


if __name__ == "__main__":
    main()
