"""Plot a range test: raw losses, the lag-free smoothed curve, the suggestion and its interval.

The figure has two panels: the whole sweep, and a zoom on the suggestion where its interval is
wide enough to see (on the whole sweep a tight interval is a hair's width under the suggestion
line). Every label is a legend entry below the panels, never text at data coordinates, so
labels cannot stack however close the rules' rates are.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import numpy as np

from lrkit.errors import LRKitError
from lrkit.plotting._mpl import pyplot

__all__ = ["plot_finder", "save_figure", "FIGSIZE", "ZOOM_DECADES"]

#: Inches at 110 dpi: about 1,300 by 600 pixels, readable at full width of a report.
FIGSIZE = (12.0, 5.6)
#: Characters a line of the right panel's title when there is no suggestion (its reason, wrapped to fit the
#: panel's 2/5 of FIGSIZE at font size 9; one line of 75 ran past the figure's edge), and at most its lines.
NO_SUGGESTION_WRAP = (48, 6)
#: Most legend entries a row under the two panels (fewer when a row would be wider than the figure).
LEGEND_COLUMNS = 4
#: Half-width of the zoom panel around the suggestion, in decades of rate (or the interval, if wider).
ZOOM_DECADES = 0.3
_ORANGE, _BLUE, _GREY = "#d0501a", "#2a6fb0", "0.55"
_MARKERS = ("v", "^", "s", "D", "P", "X")
_FORMATS = ("png", "svg", "pdf")


def _curve(result: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(lrs, raw losses, smoothed losses)`` as float arrays."""
    return tuple(np.asarray(getattr(result, k), dtype=float) for k in ("lrs", "losses", "smoothed"))


def _on_curve(lrs: np.ndarray, sm: np.ndarray, lr: float) -> float:
    """The smoothed loss at ``lr`` (interpolated in log-rate over its finite points)."""
    ok = np.isfinite(sm)
    return float(np.interp(np.log10(lr), np.log10(lrs[ok]), sm[ok])) if ok.any() else float("nan")


def _draw(ax: Any, result: Any, *, zoom: bool) -> list[Any]:
    """Draw the sweep on ``ax``; return the artists to list in a legend."""
    lrs, losses, sm = _curve(result)
    finite, ok = np.isfinite(losses), np.isfinite(sm)
    handles = ax.plot(lrs[finite], losses[finite], ".", color=_GREY, ms=5,
                      label="raw loss (one batch each)")
    if ok.any():
        handles += ax.plot(lrs[ok], sm[ok], "-", color=_BLUE, lw=2.2, label="smoothed loss (no lag)")
    s, band = result.suggestion, result.interval
    if band is not None:
        policy = (result.meta or {}).get("policy") or {}
        level = policy.get("level", 0.9)
        covers = ("a rerun's suggestion, family average" if policy.get("seed_spread")
                  else "this sweep's noise only")
        if (result.meta or {}).get("source") == "second sweep":  # lrkit.finder.SECOND_PASS_COVERS
            covers = "this pass's noise; unreliable for a rerun"
        handles.append(ax.axvspan(*band, color="#f0a030", alpha=0.35, lw=0, zorder=1,
                                  label=f"interval ({level:.0%}, {covers}): {band[0]:.3g} to {band[1]:.3g}"))
        for edge in band:  # the band's edges stay visible even when the band is narrow
            ax.axvline(edge, color="#b06a00", lw=1.0, ls=":", zorder=2)
    if s is not None:
        y = _on_curve(lrs, sm, s)
        ax.axvline(s, color=_ORANGE, lw=1.2, ls="--", zorder=3)
        handles.append(ax.plot([s], [y], "o", color=_ORANGE, ms=9, mec="k", zorder=5,
                               label=f"suggestion ({result.rule}): {s:.3g}")[0])
        if band is not None:  # the interval as an error bar on the curve: visible at any width
            ax.errorbar([s], [y], xerr=[[s - band[0]], [band[1] - s]], fmt="none", ecolor="k", elinewidth=1.6,
                        capsize=6, capthick=1.6, zorder=4)
    if not zoom:
        others = [(k, v) for k, v in (result.suggestions or {}).items() if v is not None and k != result.rule]
        for marker, (name, value) in zip(_MARKERS, others):
            handles += ax.plot([value], [_on_curve(lrs, sm, value)], marker, color="0.25", mfc="white", ms=8,
                               mew=1.4, zorder=4, label=f"other rule '{name}': {value:.3g}")
    ax.set_xscale("log")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("loss")
    ax.grid(alpha=0.3, which="major")
    if zoom:  # plain numbers at 1, 2, 5 x 10^k: a zoom spans less than a decade
        from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

        ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    return handles


def _limits(ax: Any, result: Any, *, zoom: bool) -> None:
    """Keep the informative part in view: the blow-up can be orders of magnitude higher."""
    lrs, _, sm = _curve(result)
    ok = np.isfinite(sm)
    if zoom and result.suggestion is not None:
        s = result.suggestion
        lo, hi = s / 10**ZOOM_DECADES, s * 10**ZOOM_DECADES
        if result.interval is not None:
            lo, hi = min(lo, result.interval[0] / 1.2), max(hi, result.interval[1] * 1.2)
        ax.set_xlim(lo, hi)
        ok &= (lrs >= lo) & (lrs <= hi)
    if ok.any():
        y0, y1 = float(np.min(sm[ok])), float(np.max(sm[ok]))
        pad = 0.15 * (y1 - y0) if y1 > y0 else max(abs(y0) * 0.05, 1e-3)
        ax.set_ylim(y0 - pad, y1 + 2 * pad)


def plot_finder(result: Any, *, ax: Any = None, title: str | None = None,
                legend_loc: str = "upper left") -> Any:
    """Draw a :class:`~lrkit.finder.FinderResult` on a log-rate axis; return the figure.

    Raw losses are points (never hidden: the smoothed curve is drawn over them), the smoothed
    curve a line, the suggestion a marker on the curve with a dashed line, and its bootstrap
    interval a shaded band with dotted edges plus an error bar on the marker, visible at any
    width. The other rules' suggestions are hollow markers on the curve. All labels are legend
    entries, so none can stack on another.

    With ``ax=None`` the figure has two panels, the whole sweep and a zoom of
    :data:`ZOOM_DECADES` either side of the suggestion (or the interval, if wider), with one
    legend below them; with ``ax`` given, the whole sweep is drawn there with its own legend.

    Args:
        result: a ``FinderResult`` (or anything with its attributes).
        ax: axes to draw the whole sweep on; a new two-panel figure when ``None``.
        title: the figure's title (default: the suggestion and stop reason).
        legend_loc: where the legend goes when ``ax`` is given (matplotlib's ``loc``).

    Returns:
        The matplotlib figure.

    Example:
        >>> from lrkit.finder import Sweep, range_test, synthetic
        >>> r = range_test(synthetic.quadratic().step, sweep=Sweep(start=1e-5, end=10.0, num_steps=60),
        ...                interval=False)
        >>> fig = plot_finder(r)
        >>> [a.get_xscale() for a in fig.axes], fig.axes[0].get_xlabel(), len(fig.axes[0].texts)
        (['log', 'log'], 'learning rate (log scale)', 0)
    """
    _check_result(result)
    if title is None:
        sug = "none" if result.suggestion is None else f"{result.suggestion:.3g}"
        name = (result.meta or {}).get("optimizer", {}).get("name") if isinstance(result.meta, dict) else None
        title = (f"LR range test{' for ' + name if name else ''}: suggestion {sug} "
                 f"({result.steps} steps, stopped: {result.stop_reason})")
    if ax is not None:
        handles = _draw(ax, result, zoom=False)
        _limits(ax, result, zoom=False)
        ax.set_title(title, fontsize=10)
        ax.legend(handles=handles, fontsize=7, loc=legend_loc)
        return ax.figure
    plt = pyplot()
    fig, (whole, near) = plt.subplots(1, 2, figsize=FIGSIZE, layout="constrained", width_ratios=(3, 2))
    handles = _draw(whole, result, zoom=False)
    _limits(whole, result, zoom=False)
    whole.set_title("the whole sweep", fontsize=11)
    if result.suggestion is not None:
        _draw(near, result, zoom=True)
        _limits(near, result, zoom=True)
        near.set_title("zoom: the suggestion and its interval", fontsize=11)
    else:
        near.set_axis_off()
        width, lines = NO_SUGGESTION_WRAP
        near.set_title(textwrap.fill("no suggestion: " + result.reason, width, max_lines=lines,
                                     placeholder=" ..."), fontsize=9)
    fig.suptitle(title, fontsize=12)
    renderer = fig.canvas.get_renderer()
    for ncol in range(min(LEGEND_COLUMNS, len(handles)), 0, -1):  # long numbers: fewer entries a row
        legend = fig.legend(handles=handles, loc="outside lower center", ncol=ncol, fontsize=9, frameon=False)
        if ncol == 1 or legend.get_window_extent(renderer).width <= fig.bbox.width:
            break
        legend.remove()
    return fig


#: What plot_finder reads of a result (a FinderResult, or anything with these attributes).
RESULT_ATTRIBUTES = ("lrs", "losses", "smoothed", "suggestion", "suggestions", "interval", "rule", "reason",
                     "steps", "stop_reason", "meta")


def _check_result(result: Any) -> None:
    """One LRKitError for a value plot_finder cannot draw (its attributes' AttributeError names none)."""
    if all(hasattr(result, a) for a in RESULT_ATTRIBUTES):
        return
    load = " (a saved result: FinderResult.from_dict(data) loads it)" if isinstance(result, dict) else ""
    raise LRKitError(f"`result` of plot_finder must be a FinderResult; got {type(result).__name__}{load}.")


def save_figure(fig: Any, path: str | Path) -> Path:
    """Write ``fig`` to ``path`` (``.png``, ``.svg`` or ``.pdf``; parents created) and return the path.

    Raises:
        LRKitError: for another extension or a path that cannot be written.
    """
    path = Path(path)
    ext = path.suffix.lower().lstrip(".")
    if ext not in _FORMATS:
        allowed = ", ".join("." + f for f in _FORMATS)
        raise LRKitError(f"`path` of plot must end in {allowed}; got {str(path)!r}.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
    except OSError as exc:
        raise LRKitError(f"`path` of plot cannot be written: {path} ({exc.strerror or exc}).") from None
    return path
