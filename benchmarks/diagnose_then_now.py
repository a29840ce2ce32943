"""Is ``diagnose`` better or worse than the detector issue 14 was filed against, on both corpora?

Issue 14 asks that the built-in tasks be "not worse than today (at least 95%)". "Today" was the
detector of commit ``THEN`` (the end of the session whose held-out v8 split the issue quotes); its 95%
was its accuracy on the corpus's *built-in* sources (the ``lrkit.tasks`` workloads and the noisy
quadratic), the figure its held-out v6 commit reported (95.4%). Since then the corpus has grown (seven
sklearn workloads, six character language models) and the detector has been re-chosen by
leave-one-family-out on the zoo. Comparing a remembered 95% with today's figure on a larger corpus
mixes the two changes. This script scores both detectors **side by side in one run, on the same
histories**, with the same labels:

* the setting-labelled corpus of ``diagnose_accuracy.py`` (``benchmarks/results/diagnose_corpus.npz``),
  by source group: the built-in sources (the 95% figure), the sklearn workloads added in v4-v7, the
  character LMs added in v8;
* the outcome-labelled zoo corpus of ``diagnose_zoo.py`` (loss and rate only, as a plain CSV gives them:
  the old detector reads nothing else), right per family, and the safety counts issue 14 sets.

Both detectors see a history as ``diagnose(losses, lrs)`` with their own defaults. The old one is
extracted with ``git archive THEN src/lrkit`` into a temporary folder and run in a subprocess with that
folder first on ``sys.path``; the current one runs from this checkout's ``src``. "raise the rate" is read
as the verdict ``too_low_slow`` for the old detector (its only verdict whose advice raises) and from
``Diagnosis.direction``'s equivalent, ``lrkit.diagnostics.DIRECTIONS``, for the current one.

Run::

    nice -n 10 .venv/bin/python benchmarks/diagnose_then_now.py [--no-record]
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from dev import diagnose_corpus as dc  # noqa: E402
from dev.diagnose_builtin import ACCEPT, ALL_NEW, V8_TASKS, load, setting_label  # noqa: E402
from dev.diagnose_lofo import TOO_HIGH, WRONG_FOR_TOO_HIGH  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

#: The detector issue 14 was filed against: the last commit of the session that scored held-out v8
#: (the issue quotes that split's 50% on the character LMs) before the zoo-chosen rules.
THEN = "7ac08a6"

#: Run by each detector's interpreter: read the pickled histories, write one JSON row per history.
_WORKER = """
import json, pickle, sys
import numpy as np
from lrkit.diagnostics import diagnose
try:
    from lrkit.diagnostics import DIRECTIONS
except ImportError:
    DIRECTIONS = None
hist = pickle.load(open(sys.argv[1], "rb"))
out = []
for losses, lrs in hist:
    d = diagnose(np.asarray(losses), np.asarray(lrs))
    if DIRECTIONS is None:
        direction = "raise" if d.verdict == "too_low_slow" else "other"
    else:
        direction = getattr(d, "direction", None) or DIRECTIONS.get(d.verdict, "other")
    out.append([d.verdict, direction, getattr(d, "runner_up", None)])
json.dump(out, open(sys.argv[2], "w"))
"""


def _builtin_group(source: str) -> str:
    if source in V8_TASKS:
        return "character LMs (new in v8)"
    if source in ALL_NEW:
        return "sklearn workloads (new in v4-v7)"
    return "built-in sources (lrkit.tasks + quadratic)"


def _run(src: Path, hist: list[tuple[np.ndarray, np.ndarray]], tmp: Path, name: str) -> list[list[str]]:
    """Each history's [verdict, direction] by the detector whose package lives under ``src``."""
    inp, out = tmp / f"{name}.pkl", tmp / f"{name}.json"
    inp.write_bytes(pickle.dumps(hist))
    env = {**os.environ, "PYTHONPATH": str(src)}
    subprocess.run([sys.executable, "-c", _WORKER, str(inp), str(out)], check=True, env=env, cwd=tmp)
    return json.loads(out.read_text())


def _old_src(tmp: Path) -> Path:
    archive = subprocess.run(["git", "archive", THEN, "src/lrkit"], check=True, cwd=ROOT,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
    return tmp / "src"


#: What each setting label needs done to the rate: advice the other way is "against the need".
_AGAINST = {"too_low": ("lower", "decay"), "too_high": ("raise", "keep"), "nan": ("raise", "keep"),
            "spikes": ("raise",), "plateau": ("raise",)}


def meaning_rows(res: list[list], labels: list[str]) -> list[list]:
    """Per setting label (built-in sources): what the verdicts say beyond right and wrong.

    ``right``: a verdict ``ACCEPT`` takes for the label; ``uncertain, runner-up right``: "I can't tell",
    its runner-up one ``ACCEPT`` takes, and no change of rate advised (direction ``none``); ``healthy on a
    fault``: "keep the rate" on a too-low, too-high, NaN or spiking run; ``against the need``: advice that
    moves the rate the wrong way (lower or decay a rate too low, keep or raise one too high or broken).
    """
    rows = []
    for lab_ in sorted(set(labels)) + ["all"]:
        sel = [r for r, k in zip(res, labels) if lab_ in ("all", k)]
        keys = [k for k in labels if lab_ in ("all", k)]
        right = sum(v in ACCEPT[k] for (v, *_), k in zip(sel, keys))
        honest = sum(v == "uncertain" and d == "none" and u in ACCEPT[k] for (v, d, u), k in zip(sel, keys))
        fault = sum(v == "healthy" and k.split(" ")[0] not in ("healthy", "plateau")
                    for (v, *_), k in zip(sel, keys))
        against = sum(d in _AGAINST.get(k, ()) for (_, d, _u), k in zip(sel, keys))
        rows.append([lab_, len(sel), _share(right, len(sel)), honest, _share(right + honest, len(sel)),
                     fault, against])
    return rows


def lost_rows(then: list[list], now: list[list], labels: list[str]) -> list[list]:
    """The verdicts right then and wrong now, by label: what they read now, and their runner-up."""
    out: dict[tuple[str, str, str], int] = {}
    for (tv, *_), (v, _d, u), k in zip(then, now, labels):
        if tv in ACCEPT[k] and v not in ACCEPT[k]:
            key = (k, v, u if u in ACCEPT[k] else f"{u} (not {k})")
            out[key] = out.get(key, 0) + 1
    return [[*k, n] for k, n in sorted(out.items(), key=lambda kv: -kv[1])]


def _share(k: int, n: int) -> str:
    return f"{100 * k / n:.1f}% ({k}/{n})" if n else "-"


def _pct(ok: np.ndarray) -> str:
    return f"{100 * ok.mean():.1f}% ({int(ok.sum())}/{ok.size})" if ok.size else "-"


def main() -> None:
    ap = arguments(__doc__)
    args = ap.parse_args()
    cpu = time.process_time()
    builtin = load()
    zoo = dc.load()
    hist = [(c["losses"], c["lrs"]) for c in builtin] + [(e.loss, e.lr) for e in zoo]
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        detectors = {f"then ({THEN})": _old_src(tmp), "now": ROOT / "src"}
        results = {name: _run(src, hist, tmp, f"d{i}") for i, (name, src) in enumerate(detectors.items())}
    nb = len(builtin)
    labels_b = [setting_label(c["setting"], c["losses"]) for c in builtin]
    groups_b = np.array([_builtin_group(c["source"]) for c in builtin])
    labels_z, fams = dc.labels_and_families(zoo)
    lab = labels_z != ""
    high = np.isin(labels_z, TOO_HIGH)
    blown = np.isin(labels_z, ("nan", "too_high_diverging"))
    rows_b, rows_z, rows_f = [], [], []
    for name, res in results.items():
        vb = [r[0] for r in res[:nb]]
        ok_b = np.array([v in ACCEPT[lab_] for v, lab_ in zip(vb, labels_b)])
        rows_b.append([name, *(_pct(ok_b[groups_b == g]) for g in sorted(set(groups_b))), _pct(ok_b)])
        vz = np.array([r[0] for r in res[nb:]], dtype=object)
        dz = np.array([r[1] for r in res[nb:]], dtype=object)
        right = vz == labels_z
        per_fam = [float(right[lab & (fams == f)].mean()) for f in sorted(set(fams))]
        rows_z.append([name, _pct(right[lab]), f"{100 * min(per_fam):.1f}%",
                       _pct(np.isin(vz[high], list(WRONG_FOR_TOO_HIGH))),
                       f"{int((vz[blown] == 'healthy').sum())}/{int(blown.sum())}",
                       f"{int((dz[high] == 'raise').sum())}/{int(high.sum())}"])
        rows_f.append([name, *(f"{100 * p:.0f}%" for p in per_fam)])
    bi = [i for i, g in enumerate(groups_b) if g.startswith("built-in")]
    lab_bi = [labels_b[i] for i in bi]
    then_res, now_res = results.values()
    rows_m = [[name, *row] for name, res in results.items()
              for row in meaning_rows([res[i] for i in bi], lab_bi)]
    rows_l = lost_rows([then_res[i] for i in bi], [now_res[i] for i in bi], lab_bi)
    head_m = ["detector", "label", "runs", "right", "uncertain, runner-up right", "right or uncertain with "
              "runner-up right", "healthy on a fault", "against the need"]
    head_l = ["label", "now reads", "runner-up", "runs"]
    head_b = ["detector", *sorted(set(groups_b)), "all"]
    head_z = ["detector", "right (labelled runs)", "worst family", "too-high read healthy/plateau/too_low",
              "healthy on diverged/NaN", "raise on too-high"]
    head_f = ["detector", *sorted(set(fams))]
    tables = ((rows_b, head_b), (rows_m, head_m), (rows_l, head_l), (rows_z, head_z), (rows_f, head_f))
    for rows, head in tables:
        print_table(rows, head)
    cpu = time.process_time() - cpu
    print(f"CPU {cpu:.0f} s (this process; the detectors run in subprocesses)")
    if args.no_record:
        return
    body = (
        f"Both detectors side by side on the same histories, loss and rate only: the detector issue 14 was "
        f"filed against (`{THEN}`, extracted with `git archive`) and the current one. Setting-labelled "
        f"corpus of `diagnose_accuracy.py` ({nb} histories; accepted verdicts as there), by source group; "
        f"the issue's \"at least 95%\" is the first column's figure for the detector then:\n\n"
        + markdown_table(rows_b, head_b)
        + "\n\nWhat the built-in figure counts, per setting label (built-in sources only). **right**: a "
        "verdict the label accepts (as in `diagnose_accuracy.py`). **uncertain, runner-up right**: "
        "`uncertain` (\"I can't tell\", no change of rate advised) whose runner-up the label accepts: not "
        "counted right, and not harm either; its words name the check to run (a short side run at 3x, or "
        "at 10x and 1/10). **healthy on a fault**: \"keep the rate\" on a too-low, too-high, NaN or "
        "spiking run, the harm that stays (a `healthy` run that has not begun to level off says that a rate "
        "too low looks the same and names `too_low_slow` as its runner-up: docs/watch.md). **against the "
        "need**: advice that moves the rate the wrong way "
        "(lower or decay a rate too low; keep or raise one too high or broken). The issue's 95% counts "
        "the first column only:\n\n" + markdown_table(rows_m, head_m)
        + f"\n\nThe built-in verdicts right then (`{THEN}`) and wrong now, by what they read now:\n\n"
        + markdown_table(rows_l, head_l)
        + f"\n\nOutcome-labelled zoo corpus of `diagnose_zoo.py` ({len(zoo)} runs, {int(lab.sum())} "
        "labelled; a plain `step,loss,lr` history, the only input the old detector reads; these are the "
        "current detector's in-sample figures on this input, its held-out ones are in `diagnose_zoo`):\n\n"
        + markdown_table(rows_z, head_z)
        + "\n\nRight per zoo family:\n\n" + markdown_table(rows_f, head_f)
    )
    title = "diagnose then and now: the detector issue 14 was filed against, side by side"
    record("diagnose_then_now", title, body,
           command="nice -n 10 .venv/bin/python benchmarks/diagnose_then_now.py")


if __name__ == "__main__":
    main()
