"""The adaptive-rates figure: per-coordinate rate ratios, and each method's path in its own panel.

On one shared contour plot SGD's zig-zag across the steep direction covers the adaptive methods'
paths, so each method gets a small panel of its own (same bowl, same axes), and the left panel
shows the quantity the claim is about: how much larger a rate the flat direction gets than the
steep one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lrkit.plotting._mpl import pyplot

__all__ = ["plot_adaptive"]

_DASHES = ("-", "-", (0, (6, 3)), (0, (2, 2)), (0, (8, 2, 2, 2)))
_MARKS = ("", "o", "s", "^", "D")


def plot_adaptive(r: Any) -> Any:
    """Draw an ``adaptive_per_parameter`` record; return the figure.

    Example:
        >>> from lrkit.lab import run_demo
        >>> fig = plot_adaptive(run_demo("adaptive_per_parameter", steps=40))
        >>> len(fig.axes), fig.axes[0].get_yscale()
        (6, 'log')
    """
    from lrkit.plotting._lab import COLORS, contour_grid

    fig = pyplot().figure(figsize=(13.0, 5.2), layout="constrained")
    grid = fig.add_gridspec(2, 5)
    ratio_ax = fig.add_subplot(grid[:, :2])
    for i, (name, eff) in enumerate(zip(r.names, r.effective_rates)):
        ratio = eff[:, 1] / eff[:, 0]
        # methods with the same ratio (AdaGrad, RMSProp and Adam all reach the condition number) share a
        # line: distinct dashes and staggered markers keep each one visible on top of the others
        every = max(len(ratio) // 8, 1)
        ratio_ax.plot(np.arange(len(ratio)), ratio, color=COLORS[i], lw=2.0, ls=_DASHES[i % len(_DASHES)],
                      marker=_MARKS[i % len(_MARKS)], ms=6, markevery=(i * every // len(r.names), every),
                      label=f"{name} (median {np.median(ratio):.3g}x)")
    ratio_ax.set_yscale("log")
    ratio_ax.axhline(1.0, color="k", lw=0.8, zorder=1)
    ratio_ax.set_xlabel("step t (updates)")
    ratio_ax.set_ylabel("rate on the flat axis / rate on the steep axis")
    ratio_ax.set_title("how much more rate the flat direction gets", fontsize=10)
    ratio_ax.grid(alpha=0.3)
    ratio_ax.legend(fontsize=8, loc="center right", title="flat / steep rate", title_fontsize=8)
    X, Y, Z = contour_grid(r.problem, n=100)
    (x0, x1), (y0, y1) = r.problem.bounds
    for i, (name, run, steps) in enumerate(zip(r.names, r.runs, r.steps_to_target)):
        ax = fig.add_subplot(grid[i // 3, 2 + i % 3])
        ax.contourf(X, Y, Z, levels=16, cmap="Greys_r", alpha=0.5)
        xs = np.asarray(run.xs)
        ax.plot(xs[:, 0], xs[:, 1], "-", color=COLORS[i], lw=1.4)
        ax.plot(*r.problem.start(), "k*", ms=8)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("$w_1$ (steep)", fontsize=7, labelpad=1)
        ax.set_ylabel("$w_2$ (flat)", fontsize=7, labelpad=1)
        reach = f"{steps} steps to 0.1% of the loss" if steps is not None else "not within the run"
        ax.set_title(f"{name}: {reach}", fontsize=8, color=COLORS[i])
    fig.get_layout_engine().set(w_pad=0.04, h_pad=0.04)
    return fig
