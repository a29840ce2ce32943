"""Does the finder's confidence word keep its promise at every sweep density, held out by family?

The words (``lrkit.finder.CONFIDENCE_PROMISE``: ``high`` at least 0.85, ``medium`` at least 0.75 of a
kind's answers keep, family means; an answer keeps when it loses at most 10% of the grid-best rate's gain)
were calibrated on 100-step sweeps over ``Sweep``'s default range (12.4 rates per decade). A user picks
``num_steps`` and the range, so the sweep's density varies. Here, for every zoo workload (finished grids,
seeds 0-2) and every built-in task of ``finder_regret.py`` (held out of every choice), one ``find_lr``
call with every default at each of :data:`STEPS` over the default range (``dev.finder_num_steps_data``,
cached in ``finder_num_steps.json``), and:

* **per density**: the words each kind of reading earns on that density's answers (``calibrate_at``:
  ``finder_confidence.calibrate``, a kind that cannot occur at a density, a clear reading of a sweep too
  sparse for the smoother's window, taking the word of the next kind down), what ships as
  ``lrkit.finder.DENSITY_WORDS``;
* **held out by family**: per held-out zoo family, every density's words calibrated on the other 11
  families, checked on the held-out family's answers: per word and density, the share that kept (family
  mean), before (the 100-step words at every density, ``CONFIDENCE_WORDS``), calibrated alone, and now:
  a word whose held-out share misses its promise at a density is withdrawn there (:func:`withdraw`, its
  kinds take the next word down: a word that does not hold out is not given);
* **between measured densities**: ``lrkit.finder.density_words`` gives a density between two measured
  ones the lower of their two words per kind; checked by leaving each inner density out as well as each
  family (its words from its neighbours' tables, calibrated without it and without the family);
* **built-in tasks**: the words before and now and the answers' decades from the grid best.

    flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/finder_confidence_density.py

(``--cached-only``: the tables from the store.)
"""

from __future__ import annotations

import math
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import finder_confidence as fc  # noqa: E402
from dev import finder_num_steps_data as nsd  # noqa: E402
from dev.record import markdown_table, print_table, record, store_args  # noqa: E402
from dev.regret_runs import configs  # noqa: E402

from lrkit.finder import CONFIDENCE_KINDS, CONFIDENCE_WORDS, DENSITY_WORDS, words_between  # noqa: E402

#: The sweep lengths measured over the default range: a quarter to four times the default.
STEPS = (25, 50, 75, 100, 150, 200, 400)
WORDS = fc.WORDS
LEVEL = {w: i for i, w in enumerate(WORDS)}


def calibrate_at(rows: list[dict[str, Any]]) -> dict[str, str]:
    """The words from one density's answers: ``finder_confidence.calibrate`` (thresholds on the family-mean
    share kept, never above a clearer kind's, the design caps) over the kinds present; a kind in no row here
    (a clear reading where every clear reading is ``sparse``, ``sparse`` where none is) caps no other kind
    and earns no more than the next kind down that is present (``low`` if none)."""
    present = tuple(k for k in CONFIDENCE_KINDS if any(r["kind"] == k for r in rows))
    got = fc.calibrate(rows, order=present)
    out: dict[str, str] = {}
    for i, kind in enumerate(CONFIDENCE_KINDS):
        if kind in present:
            out[kind] = got[kind]
            continue
        below = next((got[k] for k in CONFIDENCE_KINDS[i + 1:] if k in present), "low")
        out[kind] = min(below, fc.CAPS.get(kind, "high"), key=LEVEL.__getitem__)
    return out


def tables(rows: list[dict[str, Any]], steps: tuple[int, ...],
           withdrawn: dict[int, set[str]] | None = None) -> dict[int, dict[str, str]]:
    """Every density's words from the zoo rows given; a word ``withdrawn`` at a density (its held-out share
    missed its promise there) is replaced by the next word down."""
    out = {}
    for n in steps:
        words = calibrate_at([r for r in rows if r["steps"] == n])
        for w in reversed(WORDS):  # high first: a high kind lowered to a withdrawn medium goes on down
            if w in (withdrawn or {}).get(n, set()):
                words = {k: WORDS[LEVEL[v] - 1] if v == w else v for k, v in words.items()}
        out[n] = words
    return out


def withdraw(zoo_rows: list[dict[str, Any]], steps: tuple[int, ...]) -> dict[int, set[str]]:
    """Per density, the words whose held-out share (each family under the other 11's words) misses its
    promise, withdrawn one at a time from the top until every word left keeps it."""
    out: dict[int, set[str]] = {n: set() for n in steps}
    while True:
        _, now, _ = held_out(zoo_rows, steps, out)
        missed = [(n, w) for n in steps for w in ("high", "medium")
                  if w not in out[n] and now[n, w] and _share(now[n, w]) < PROMISE[w]]
        if not missed:
            return out
        for n in {n for n, _ in missed}:
            out[n].add(max((w for m, w in missed if m == n), key=LEVEL.__getitem__))


PROMISE = {"high": fc.HIGH_SHARE, "medium": fc.MEDIUM_SHARE}


def _share(v: list[tuple[bool, str]]) -> float:
    fam: dict[str, list[bool]] = defaultdict(list)
    for ok, f in v:
        fam[f].append(ok)
    return float(np.mean([np.mean(x) for x in fam.values()]))


def _kept(r: dict[str, Any]) -> bool:
    return r["regret"] <= fc.KEEP_GAP


def _cell(v: list[tuple[bool, str]]) -> str:
    return f"{len(v)}: {_share(v):.2f}" if v else "-"


def held_out(zoo_rows: list[dict[str, Any]], steps: tuple[int, ...],
             withdrawn: dict[int, set[str]] | None = None) -> tuple[
        dict[tuple[int, str], list[tuple[bool, str]]], dict[tuple[int, str], list[tuple[bool, str]]],
        dict[int, dict[str, Counter]]]:
    """Per (density, word): the held-out answers and whether each kept, before (``CONFIDENCE_WORDS``) and
    now (each density's words calibrated on the other families); and each kind's words over the folds."""
    before: dict[tuple[int, str], list[tuple[bool, str]]] = defaultdict(list)
    now: dict[tuple[int, str], list[tuple[bool, str]]] = defaultdict(list)
    folds: dict[int, dict[str, Counter]] = {n: defaultdict(Counter) for n in steps}
    for f in sorted({r["family"] for r in zoo_rows}):
        t = tables([r for r in zoo_rows if r["family"] != f], steps, withdrawn)
        for n in steps:
            for k in CONFIDENCE_KINDS:
                folds[n][k][t[n][k]] += 1
        for r in zoo_rows:
            if r["family"] == f:
                before[r["steps"], CONFIDENCE_WORDS[r["kind"]]].append((_kept(r), f))
                now[r["steps"], t[r["steps"]][r["kind"]]].append((_kept(r), f))
    return before, now, folds


def between(zoo_rows: list[dict[str, Any]], steps: tuple[int, ...],
            withdrawn: dict[int, set[str]]) -> list[list[Any]]:
    """Leave one inner density and one family out: the inner density's words from its two neighbours'
    tables (``words_between``), calibrated on the other families; per word, the share kept held out."""
    out = []
    for i in range(1, len(steps) - 1):
        n, lo, hi = steps[i], steps[i - 1], steps[i + 1]
        got: dict[str, list[tuple[bool, str]]] = defaultdict(list)
        for f in sorted({r["family"] for r in zoo_rows}):
            t = tables([r for r in zoo_rows if r["family"] != f], (lo, hi), withdrawn)
            words = words_between(float(n), {lo: t[lo], hi: t[hi]})
            assert words is not None
            for r in zoo_rows:
                if r["family"] == f and r["steps"] == n:
                    got[words[r["kind"]]].append((_kept(r), f))
        out.append([f"{n} (from {lo} and {hi})", *(_cell(got[w]) for w in reversed(WORDS))])
    return out


def builtin_rows(rows: list[dict[str, Any]], steps: tuple[int, ...]) -> list[list[Any]]:
    """Per built-in task and density: the answers' mean decades from the grid best, words before > now."""
    out = []
    for cfg in configs(full=False):
        line: list[Any] = [f"{cfg['task']}/{cfg['optimizer']}"]
        for n in steps:
            at = [r for r in rows if (r["where"], r["name"], r["optimizer"], r["steps"]) ==
                  ("task", cfg["task"], cfg["optimizer"], n)]
            off = [r["decades"] for r in at if r["decades"] is not None]
            table = words_between(float(n), DENSITY_WORDS) or {}
            words = "/".join("n" if r["kind"] == nsd.NO_ANSWER else CONFIDENCE_WORDS[r["kind"]][0] + (
                "" if table.get(r["kind"], "low") == CONFIDENCE_WORDS[r["kind"]]
                else f">{table.get(r['kind'], 'low')[0]}") for r in at)
            line.append(f"{np.mean(off):+.2f} ({words})" if off else f"- ({words})")
        out.append(line)
    return out


def main() -> None:
    args = store_args(__doc__)
    rows = [r for n in STEPS for r in nsd.collect(run=not args.cached_only, steps=(n,))]
    # an answer without a suggestion has no kind's word to calibrate (its word is none by design)
    zoo_rows = [r for r in rows if r["where"] == "zoo" and r["kind"] != nsd.NO_ANSWER]
    steps = tuple(n for n in STEPS if any(r["steps"] == n for r in zoo_rows))
    withdrawn = withdraw(zoo_rows, steps)
    shipped = tables(zoo_rows, steps, withdrawn)
    body = [f"Zoo: {len({(r['name'], r['seed']) for r in zoo_rows})} workload-seed cells, "
            f"{len({r['family'] for r in zoo_rows})} families, at {', '.join(map(str, steps))} steps over "
            "the "
            "default range (rates per decade: "
            f"{', '.join(f'{12.375 * (n - 1) / 99:.3g}' for n in steps)}). An answer keeps when it loses at "
            f"most {fc.KEEP_GAP:g}% of the grid-best rate's gain (`dev.finder_zoo_cv.proxy`); the words' "
            f"promise: high {fc.HIGH_SHARE:g}, medium {fc.MEDIUM_SHARE:g} of answers kept, family means."]
    head = ["kind", *(f"{n} steps" for n in steps)]
    kinds = [[k, *(_kind_cell([r for r in zoo_rows if r["steps"] == n and r["kind"] == k], shipped[n][k])
                   for n in steps)] for k in CONFIDENCE_KINDS if any(r["kind"] == k for r in zoo_rows)]
    print_table(kinds, head)
    body.append("**Per kind of reading and density** (answers, families, share kept as a family mean; the "
                "word calibrated on all 12 families, what ships as `DENSITY_WORDS`):\n\n"
                + markdown_table(kinds, head))
    same = all(shipped[n] == DENSITY_WORDS.get(n) for n in steps) and shipped.get(100) == CONFIDENCE_WORDS
    body.append(f"Calibrated on all families {'equals' if same else 'DIFFERS FROM'} the shipped "
                "`DENSITY_WORDS` at every density (100 steps: `CONFIDENCE_WORDS`).")
    if not same:
        print("NOTE: calibrated", shipped, "differs from DENSITY_WORDS", DENSITY_WORDS)
    before, plain, _ = held_out(zoo_rows, steps)
    _, now, folds = held_out(zoo_rows, steps, withdrawn)
    head = ["num_steps", "words", "before", "calibrated alone", "now"]
    table = [[n, w, _cell(before[n, w]), _cell(plain[n, w]), _cell(now[n, w])]
             for n in steps for w in reversed(WORDS)]
    print_table(table, head)
    gone = "; ".join(f"{n} steps: {', '.join(sorted(ws))}" for n, ws in withdrawn.items() if ws) or "none"
    body.append("**Held out by family** (each family's answers under words calibrated on the other 11; "
                "'answers: share kept (family mean)'; before: the 100-step words at every density; "
                "calibrated alone: each density's own words; now: less any word whose held-out share "
                f"missed its promise at that density, its kinds taking the next word down: withdrawn {gone}; "
                "a withdrawn word was chosen on these held-out shares, so 'now' is the figure of the "
                "shipped words, not a further held-out test of the withdrawal). The promise: high >= 0.85, "
                "medium >= 0.75:\n\n" + markdown_table(table, head))
    head = ["kind", *(f"{n} steps" for n in steps)]
    table = [[k, *(", ".join(f"{w} {c}" for w, c in sorted(folds[n][k].items())) for n in steps)]
             for k in CONFIDENCE_KINDS]
    print_table(table, head)
    body.append("**Stability** (the word each kind got in the 12 folds, per density):\n\n"
                + markdown_table(table, head))
    table = between(zoo_rows, steps, withdrawn)
    head = ["density left out", *(f"{w}" for w in reversed(WORDS))]
    print_table(table, head)
    body.append("**Between measured densities** (`density_words`: the lower of the two neighbouring "
                "densities' words per kind), checked with each inner density and each family left out "
                "('answers: share kept (family mean)'):\n\n" + markdown_table(table, head))
    table = builtin_rows(rows, steps)
    head = ["built-in task", *(f"{n} steps: decades vs best (words)" for n in steps)]
    print_table(table, head)
    body.append("**Built-in tasks** (held out of every choice; seeds 0-2, charlm seed 0; mean decades from "
                "the grid-best rate; each answer's word before, '>' now where it moved):\n\n"
                + markdown_table(table, head))
    if not args.no_record:
        record("finder_confidence_density",
               "Finder confidence words at every sweep density, held out by family",
               "\n\n".join(body), command="flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python "
               "benchmarks/finder_confidence_density.py")


def _kind_cell(sel: list[dict[str, Any]], word: str) -> str:
    if not sel:
        return f"- ({word})"
    s = fc.share(sel)
    return (f"{len(sel)}/{len({r['family'] for r in sel})}: {'-' if s is None else f'{s:.2f}'} "
            f"({word})")


if __name__ == "__main__":
    main()
