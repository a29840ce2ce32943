"""The HTML report of :func:`lrkit.diagnose`: the verdict and what to do first, then curve and evidence."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import numpy as np

from lrkit._values import plain_values
from lrkit.errors import LRKitError, shown
from lrkit.plotting._mpl import figure_and_axes, pyplot
from lrkit.plotting._report import Report

__all__ = ["diagnosis_report", "plot_diagnosis", "VERDICT_TITLES"]

#: Largest max/min ratio of the losses drawn on a linear axis; past it (a blow-up, a long descent)
#: the loss axis is logarithmic, else the early losses squash the rest of the curve flat.
LOG_SCALE_SPAN = 30
#: The statistics whose evidence lists the steps it concerns (each spike), where the others give a span
#: ``(first, last)``: a listed test's steps are marked on the curve, however few.
LISTED_STEPS = ("early_spikes", "spike_height")
#: Each verdict as a reader would say it (the report's headline).
VERDICT_TITLES: dict[str, str] = {
    "nan": "Training broke: the loss became NaN or infinite",
    "loss_spikes": "The loss spikes: the rate is too high for some batches",
    "too_high_diverging": "The learning rate is too high: the loss turned upward",
    "too_high_oscillating": "The learning rate is too high: the loss swings instead of settling",
    "too_low_slow": "The learning rate looks too low: the loss falls slowly",
    "plateau": "The loss has stopped improving at this rate",
    "healthy": "Healthy: nothing to change about the rate",
    "uncertain": "I can't tell from this history what the rate is doing",
}

#: How diagnose's advice opens when its reading is a hint to check, not a verdict to act on (a reading
#: below ``DiagnosePolicy.advice_floor``, or one the history cannot settle): the headline then says so.
HINT_OPENING = "I can't tell"


def _numbers(name: str, value: Any) -> np.ndarray:
    """``value`` as floats, or one LRKitError naming the keyword (numpy's own error names none); tensors,
    with or without their graph, give their values, as :func:`lrkit.diagnose` reads them."""
    try:
        return np.asarray(plain_values(value), dtype=float)
    except (TypeError, ValueError):
        raise LRKitError(f"`{name}` of plot_diagnosis must be numbers, one per loss; got {shown(value)}."
                         ) from None


def plot_diagnosis(diagnosis: Any, losses: Any, *, steps: Any = None, lrs: Any = None, ax: Any = None) -> Any:
    """The loss (and rate) against the step, with the steps the fired evidence points at; return the figure.

    Example:
        >>> import numpy as np
        >>> from lrkit import diagnose
        >>> y = 1 / np.sqrt(1 + np.arange(300.0))
        >>> fig = plot_diagnosis(diagnose(y), y)
        >>> fig.axes[0].get_xlabel(), len(fig.axes[0].texts)
        ('step (optimizer update)', 0)
    """
    if not all(hasattr(diagnosis, a) for a in ("verdict", "confidence", "evidence", "n_steps", "statistics")):
        load = " (a saved one: Diagnosis.from_dict(data) loads it)" if isinstance(diagnosis, dict) else ""
        raise LRKitError("`diagnosis` of plot_diagnosis must be a Diagnosis (what lrkit.diagnose returns); "
                         f"got {type(diagnosis).__name__}{load}.")
    y = _numbers("losses", losses)
    if diagnosis.n_steps and y.size != diagnosis.n_steps:  # the figure's caption says they are the same
        raise LRKitError(f"`losses` of plot_diagnosis must be the {diagnosis.n_steps} losses the diagnosis "
                         f"was read from; got {y.size}.")
    x = np.arange(y.size) if steps is None else _numbers("steps", steps)
    if x.shape != y.shape:
        raise LRKitError(f"`steps` of plot_diagnosis must have {y.size} entries like `losses`; got {x.size}.")
    r = None if lrs is None else _numbers("lrs", lrs)
    if r is not None and r.shape != y.shape:  # checked before drawing: matplotlib's error names x and y
        raise LRKitError(f"`lrs` of plot_diagnosis must have {y.size} entries like `losses`; got {r.size}.")
    given = ax is not None
    fig, ax = figure_and_axes(ax, figsize=(11.0, 4.8))
    ok = np.isfinite(y)
    # A rate range test at the head (diagnose's probe_rows) is not what the verdict read: drawn apart, and
    # the axes' ranges set by the rows it read, so a probe's blow-up does not squash the curve judged.
    k = min(int(diagnosis.statistics.get("probe_rows", 0) or 0), y.size)
    read = ok & (np.arange(y.size) >= k)
    handles = ax.plot(x[read], y[read], "-", color="#2a6fb0", lw=1.2, label="training loss")
    if np.any(~ok):
        first = x[np.flatnonzero(~ok)[0]]
        label = f"first non-finite loss (step {first:g})"
        handles.append(ax.axvline(first, color="#c0392b", lw=2, label=label))
    marks = [e for e in diagnosis.evidence if e.fired and e.statistic in LISTED_STEPS and e.steps]
    for e in marks[:1]:
        at = np.isin(x, np.asarray(e.steps, dtype=float)) & ok
        handles += ax.plot(x[at], y[at], "o", color="#d0501a", ms=7, mfc="none", mew=1.6,
                           label=f"{e.statistic} ({len(e.steps)} step{'s' * (len(e.steps) > 1)})")
    drawn = y[read] if read.any() else y[ok]
    if drawn.size and np.all(drawn > 0) and np.max(drawn) / np.min(drawn) > LOG_SCALE_SPAN:
        ax.set_yscale("log")
    if k:
        ax.autoscale_view()
        lim = ax.get_ylim()
        ax.axvspan(x[0], x[k - 1], color="0.92", lw=0)
        handles[:0] = ax.plot(x[:k][ok[:k]], y[:k][ok[:k]], "-", color="0.6", lw=1.0,
                              label=f"rate range test ({k} rows the verdict left out)")
        if read.any():
            ax.set_ylim(lim)
    ax.set_xlabel("step (optimizer update)")
    ax.set_ylabel("loss")
    ax.grid(alpha=0.3)
    if r is not None:
        twin = ax.twinx()
        handles += twin.plot(x, r, "--", color="0.35", lw=1.2, label="learning rate (right axis)")
        twin.set_ylabel("learning rate")
        rr = r[k:] if k < r.size else r
        top = float(np.nanmax(rr)) if np.isfinite(rr).any() else 1.0
        twin.set_ylim(0.0, 1.25 * top if top > 0 else 1.0)
    ax.set_title(f"{diagnosis.verdict} (confidence {diagnosis.confidence:.2f})", fontsize=11)
    if given:
        ax.legend(handles=handles, fontsize=9, loc="best", framealpha=0.9)
    else:  # below the axes: the rate's axis draws over anything inside them
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize=9, frameon=False)
    return fig


def _named(evidence: Any) -> str:
    """A row's name in the evidence table: its test, with the statistic it reads where that differs (the
    drift and rise tests both read ``rise``); the statistic alone for a record saved before tests were named.

    Example:
        >>> from lrkit.diagnostics import Evidence
        >>> _named(Evidence("rise", 0.1, 0.03, False, 0.0, (0, 9), "", "drift"))
        'drift (rise)'
    """
    test = getattr(evidence, "test", "")
    if not test or test == evidence.statistic:
        return evidence.statistic
    return f"{test} ({evidence.statistic})"


def diagnosis_report(diagnosis: Any, path: str | Path | None = None, *, losses: Any = None, steps: Any = None,
                     lrs: Any = None, title: str = "lrkit diagnose") -> Report:
    """The HTML report of a :class:`~lrkit.diagnostics.Diagnosis`: verdict, what to do, curve, evidence.

    Args:
        diagnosis: what :func:`lrkit.diagnose` returned.
        path: also write the page there.
        losses, steps, lrs: the history it was computed from (for the figure; none: no figure).
        title: the page title.

    Example:
        >>> import numpy as np
        >>> from lrkit import diagnose
        >>> y = np.exp(-np.arange(300.0) / 80)
        >>> "Healthy" in diagnosis_report(diagnose(y), losses=y).html()
        True
    """
    report = Report(title, subtitle=f"{diagnosis.n_steps} losses; verdict {diagnosis.verdict}, "
                                    f"confidence {diagnosis.confidence:.2f}")
    headline = VERDICT_TITLES.get(diagnosis.verdict, diagnosis.verdict)
    if diagnosis.verdict != "uncertain" and diagnosis.recommendation.startswith(HINT_OPENING):
        headline = f"{VERDICT_TITLES['uncertain']} (it reads most like {diagnosis.verdict})"
    report.add_html(
        '<div class="answer" id="answer">'
        f'<p class="rate" id="verdict">{html.escape(headline)}</p>'
        f'<p id="recommendation"><strong>What to do:</strong> {html.escape(diagnosis.recommendation)}</p>'
        + (f'<p class="meta">Other tests that fired: {html.escape(", ".join(diagnosis.fired[1:]))}</p>'
           if len(diagnosis.fired) > 1 else "")
        + "</div>")
    if losses is not None:
        fig = plot_diagnosis(diagnosis, losses, steps=steps, lrs=lrs)
        probe = ", a rate range test at its head that it left out (grey)" \
            if diagnosis.statistics.get("probe_rows") else ""
        report.add_figure(fig, caption=f"The loss the verdict was read from (blue){probe}, the rate if it "
                                       "was logged (dashed), and the steps the deciding evidence points at.")
        pyplot().close(fig)
    report.add_heading("The evidence")
    report.add_text("Each test below compares one statistic of the curve (in brackets where its name is "
                    "not the test's) with a threshold; the first test that fires decides the verdict. A "
                    "test fires when its statistic is past its threshold, and some also need a second "
                    "condition their words give (a rise beyond chance, a stalled run), so a statistic past "
                    "its threshold may not fire.")
    rows = [[_named(e), "yes" if e.fired else "no", e.value, e.threshold, e.detail]
            for e in sorted(diagnosis.evidence, key=lambda e: not e.fired)]
    report.add_table(rows, ["test", "fired", "value", "threshold", "in words"])
    if path is not None:
        report.write(path)
    return report
