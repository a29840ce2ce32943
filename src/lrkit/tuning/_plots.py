"""Figures and the HTML report of a :class:`TuneResult` (matplotlib imported lazily)."""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

from lrkit.plotting import Report
from lrkit.plotting import figure_and_axes, pyplot
from lrkit.tuning._result import TuneResult

__all__ = ["plot_lr_scatter", "plot_history", "tune_report"]


def _family(row: dict[str, Any]) -> str:
    return row["params"].get("schedule") or (row["schedule"] or "constant").split("(", 1)[0]


def plot_lr_scatter(result: TuneResult, ax: Any = None) -> Any:
    """Rate vs metric, one point per trial, with the finder's interval drawn.

    Completed trials are filled markers coloured by schedule family; pruned
    trials are hollow, at their last reported value; diverged ones are crosses
    on the bottom edge. The shaded band is the finder's interval and the dashed
    line its suggestion.

    Args:
        result: a tuning result.
        ax: axes to draw on (default: a new figure).

    Returns:
        The matplotlib figure.

    Example:
        >>> from lrkit.tuning._result import TuneResult
        >>> fig = plot_lr_scatter(_example_result())
        >>> fig.axes[0].get_xscale()
        'log'
    """
    fig, ax = figure_and_axes(ax)
    families = sorted({_family(r) for r in result.trials if r["lr"] is not None})
    colors = {f: f"C{i}" for i, f in enumerate(families)}
    finite = [v for r in result.trials for v in (r["value"], r["last_intermediate"])
              if v is not None and math.isfinite(v)]
    floor = min(finite) if finite else 0.0
    for fam in families:
        rows = [r for r in result.trials if r["lr"] is not None and _family(r) == fam]
        done = [r for r in rows if r["state"] == "COMPLETE"]
        pruned = [r for r in rows if r["state"] == "PRUNED" and not r["diverged"]
                  and r["last_intermediate"] is not None]
        diverged = [r for r in rows if r["diverged"]]
        ax.scatter([r["lr"] for r in done], [r["value"] for r in done], color=colors[fam], label=fam,
                   zorder=3)
        ax.scatter([r["lr"] for r in pruned], [r["last_intermediate"] for r in pruned], facecolors="none",
                   edgecolors=colors[fam], zorder=3)
        ax.scatter([r["lr"] for r in diverged], [floor] * len(diverged), marker="x", color=colors[fam],
                   zorder=3)
    if result.finder is not None:
        if result.finder.get("interval"):
            lo, hi = result.finder["interval"]
            ax.axvspan(lo, hi, color="0.85", zorder=1, label="finder interval")
        ax.axvline(result.finder["suggestion"], color="0.3", linestyle="--", zorder=2,
                   label="finder suggestion")
    if result.best_lr is not None and result.best_value is not None:
        ax.scatter([result.best_lr], [result.best_value], marker="*", s=220, color="gold", edgecolors="k",
                   zorder=4, label="best")
    ax.set_xscale("log")
    lo, hi = result.lr_range
    ax.set_xlim(lo / 1.25, hi * 1.25)  # a trial at an end of the range is drawn whole
    ax.set_xlabel("peak learning rate")
    ax.set_ylabel(result.metric)
    ax.set_title("rate vs metric (hollow: pruned, x: diverged)")
    if families:
        ax.legend(fontsize="small")
    return fig


def plot_history(result: TuneResult, ax: Any = None) -> Any:
    """Optimization history: each completed trial's value and the best so far.

    Example:
        >>> fig = plot_history(_example_result())
        >>> fig.axes[0].get_xlabel()
        'trial'
    """
    fig, ax = figure_and_axes(ax)
    done = [r for r in result.trials if r["state"] == "COMPLETE" and r["value"] is not None]
    xs = [r["number"] for r in done]
    ys = [r["value"] for r in done]
    best, run = [], None
    for y in ys:
        better = run is None or (y > run if result.direction == "maximize" else y < run)
        run = y if better else run
        best.append(run)
    ax.scatter(xs, ys, color="C0", label="trial value", zorder=3)
    ax.step(xs, best, where="post", color="C3", label="best so far")
    ax.set_xlabel("trial")
    ax.set_ylabel(result.metric)
    ax.set_title(f"optimization history ({result.direction})")
    if xs:
        ax.legend(fontsize="small")
    return fig


def tune_report(result: TuneResult, path: str | Path | None = None) -> Report:
    """The HTML report: best result, plots, importances and the trial table.

    Args:
        result: a tuning result.
        path: if given, the report is also written there.

    Returns:
        The :class:`~lrkit.plotting.Report` (call ``.write(path)`` / ``.html()``).

    Example:
        >>> "optimization history" in tune_report(_example_result()).html()
        True
    """
    r = Report(f"lrkit tune: {result.study_name}",
               f"storage {result.storage}; sampler {result.sampler}, pruner {result.pruner}; "
               + ", ".join(f"{k} {v}" for k, v in result.versions.items()))
    r.add_html(_answer(result))
    r.add_text(f"{result.n_complete} complete, {result.n_pruned} pruned, {result.n_failed} failed of "
               f"{result.n_trials} requested; {result.compute_steps} training steps in all. Rate range "
               f"{result.lr_range[0]:.3g}..{result.lr_range[1]:.3g} ({result.lr_source}).")
    for note in result.notes:
        r.add_text(note)
    figures = ((plot_lr_scatter(result), "rate vs metric"), (plot_history(result), "optimization history"))
    for fig, cap in figures:
        r.add_figure(fig, cap)
        pyplot().close(fig)  # reports are built in loops (benchmarks): do not accumulate figures
    r.add_heading("Parameter importances")
    if result.importances:
        r.add_table(sorted(result.importances.items(), key=lambda kv: -kv[1]), ["parameter", "importance"])
    r.add_text(result.importance_note)
    r.add_heading("Trials")
    failed = any(t.get("error") for t in result.trials)  # the column only when a trial failed
    r.add_table([[t["number"], t["state"] + (" (diverged)" if t["diverged"] else ""),
                  "" if t["value"] is None else t["value"], "" if t["lr"] is None else t["lr"],
                  t["steps"] if t["steps"] is not None else "", t["schedule"] or ""]
                 + ([t.get("error") or ""] if failed else []) for t in result.trials],
                ["trial", "state", result.metric, "lr", "steps", "schedule"]
                + (["why it failed"] if failed else []))
    if path is not None:
        r.write(path)
    return r


def _answer(result: TuneResult) -> str:
    """The page's first box: the best rate and schedule, and the code to run them."""
    e = html.escape
    if result.best_schedule is None:
        why = result.why_no_best
        return ('<div class="answer" id="answer"><p class="rate" id="best">No trial completed.</p>'
                f"<p>{e(why[0].upper() + why[1:])} See the trials below.</p></div>")
    lo, hi = result.lr_range
    edge = ""
    if result.best_lr is not None and (result.best_lr < lo * _EDGE or result.best_lr > hi / _EDGE):
        edge = ('<p class="sure-low">The best rate lies at the edge of the searched range '
                f"{lo:.3g}..{hi:.3g}: the best may lie outside it; search a wider range (space lr) in a "
                "new study (a new --study name: a study keeps the space it was created with).</p>")
    opt = result.best_params.get("optimizer")  # a space that samples optimizers: the rate is for this one
    build = "the optimizer" if opt is None else f"the {opt} optimizer (the best trial's; the rate is for it)"
    code = ("from lrkit.torch import LRScheduler\n\n"
            f"# build {build} with lr={result.best_lr:.4g}, then:\n"
            f'scheduler = LRScheduler(optimizer, "{result.best_schedule}")\n'
            "# in the training loop, after each optimizer.step():\n#     scheduler.step()")
    return ('<div class="answer" id="answer">'
            f'<p class="rate">Best peak learning rate: <strong id="best-lr">{result.best_lr:.4g}</strong></p>'
            f"<p>with {e(result.metric)} = <strong>{result.best_value:.4g}</strong> "
            f"(trial {result.best_trial}, the best of {result.n_complete} completed).</p>{edge}"
            f'<h2 id="next-step">Next step</h2><p>Train with the best schedule:</p>'
            f'<pre><code id="best-schedule">{e(result.best_schedule)}</code></pre>'
            f'<pre><code id="next-python">{e(code)}</code></pre></div>')


#: A best rate within this factor of an end of the searched range sits at its edge.
_EDGE = 1.25


def _example_result() -> TuneResult:
    """A small hand-made result for the doctests."""
    rows = [
        {"number": i, "state": s, "value": v, "last_intermediate": li, "lr": lr, "diverged": d,
         "schedule": f"constant(lr={lr})", "steps": 10, "retry_of": None, "duration_s": 0.1,
         "params": {"lr": lr, "schedule": "constant"}}
        for i, (s, v, li, lr, d) in enumerate([("COMPLETE", 0.9, 0.9, 0.01, False),
                                               ("COMPLETE", 0.95, 0.95, 0.03, False),
                                               ("PRUNED", None, 0.5, 0.001, False),
                                               ("PRUNED", None, None, 0.5, True)])
    ]
    return TuneResult(best_lr=0.03, best_schedule="constant(lr=0.03)", best_value=0.95,
                      best_params=rows[1]["params"], best_trial=1, metric="val_acc", direction="maximize",
                      study_name="demo", storage="memory", n_trials=4, n_complete=2, n_pruned=2, n_failed=0,
                      trials=rows, importances=None, importance_note="too few trials", lr_range=(1e-4, 1.0),
                      lr_source="finder", finder={"suggestion": 0.02, "interval": [0.005, 0.1], "steps": 50},
                      space={}, sampler="tpe", pruner="hyperband", seed=0, sampler_seed=1, worker_id=0,
                      compute_steps=40, versions={"optuna": "5.0.0"})
