"""Plot a range test: raw losses, the lag-free smoothed curve, the suggestion and its interval."""

from __future__ import annotations

from typing import Any

import numpy as np

from lrkit.plotting._mpl import figure_and_axes

__all__ = ["plot_finder"]


def plot_finder(result: Any, *, ax: Any = None, title: str | None = None) -> Any:
    """Draw a :class:`~lrkit.finder.FinderResult` on a log-LR axis; return the figure.

    Raw losses are points (never hidden: the smoothed curve is drawn over
    them), the smoothed curve a line, the suggestion a vertical line and its
    bootstrap interval a shaded band. Every rule's suggestion is listed as a
    small tick on the top edge, so the rules can be compared on one sweep.

    Args:
        result: a ``FinderResult`` (or anything with its attributes).
        ax: axes to draw on; a new figure when ``None``.
        title: the axes title (default: the suggestion and stop reason).

    Returns:
        The matplotlib figure.

    Example:
        >>> from lrkit.finder import Sweep, range_test, synthetic
        >>> r = range_test(synthetic.quadratic().step, sweep=Sweep(start=1e-5, end=10.0, num_steps=60),
        ...                interval=False)
        >>> ax = plot_finder(r).axes[0]
        >>> ax.get_xscale(), ax.get_xlabel()
        ('log', 'learning rate (log scale)')
    """
    fig, ax = figure_and_axes(ax)
    lrs = np.asarray(result.lrs, dtype=float)
    losses = np.asarray(result.losses, dtype=float)
    finite = np.isfinite(losses)
    ax.plot(lrs[finite], losses[finite], ".", color="0.55", ms=4, label="raw loss")
    sm = np.asarray(result.smoothed, dtype=float)
    ok = np.isfinite(sm)
    if ok.any():
        ax.plot(lrs[ok], sm[ok], "-", color="#2a6fb0", lw=2, label="smoothed (no lag)")
        # Keep the informative part in view: the blow-up can be orders of magnitude higher.
        lo, hi = float(np.min(sm[ok])), float(np.max(sm[ok]))
        pad = 0.15 * (hi - lo) if hi > lo else 1.0
        ax.set_ylim(lo - pad, hi + 2 * pad)
    if result.interval is not None:
        ax.axvspan(*result.interval, color="#f0a030", alpha=0.25, label="interval")
    if result.suggestion is not None:
        label = f"{result.rule}: {result.suggestion:.3g}"
        ax.axvline(result.suggestion, color="#d0501a", lw=1.8, label=label)
    others = {k: v for k, v in (result.suggestions or {}).items() if v is not None and k != result.rule}
    for name, value in others.items():
        ax.axvline(value, ymin=0.93, ymax=1.0, color="0.2", lw=1)
        ax.annotate(name, (value, 1.0), xycoords=("data", "axes fraction"), fontsize=7, rotation=90,
                    va="top", ha="right", color="0.2")
    ax.set_xscale("log")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("loss")
    if title is None:
        sug = "none" if result.suggestion is None else f"{result.suggestion:.3g}"
        title = f"LR range test: suggestion {sug} ({result.stop_reason}, {result.steps} steps)"
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="lower left")
    return fig
