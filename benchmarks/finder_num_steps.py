"""Does the finder's answer move with the sweep's ``num_steps``, and does its confidence word say so?

For every zoo workload (``lrkit.zoo``, finished grids) at seeds 0, 1, 2 and every built-in task of
``finder_regret.py`` (held out of every choice) at the same seeds: one ``find_lr`` call with every default
(``rule="auto"``, second pass and interval on) over ``Sweep``'s default range, at ``num_steps`` 50, 100
(the default) and 200, then :func:`lrkit.finder.advise`. Recorded per call: the suggestion, the word and
the kind of reading (:func:`lrkit.finder.confidence_features`), how the answer was reached. Scored:

* **regret**: the zoo's ``gap`` unit read from the grid's mean metric interpolated in log-rate at the
  suggestion (``dev.finder_zoo_cv.proxy``: no training; no suggestion scores 100); a built-in task's
  decades from its grid-best rate (``dev.ground_truth``);
* **spread**: per workload and seed, the decades between the highest and lowest of the three answers;
* **said**: whether the confidence word said so: a spread above ``MOVED`` (a factor 2, more than a
  tight reading's interval allows) with every answer ``high`` is a move the word hid; "now" replays the
  shipped rule (``dev.finder_num_steps_data.now_word``: a sweep too sparse for the smoother's window,
  :func:`lrkit.finder.sparse_grid`, reads ``sparse``, at most ``medium``).

Why the answer moves is read offline from the stored full sweeps (``dev.finder_num_steps_why``: the grid
alone, each landmark's move, the smoother's window held in decades). The shipped move of a first sweep's
clear reading to the calibrated density (``FinderPolicy.progress_exponent``: the answer times
``(k / k0) ** beta``) is chosen by leave-one-family-out over the zoo's 50- and 200-step answers, replayed
from the answers without it (``FinderPolicy(progress_exponent=0)``, stored) and checked against real calls;
the same correction on every answer is scored side by side (rejected). The word a ``sparse`` reading gets
is re-checked by leave-one-family-out over the zoo's 50-step answers (the strongest promise the other
families' answers keep). Family means weigh each family the same. The 100-step answers are compared with
the stored default answers (``finder_confidence.json``).

    flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/finder_num_steps.py [--cached-only]
"""

from __future__ import annotations

import math
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev import finder_num_steps_data as nsd  # noqa: E402
from dev import finder_num_steps_why as why  # noqa: E402
from dev.record import markdown_table, print_table, record, store_args  # noqa: E402
from dev.regret_runs import configs  # noqa: E402

from lrkit.finder import CONFIDENCE_PROMISE, FinderPolicy, Sweep  # noqa: E402

#: A spread above this many decades (a factor 2) is a move: more than a tight reading's interval
#: (``TIGHT_SPREAD`` 1.5) allows.
MOVED = math.log10(2.0)
KEEP_GAP = CONFIDENCE_PROMISE["keep_gap"]
STEPS = nsd.STEPS
#: The finder without the move of a clear reading to the calibrated density (``lrkit.finder._density``).
BEFORE = FinderPolicy(progress_exponent=0.0)


def _fam_mean(rows: list[dict[str, Any]], field: str) -> float:
    """Mean over families of each family's mean of ``field``."""
    by: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        by[r["family"]].append(float(r[field]))
    return float(np.mean([np.mean(v) for v in by.values()]))


def by_length(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """Per sweep length on the zoo: family-mean regret and keep share, the words (as recorded, and as the
    shipped rule words them: ``nsd.now_word``), the share of each word's answers that kept, the shift."""
    out = []
    for n in STEPS:
        at = [{**r, "kept": float(r["regret"] <= KEEP_GAP), "now": nsd.now_word(r)} for r in rows
              if r["where"] == "zoo" and r["steps"] == n]
        decades = [r["decades"] for r in at if r["decades"] is not None]

        def words(field: str) -> str:
            return "/".join(str(sum(r[field] == w for r in at)) for w in ("high", "medium", "low"))

        def kept(field: str, word: str) -> str:
            sel = [r for r in at if r[field] == word]
            return f"{_fam_mean(sel, 'kept'):.2f}" if sel else "-"

        out.append([n, round(_fam_mean(at, "regret"), 2), round(_fam_mean(at, "kept"), 3),
                    words("confidence"), kept("confidence", "high"), words("now"), kept("now", "high"),
                    kept("now", "medium"), round(float(np.median(decades)), 2),
                    sum(r["lr"] is None for r in at)])
    return out


def moves(rows: list[dict[str, Any]]) -> tuple[list[list[Any]], dict[str, Any]]:
    """Per family: the answers' spread over sweep lengths and how many moves the word hid."""
    cellwise: dict[tuple[str, str, str, int], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        cellwise[r["where"], r["name"], r["optimizer"], r["seed"]].append(r)
    fam: dict[str, list[tuple[float, bool, bool]]] = defaultdict(list)
    for cell in cellwise.values():
        lrs = [r["lr"] for r in cell]
        spread = math.inf if None in lrs else math.log10(max(lrs) / min(lrs))
        moved = spread > MOVED
        hidden = moved and all(r["confidence"] == "high" for r in cell)
        now = moved and all(nsd.now_word(r) == "high" for r in cell)
        fam[cell[0]["family"]].append((spread, moved, hidden, now))
    table = []
    for f in sorted(fam, key=lambda f: (f.startswith("built-in"), f)):
        v = fam[f]
        finite = [x[0] for x in v if math.isfinite(x[0])]
        table.append([f, len(v), round(float(np.mean(finite)), 2) if finite else "-",
                      round(max(finite), 2) if finite else "-", *(sum(x[i] for x in v) for i in (1, 2, 3))])
    zoo_rows = [x for f, v in fam.items() if not f.startswith("built-in") for x in v]
    total = {"cells": len(zoo_rows), "moved": sum(x[1] for x in zoo_rows),
             "hidden": sum(x[2] for x in zoo_rows), "now": sum(x[3] for x in zoo_rows),
             "spread": float(np.mean([x[0] for x in zoo_rows if math.isfinite(x[0])]))}
    return table, total


#: Candidate corrections for the sweep's density: the answer times ``(k / k0) ** beta``, ``k`` the sweep's
#: rates per decade and ``k0`` the calibrated ones. Reason: one update per rate, so the progress a sweep has
#: made by rate ``r`` grows as ``r * k`` (the sum of a geometric sweep's rates up to ``r``): a sparser sweep
#: sees the same curve at rates ``k0 / k`` times higher (beta 1); the blow-up moves less (beta < 1).
BETAS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5)


def lofo(rows: list[dict[str, Any]], *, clear_only: bool = False) -> tuple[list[list[Any]], dict[float, int]]:
    """Leave one family out: per held-out zoo family, the beta with the lowest mean of family-mean regrets
    over the other families' 50- and 200-step answers, scored on the held-out family (``clear_only``: the
    correction moves a first sweep's clear reading only, ``nsd.CLEAR_KINDS``)."""
    zoo_rows = [r for r in rows if r["where"] == "zoo" and r["steps"] != Sweep().num_steps]
    table = {b: nsd.corrected(zoo_rows, b, clear_only=clear_only) for b in BETAS}
    families = sorted({r["family"] for r in zoo_rows})
    chosen: dict[float, int] = defaultdict(int)
    held: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for f in families:
        best = min(BETAS, key=lambda b: _fam_mean([r for r in table[b] if r["family"] != f], "regret"))
        chosen[best] += 1
        for n in STEPS[::2]:
            held[n] += [r for r in table[best] if r["family"] == f and r["steps"] == n]
    out = []
    for n in STEPS[::2]:
        base = [r for r in zoo_rows if r["steps"] == n]
        out.append([n, round(_fam_mean(base, "regret"), 2), round(_fam_mean(held[n], "regret"), 2)]
                   + [round(_fam_mean([r for r in table[b] if r["steps"] == n], "regret"), 2) for b in BETAS])
    return out, dict(chosen)


def _word(share: float) -> str:
    """The strongest word whose promise ``share`` (a family-mean keep share) meets."""
    if share >= CONFIDENCE_PROMISE["high"]:
        return "high"
    return "medium" if share >= CONFIDENCE_PROMISE["medium"] else "low"


def sparse_word(rows: list[dict[str, Any]], steps: int, capped: bool) -> tuple[list[list[Any]], float]:
    """Leave one family out: the word ``steps``-step answers earn as a kind of their own (the strongest
    promise their family-mean keep share meets on the other families) and the held-out family's share that
    kept; ``capped``: only the answers recorded ``high`` or ``medium`` (the shipped rule's ``sparse`` cap:
    a ``rough`` reading stays ``low``). The last value: the held-out shares' mean."""
    at = [{**r, "kept": float(r["regret"] <= KEEP_GAP)} for r in rows
          if r["where"] == "zoo" and r["steps"] == steps and (not capped or r["confidence"] != "low")]
    out, held = [], []
    for f in sorted({r["family"] for r in at}):
        word = _word(_fam_mean([r for r in at if r["family"] != f], "kept"))
        share = float(np.mean([r["kept"] for r in at if r["family"] == f]))
        held.append(share)
        out.append([f, word, round(share, 2)])
    return out, float(np.mean(held))


def builtin_table(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """Per built-in task: each sweep length's answers (geometric mean over seeds), decades off, words."""
    out = []
    for cfg in configs(full=False):
        mine = [r for r in rows if (r["name"], r["optimizer"]) == (cfg["task"], cfg["optimizer"])]
        seeds = sorted({r["seed"] for r in mine})
        if not seeds:
            continue
        line: list[Any] = [f"{cfg['task']}/{cfg['optimizer']} (seeds {', '.join(map(str, seeds))})"]
        for n in STEPS:
            at = [r for r in rows if (r["where"], r["name"], r["optimizer"], r["steps"]) ==
                  ("task", cfg["task"], cfg["optimizer"], n)]
            lrs = [r["lr"] for r in at if r["lr"] is not None]
            off = [r["decades"] for r in at if r["decades"] is not None]
            mean_lr = f"{math.exp(np.mean(np.log(lrs))):.3g}" if lrs else "none"
            words = "/".join(r["confidence"][0] + ("" if nsd.now_word(r) == r["confidence"] else
                                                   f">{nsd.now_word(r)[0]}") for r in at)
            line.append(f"{mean_lr} ({np.mean(off):+.2f}; {words})" if off else f"{mean_lr} ({words})")
        out.append(line)
    return out


def density_rows(before: list[dict[str, Any]], rows: list[dict[str, Any]]) -> tuple[list[list[Any]], int]:
    """Per sweep length on the zoo: regret, keep share and the answers' spread before and with the density
    move; and how many answers equal the before answer moved by ``nsd.corrected`` (beta 1) exactly."""
    moved = nsd.corrected(before, 1.0, clear_only=True)
    key = lambda r: (r["where"], r["name"], r["optimizer"], r["seed"], r["steps"])  # noqa: E731
    now = {key(r): r["lr"] for r in rows}
    equal = sum(1 for r in moved if key(r) in now and (r["lr"] == now[key(r)] or (
        None not in (r["lr"], now[key(r)]) and abs(math.log10(r["lr"] / now[key(r)])) <= 1e-9)))
    _, b_tot = moves(before)
    _, n_tot = moves(rows)
    out = []
    for n in STEPS:
        b, a = ([{**r, "kept": float(r["regret"] <= KEEP_GAP)} for r in rs if r["where"] == "zoo"
                 and r["steps"] == n] for rs in (before, rows))
        out.append([n, round(_fam_mean(b, "regret"), 2), round(_fam_mean(a, "regret"), 2),
                    round(_fam_mean(b, "kept"), 3), round(_fam_mean(a, "kept"), 3),
                    sum(x["lr"] != y["lr"] for x, y in zip(b, a))])
    out.append(["spread (decades, mean over cells)", round(b_tot["spread"], 3), round(n_tot["spread"], 3),
                f"moved > 2x: {b_tot['moved']}", f"{n_tot['moved']}", "-"])
    return out, equal


def main() -> None:
    args = store_args(__doc__)
    before = nsd.collect(run=not args.cached_only, policy=BEFORE)
    rows = nsd.collect(run=not args.cached_only)
    same, close, total, far = nsd.check_default(rows)
    body = [f"Same-run check: of {total} zoo 100-step answers, {same} equal the stored default answers "
            f"(`finder_confidence.json`) bit for bit and {close} lie within 1e-6 decades of them; the others "
            f"differ (decades): "
            f"{', '.join(far) or 'none'}. "
            "Every comparison below is within this run. Regret: the zoo's gap unit "
            "from the grid's mean interpolated at the answer (no training); 'kept': lost at most 10 (the "
            "words' promise: high 0.85, medium 0.75 of answers kept, family means). 'now': the words the "
            "shipped rule gives these answers (a clear reading of a sweep too sparse for the smoother's "
            "window is `sparse`, at most medium). 'Before': the answers without the density move "
            "(`FinderPolicy(progress_exponent=0)`), stored by the session-13 run of this script."]
    g_rows, cells = why.grid_rows()
    g_head = ["first sweep read on", "regret", "median decades vs best", "mean |decades| from 100 steps"]
    l_head = ["num_steps", "log10 density ratio", "blow-up", "cells", "falling crossing", "rising edge",
              "minimum", "clear cells"]
    s_head = ["num_steps", "cells", "shipped smoother", "window held in decades (min_neighbours=2)"]
    l_rows, s_rows = why.landmark_rows(), why.smoothing_rows()
    for t, h in ((g_rows, g_head), (l_rows, l_head), (s_rows, s_head)):
        print_table(t, h)
    body.append("**Why the answer moves: the sweep, not the grid** (`dev.finder_num_steps_why`, offline from "
                "the stored full sweeps, the first sweep's reading only). Reading a 100-step sweep on every "
                "other point changes only the grid the smoother and the rules see; a real 50-step sweep also "
                f"trains the model by half as many updates ({cells} cells with a drop of at least 4 noise "
                "SDs in all three readings):\n\n" + markdown_table(g_rows, g_head)
                + "\n\nEach landmark's median move from its 100-step place, over log10 of the density "
                "ratio (-1: the progress law, one update per rate):\n\n" + markdown_table(l_rows, l_head)
                + "\n\nThe smoother's window held in decades instead of widened to reach its neighbours "
                "(first sweep, family-mean regret):\n\n" + markdown_table(s_rows, s_head))
    table, chosen = lofo(before, clear_only=True)
    head = ["num_steps", "before", "held out (LOFO)", *(f"beta {b:g}" for b in BETAS)]
    print_table(table, head)
    d_rows, equal = density_rows(before, rows)
    d_head = ["num_steps", "regret before", "regret now", "kept before", "kept now", "answers moved"]
    print_table(d_rows, d_head)
    body.append("**Shipped: a first sweep's clear reading moved to the calibrated density** "
                "(`FinderPolicy.progress_exponent`, `lrkit.finder._density`: the answer times "
                "`(k / k0) ** beta`, `k` the sweep's rates per decade, `k0` 12.4, for a reading of the "
                "half-depth crossings from a drop of at least `weak_rule_sigmas`; weak, rough and guessed "
                "readings and second passes are left alone). Beta chosen per held-out family over the other "
                f"families' 50- and 200-step answers: {dict(sorted(chosen.items()))}; replayed from the "
                "before answers, "
                f"{equal} of {len(rows)} real answers equal the replay at beta 1 (within 1e-9 decades):\n\n"
                + markdown_table(table, head) + "\n\nBefore and now, zoo (100 steps: no answer moves):\n\n"
                + markdown_table(d_rows, d_head))
    head = ["num_steps", "regret", "kept", "words h/m/l recorded", "high kept", "words h/m/l now",
            "high kept now", "medium kept now", "median decades vs best", "no answer"]
    table = by_length(rows)
    print_table(table, head)
    body.append("**Zoo, per sweep length, now** (37 workloads x seeds 0-2, 12 families):\n\n"
                + markdown_table(table, head))
    spread, tot = moves(rows)
    head = ["family", "cells", "mean spread (decades)", "max spread", f"moved > {MOVED:.2f}",
            "moved, all high (recorded)", "moved, all high (now)"]
    print_table(spread, head)
    body.append(f"**How far the three answers spread, now** per workload and seed (zoo: {tot['moved']} of "
                f"{tot['cells']} cells moved more than a factor 2, {tot['hidden']} of them worded high at "
                f"every length; mean spread {tot['spread']:.2f} decades):\n\n"
                + markdown_table(spread, head))
    head = ["held-out family", "word (others)", "held-out kept"]
    for capped in (True, False):
        table, mean = sparse_word(rows, 50, capped)
        print_table(table, head)
        what = ("the 50-step answers worded high or medium (the shipped `sparse` cap)" if capped else
                "every 50-step answer as one kind (loses the rough/clear split)")
        body.append(f"**Leave one family out, now: {what}**; held-out kept {mean:.2f} (family mean):\n\n"
                    + markdown_table(table, head))
    table, chosen = lofo(before)
    head = ["num_steps", "before", "held out (LOFO)", *(f"beta {b:g}" for b in BETAS)]
    print_table(table, head)
    body.append("**Rejected: the same correction on every answer** (guesses and weak readings too, which "
                "read the blow-up or the minimum, not the descent), on the before answers; beta chosen per "
                f"held-out family: {dict(sorted(chosen.items()))}; held out it helps 50 steps and costs "
                "200:\n\n"
                + markdown_table(table, head))
    head = ["built-in task", *(f"{n} steps: lr (decades vs best; words)" for n in STEPS)]
    for label, rs in (("before", before), ("now", rows)):
        table = builtin_table(rs)
        print_table(table, head)
        body.append(f"**Built-in tasks, {label}** (held out of every choice; geometric mean over the seeds "
                    "run; charlm's sweeps cost 14 s each, seed 0 only):\n\n" + markdown_table(table, head))
    if not args.no_record:
        record("finder_num_steps", "Finder: does the answer move with num_steps, and does the word say so?",
               "\n\n".join(body), command="flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python "
               "benchmarks/finder_num_steps.py")


if __name__ == "__main__":
    main()
