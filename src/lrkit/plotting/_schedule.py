"""Plot a schedule against the step."""

from __future__ import annotations

from typing import Any

import numpy as np

from lrkit.errors import LRKitError, check_count
from lrkit.plotting._mpl import figure_and_axes
from lrkit.schedules import Schedule, parse

__all__ = ["PLOT_BYTES_PER_STEP", "plot_schedule"]

#: Memory per plotted step: the step and rate arrays plus matplotlib's path copies; rounded up.
PLOT_BYTES_PER_STEP = 200


def plot_schedule(schedule: Schedule | str, steps: int, *, ax: Any = None, log: bool = False,
                  label: str | None = None) -> Any:
    """Draw ``schedule(t)`` for ``t = 0 .. steps-1``; return the figure.

    Args:
        schedule: a schedule or its spec string.
        steps: how many steps to draw (a positive integer).
        ax: matplotlib axes to draw on; a new figure when omitted.
        log: a logarithmic rate axis (for sweeps and exponential decays).
        label: the line's legend label; the schedule's spec by default.

    Returns:
        The matplotlib figure holding the axes.

    Raises:
        LRKitError: ``steps`` is not a positive integer or more than free memory holds (at
            :data:`PLOT_BYTES_PER_STEP` each), or the spec is invalid or reacts to a metric
            (``reduce_on_plateau``: no rate of the step to draw).

    Example:
        >>> fig = plot_schedule("cosine(lr=0.1, steps=100)", 100)
        >>> fig.axes[0].get_xlabel()
        'step t (optimizer updates)'
    """
    steps = check_count("steps", steps, "plot_schedule", bytes_each=PLOT_BYTES_PER_STEP)
    schedule = parse(schedule)
    if not isinstance(schedule, Schedule):  # reduce_on_plateau: a controller, as `lrkit schedule plot` says
        raise LRKitError(f"`schedule` of plot_schedule must be a schedule of the step; {schedule.name} "
                         "reacts to a metric and has no values to draw.")
    fig, ax = figure_and_axes(ax)
    t = np.arange(steps)
    ax.plot(t, schedule(t), label=label or schedule.to_spec())
    ax.set_xlabel("step t (optimizer updates)")
    ax.set_ylabel("learning rate")
    if log:
        ax.set_yscale("log")
    ax.set_title(_shorten(schedule.to_spec()), fontsize=9)
    ax.grid(alpha=0.3)
    return fig


def _shorten(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."
