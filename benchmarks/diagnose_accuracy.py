"""How often does ``lrkit.diagnose`` name the right cause? A labelled corpus of loss histories.

Every history is produced at a *setting* whose label is known before any detector
runs:

=============== ============================================================== =====================
setting         how it is made                                                  accepted verdicts
=============== ============================================================== =====================
good            the task's default rate, constant, its default budget          healthy (or plateau)
good+schedule   cosine decay from the default rate                             healthy
too_high        constant rate 30x / 100x the default (analytic: eta L > 1.9)   too_high_diverging,
                                                                                too_high_oscillating
                (a too_high run whose loss reached NaN/inf is labelled nan)    nan
too_low         constant rate default / 300 (analytic: eta L < 0.01)           too_low_slow
spikes          the good setting with 3 corrupted batches (wrong targets)      loss_spikes
plateau         constant rate far past convergence on a problem with an SGD    plateau
                noise floor (diabetes regression, noisy quadratic)
=============== ============================================================== =====================

Sources: the built-in tasks (``lrkit.tasks``) and a noisy quadratic trained by SGD
(``lrkit.diagnostics.synthetic``), whose settings are defined relative to ``2/L``
and the slowest time constant; in held-out v4 also three workloads never in the
corpus before (``NEW_TASKS``: breast-cancer logistic regression, a noisy linear
regression on raw targets, a 3-class MLP, all through ``lrkit.tasks.from_arrays``),
whose "default" rate is measured on a grid as the built-in ones were; in held-out v8 also six
character language models (``V8_TASKS``, ``seq_dev.py``: GRU, transformer and NPLM, two optimizers
each), whose good rate is their grid-best constant rate at 300 updates (``dev/seq_histories.py``). The
corpus is cached in
``benchmarks/results/diagnose_corpus.npz`` (``--rebuild`` regenerates it).

Honesty: the thresholds of ``lrkit.diagnostics`` were set looking only at the
*design* split (even seeds 0-6 of the digits-mlp, diabetes-linear and wine-logreg
tasks and of the quadratic). The *held-out v1* split (odd seeds 0-7, and the
digits-cnn task entirely) was scored once with those thresholds (85.2%); its
errors (Adam at 100x blowing up on its first update, read as a spike) led to one
more rule (an early blow-up is ``too_high_diverging``), so it is no longer clean.
The *fresh held-out* split (seeds 8-11, all sources) was generated after that
revision and scored once (96.3%), then looked at. The third revision (a fast initial drop
followed by a flat noisy tail is converged, not ``too_low_slow``) was made looking at the
errors of those three splits; the *held-out v3* split (seeds 12-15, all sources) was generated
before that revision, left unscored while it was made, and scored once at the end. The fourth
revision (session 2: per-decade ratio between actual band centres, the early-drop condition of
``too_low_slow``, plateau over the last decade or half, the rise's error, the early blow-up window,
rise before spikes, the spike tail from the extrapolated maximum of n draws) was made looking at the
errors of those four splits; the *held-out v4* split (seeds 16-19 of every source plus the three new
workloads) was generated and committed before it, left unscored while it was made (``--without-v4``),
and scored once at the end (86.0%). The *held-out v5* split (seeds 20-23 of every source, the v4
workloads and a fourth new one, friedman-mlp) was then generated and committed before v4's errors
were studied; no revision came of that study (the two candidates tried, local-noise spike z-scores
and frequent excursions read as oscillation, did not reduce the errors on v1-v4 and were dropped),
so v5 is a second clean split of the same, fourth, revision, scored once. The *held-out v6* split
(seeds 24-27 of every source, the v4 and v5 workloads and a fifth new one, classify-mlp-sgd: a 4-class
MLP on ``make_classification`` data trained by SGD with momentum, its default rate measured on the same
grid) was generated and committed before the fifth revision (spikes by return to the earlier level),
left unscored while it was made (``--without-v6``), and scored once at the end. The *held-out v7* split
(session 3: seeds 28-31 of every source, the v4-v6 workloads and two more new ones, digits-adam-mlp, a
64-32-10 ReLU MLP on the digits trained by Adam, and moons-mlp-gd, a 2-32-32-2 tanh MLP on two noisy moons
trained by plain gradient descent, their default rates measured on the same grid) was generated and
committed before v4-v6's errors were studied again (a good rate's slow late learning versus a too-low
rate), left unscored during that study (``--without-v7``), and scored once at the end. No sixth revision
came of the study (``shape_overlap`` and ``rate_check`` below say why), so v7 is a clean split of the
fifth revision. The *held-out v8* split (seeds 32-35 of every source, the v4-v7 workloads and a family the
detector had never seen: the six sequence models of ``seq_dev.py``, character LMs whose good rate is the
grid-best constant rate at 300 updates in ``results/no_tuning_dev.json``, read, not recomputed) was
generated and committed before it was scored (``--without-v8`` until then; the printed figures of v1-v7 were
checked unchanged), then scored once with the unchanged fifth revision. No revision came of it, so v7 and v8
are the clean splits of the fifth revision. All nine are reported.

Run: ``nice .venv/bin/python benchmarks/diagnose_accuracy.py [--rebuild] [--design-only] [--without-v8]``
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev.diagnose_builtin import (  # noqa: E402
    ACCEPT, ALL_NEW, CACHE, GRID, SEED_SPLITS, SPLIT_FIRST_SEEN, SPLIT_NEW_TASKS, V8_TASKS, build_corpus,
    held_out, load, new_defaults, new_task, save, setting_label, split,
)
from dev.diagnose_shape import rate_check, shape_overlap  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402
from dev.seq_histories import good_rate  # noqa: E402

from lrkit.diagnostics import VERDICTS, diagnose  # noqa: E402


def evaluate(corpus: list[dict]) -> tuple[list[list], dict[str, float]]:
    labels = list(ACCEPT)
    confusion = {lab: Counter() for lab in labels}
    parts = ("design", "held-out v1", *(name for name, _ in reversed(SEED_SPLITS)))
    right = {part: [0, 0] for part in parts}
    correct = []  # per history, in corpus order: whether its verdict is accepted
    right = {k: v for k, v in right.items() if any(split(c) == k for c in corpus)}
    healthy_on_diverged = strict = 0
    for c in corpus:
        label = setting_label(c["setting"], c["losses"])
        verdict = diagnose(c["losses"], c["lrs"]).verdict
        confusion[label][verdict] += 1
        part = split(c)
        correct.append(verdict in ACCEPT[label])
        right[part][0] += correct[-1]
        right[part][1] += 1
        strict += verdict in ACCEPT[label] and not (label == "healthy (constant rate)"
                                                    and verdict != "healthy")
        healthy_on_diverged += label in ("too_high", "nan") and verdict == "healthy"
    rows = [[lab, sum(confusion[lab].values())] + [confusion[lab][v] for v in VERDICTS] for lab in labels]
    total = [sum(x) for x in zip(*right.values())]
    summary = {f"{k} accuracy": v[0] / max(v[1], 1) for k, v in right.items()}
    summary["overall accuracy"] = total[0] / max(total[1], 1)
    summary["overall accuracy, strict (good constant runs must be 'healthy')"] = strict / max(total[1], 1)
    summary.update({f"{k} histories": float(v[1]) for k, v in right.items()})
    summary["healthy verdicts on too-high runs"] = float(healthy_on_diverged)
    for part, names in SPLIT_NEW_TASKS.items():
        new = [ok for c, ok in zip(corpus, correct) if c["source"] in names and split(c) == part]
        if new:
            summary[f"{part} accuracy, the workloads new to the corpus only"] = sum(new) / len(new)
    for part, (names, what) in SPLIT_FIRST_SEEN.items():  # workloads never seen by any earlier revision
        fresh = [ok for c, ok in zip(corpus, correct) if c["source"] in names and split(c) == part]
        if fresh:
            summary[f"{part} accuracy, {what} only"] = sum(fresh) / len(fresh)
    return rows, summary


def main() -> None:
    ap = arguments(__doc__)
    ap.add_argument("--rebuild", action="store_true", help="regenerate the cached corpus")
    ap.add_argument("--design-only", action="store_true", help="score the design split only (while tuning)")
    ap.add_argument("--without-v5", action="store_true",
                    help="leave the held-out v5 split unscored (implies --no-record)")
    ap.add_argument("--without-v6", action="store_true",
                    help="leave the held-out v6 split unscored (while revising; implies --no-record)")
    ap.add_argument("--without-v7", action="store_true",
                    help="leave the held-out v7 split unscored (while revising; implies --no-record)")
    ap.add_argument("--without-v8", action="store_true",
                    help="leave the held-out v8 split unscored (until it is committed; implies --no-record)")
    args = ap.parse_args()
    cached = [] if args.rebuild or not CACHE.exists() else load()
    corpus = build_corpus(cached)
    if len(corpus) != len(cached):
        save(corpus)
    if args.design_only:
        corpus = [c for c in corpus if not held_out(c)]
    unscored = {f"held-out {v}" for v in ("v5", "v6", "v7", "v8") if getattr(args, f"without_{v}")}
    corpus = [c for c in corpus if split(c) not in unscored]
    rows, summary = evaluate(corpus)
    headers = ["label (setting)", "n", *VERDICTS]
    print_table(rows, headers)
    alone = {}
    for part in SPLIT_NEW_TASKS:
        sub = [c for c in corpus if split(c) == part]
        if sub:
            alone[part] = evaluate(sub)[0]
            print(f"{part} alone:")
            print_table(alone[part], headers)
    for k, v in summary.items():
        print(f"{k}: {v:.4g}")
    if args.design_only or args.no_record or unscored:
        return
    setting_rows = []
    for (src, setting), group in _groups(corpus).items():
        metrics = [c["metric"] for c in group if np.isfinite(c["metric"])]
        setting_rows.append([src, setting, _metric_name(src, setting), len(group), len(metrics),
                             float(np.mean(metrics)) if metrics else "-"])
    shape_rows = shape_overlap([c for c in corpus if split(c) not in ("held-out v7", "held-out v8")])
    rate_rows = rate_check()
    body = (
        f"{len(corpus)} histories: {int(summary['design histories'])} *design* (even seeds 0-6; thresholds "
        f"set on them), {int(summary['held-out v1 histories'])} *held-out v1* (odd seeds 0-7 and the "
        "digits-cnn task: scored once with the first thresholds at 85.2%, then looked at, which led to the "
        f"early-blow-up rule), {int(summary['fresh held-out histories'])} *fresh held-out* (seeds 8-11, "
        "generated after that revision, scored once at 96.3%, then looked at), "
        f"{int(summary['held-out v3 histories'])} *held-out v3* (seeds 12-15, generated before the third "
        "revision, the converged-early exemption of `too_low_slow`, scored once after it, then looked at), "
        f"{int(summary['held-out v4 histories'])} *held-out v4* (seeds 16-19 of every source plus three "
        "workloads new to the corpus: cancer-logreg, regression-linear and blobs-mlp through "
        "`lrkit.tasks.from_arrays`, default rates measured on a grid; generated and committed before the "
        "fourth revision, scored once after it at 86.0%, then looked at), "
        f"{int(summary['held-out v5 histories'])} *held-out v5* (seeds 20-23 of every source, the v4 "
        "workloads and a fourth new one, friedman-mlp; generated after v4 was scored; scored once with the "
        "fourth revision at 88.5%, then looked at), "
        f"{int(summary['held-out v6 histories'])} *held-out v6* (seeds 24-27 of every source, the v4 and v5 "
        "workloads and a fifth new one, classify-mlp-sgd: a 4-class MLP on make_classification data "
        "trained by SGD with momentum; generated and committed before the fifth revision, left unscored "
        "while it was made, scored once after it at 80.2%, then looked at), "
        f"{int(summary['held-out v7 histories'])} *held-out v7* (seeds 28-31 of every source, the v4-v6 "
        "workloads and two more new ones, digits-adam-mlp, a 64-32-10 ReLU MLP on the digits trained by "
        "Adam, and moons-mlp-gd, a 2-32-32-2 tanh MLP on noisy moons trained by plain gradient descent; "
        "generated and committed before v4-v6's errors were studied again, left unscored during that study, "
        "scored once at 80.6%), "
        f"{int(summary['held-out v8 histories'])} *held-out v8* (seeds 32-35 of every source, the v4-v7 "
        "workloads and a family never in the corpus: the six character language models of `seq_dev.py` "
        "(GRU, transformer and NPLM, two optimizers each), good rate = the grid-best constant rate at 300 "
        "updates in `benchmarks/results/no_tuning_dev.json`; generated and committed before it was scored, "
        "scored once, no revision since: with v7, a clean split of this table). "
        "The fifth revision (a spike is an "
        "excursion that comes back to its earlier level within 0.2 n steps, whatever its length) was made "
        "looking at v5's friedman-mlp errors; on design..v5 it changes 3 verdicts, all right now (740 -> 743 "
        "of 796), with identical verdicts for return windows 0.2, 0.3 and 0.5 n. No sixth revision came of "
        "the study of v4-v6 (the two analyses at the end say why), so v7 and v8 measure the fifth. "
        "Rows: the label fixed by the setting; columns: the verdict.\n\n"
        + markdown_table(rows, headers)
        + "".join(f"\n\nThe {part} split alone:\n\n" + markdown_table(r, headers)
                  for part, r in alone.items())
        + "\n\n"
        + markdown_table([[k, v] for k, v in summary.items()], ["figure", "value"])
        + "\n\nDefault rates of the new workloads (best mean final validation loss over the grid "
        + ", ".join(f"{lr:.3g}" for lr in GRID) + ", seeds 0 and 1): "
        + "; ".join(f"{k} {v['default_lr']:.3g} ({v['metric']})" for k, v in new_defaults().items())
        + ". Good rates of the sequence models (grid-best constant rate at 300 updates, best mean of seeds 0 "
        "and 1 of `no_tuning.py --dev`'s grid): "
        + "; ".join(f"{k} {good_rate(k):.3g}" for k in V8_TASKS)
        + ". Note: regression-linear's 30x setting (0.3) is analytically stable (eta L = 0.76 < 2 with L = "
        "2 lambda_max(cov) = 2.53), too high only by its noise floor (validation MSE 1108-1225 against 962); "
        "its 100x setting diverges (labelled nan)."
        + "\n\nSanity check of the settings, independent of the detector: the mean final validation "
        "metric of the runs that did not diverge, per source and setting (the quadratic has none; the "
        "spikes runs go through the protocol-function path, which reports `val_loss`; the sequence models "
        "report their validation loss in nats per character, NaN where `seq_dev.evaluate`'s 10-nat cap "
        "was hit, and none of their histories reached NaN/inf):\n\n"
        + markdown_table(setting_rows, ["source", "setting", "metric", "runs", "finite", "mean final metric"])
        + "\n\nCan a statistic of the curve's shape tell the good runs of the new workloads from too-low "
        "runs "
        "(issue 5's main miss: `blobs-mlp` and `classify-mlp-sgd` good runs read `too_low_slow`)? Each good "
        "and too-low history with significant progress (design..v6, total-progress z >= 3) is reduced to "
        "its log-time profile (`shape_profile`: the share of the drop still to come at u = log10(tau/T) = "
        "-2, -1.75, .., 0, invariant to the loss's unit and offset); its 5 nearest histories of the *other* "
        "sources vote; the column is the share of them that are good runs (1: looks like a good run, "
        "0: like a too-low one):\n\n"
        + markdown_table(shape_rows, ["source", "label", "runs", "median good share", "range"])
        + "\n\nIs the training loss of those good runs limited by the rate? Final training loss (median "
        "of the last 10% of steps) and validation loss, means over seeds 0 and 1, at 1x, 3x and 10x the "
        "measured default rate (`rate_check`, cached in `benchmarks/results/diagnose_rate_check.json`):\n\n"
        + markdown_table(rate_rows, ["workload", "rate", "final training loss", "final validation loss"])
    )
    record("diagnose_accuracy", "Diagnosis accuracy on a labelled corpus of loss histories", body,
           command="nice .venv/bin/python benchmarks/diagnose_accuracy.py")


def _metric_name(source: str, setting: str) -> str:
    if source == "quadratic":
        return "-"
    if setting == "spikes" or source in V8_TASKS:
        return "val_loss"
    from lrkit.tasks import get_task

    return (new_task(source) if source in ALL_NEW else get_task(source)).info.metric


def _groups(corpus: list[dict]) -> dict[tuple[str, str], list[dict]]:
    out: dict[tuple[str, str], list[dict]] = {}
    for c in corpus:
        out.setdefault((c["source"], c["setting"]), []).append(c)
    return out


if __name__ == "__main__":
    main()
