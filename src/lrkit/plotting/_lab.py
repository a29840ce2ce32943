"""Figures of the learning-rate lab: one per demo record, plus trajectories on a contour plot."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from lrkit.errors import LRKitError, unknown_name
from lrkit.plotting._mpl import figure_and_axes, pyplot

__all__ = ["plot_demo", "plot_trajectories", "contour_grid"]

COLORS = ["#2a6fb0", "#d0501a", "#3a9a4a", "#8a4fb0", "#b08a1a", "#1a9ab0", "#b01a6a", "#555555"]


def contour_grid(problem: Any, n: int = 160) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(X, Y, log10(loss - min_loss + 1e-3))`` over the problem's bounds (for contour plots)."""
    (x0, x1), (y0, y1) = problem.bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    Z = problem.loss(np.stack([X, Y], axis=-1)) - problem.min_loss
    return X, Y, np.log10(np.maximum(Z, 0.0) + 1e-3)


def plot_trajectories(
    problem: Any, runs: Sequence[Any], *, labels: Sequence[str] | None = None, ax: Any = None
) -> Any:
    """Draw iterates of each run over the loss contours of ``problem``; return the figure.

    Diverging runs are drawn until they leave the plotted box.

    Example:
        >>> from lrkit.lab import Quadratic, SGD, minimize
        >>> q = Quadratic()
        >>> fig = plot_trajectories(q, [minimize(q, SGD(lr=0.5), steps=20)], labels=["lr 0.5"])
        >>> fig.axes[0].get_xlabel(), len(fig.axes[0].lines[0].get_xdata())
        ('$w_1$', 21)
    """
    fig, ax = figure_and_axes(ax, figsize=(5.0, 4.4))
    X, Y, Z = contour_grid(problem)
    ax.contourf(X, Y, Z, levels=24, cmap="Greys_r", alpha=0.55)
    ax.contour(X, Y, Z, levels=12, colors="0.45", linewidths=0.5)
    (x0, x1), (y0, y1) = problem.bounds
    for i, run in enumerate(runs):
        xs = np.asarray(run.xs)
        inside = np.all((xs >= [x0 - 1e-9, y0 - 1e-9]) & (xs <= [x1 + 1e-9, y1 + 1e-9]), axis=1)
        keep = len(xs) if inside.all() else int(np.argmin(inside)) + 1  # include the first point outside
        label = labels[i] if labels is not None else run.optimizer
        ax.plot(xs[:keep, 0], xs[:keep, 1], "o-", ms=2.5, lw=1.2, color=COLORS[i % len(COLORS)], label=label)
    ax.plot(*problem.start(), "k*", ms=9)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_title(f"{problem.name}: iterates over loss contours", fontsize=9)
    _finish(ax, "$w_1$", "$w_2$", loc="upper right")
    return fig


def _loss_axes(
    ax: Any,
    curves: Sequence[tuple[str, np.ndarray]],
    *,
    xlabel: str = "step t (updates)",
    ylabel: str = "loss - min (log scale)",
    floor: float = 1e-16,
) -> None:
    for i, (label, y) in enumerate(curves):
        y = np.asarray(y, dtype=float)
        ok = np.isfinite(y)
        ax.plot(
            np.flatnonzero(ok), np.maximum(y[ok], floor), lw=1.4, color=COLORS[i % len(COLORS)], label=label
        )
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    _finish(ax, xlabel, ylabel)


def _finish(ax: Any, xlabel: str, ylabel: str, *, legend: float | None = 7, **legend_kw: Any) -> None:
    """Close a panel: axis labels, then a legend at font size ``legend`` (none if ``None``)."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if legend is not None:
        ax.legend(fontsize=legend, **legend_kw)


def _panels(n: int, width: float = 4.6) -> tuple[Any, Any]:
    fig, axes = pyplot().subplots(1, n, figsize=(width * n, 4.0), layout="constrained")
    return fig, np.atleast_1d(axes)


def _divergence(r: Any) -> Any:
    fig, (a, b) = _panels(2)
    labels = [f"lr = {k:.3g} x 2/L" for k in r.rates / r.stability_limit]  # 1.05 as the record, not 1.1
    plot_trajectories(r.problem, r.runs, labels=labels, ax=a)
    _loss_axes(b, [(lab, run.gap()) for lab, run in zip(labels, r.runs)])
    b.set_title(f"stability limit 2/L = {r.stability_limit:g}: above it the loss grows", fontsize=9)
    return fig


def _slow(r: Any) -> Any:
    fig, (a, b) = _panels(2)
    _loss_axes(
        a,
        [(f"lr = {lr:.3g}", run.gap() / run.losses[0]) for lr, run in zip(r.rates, r.runs)],
        ylabel="loss / initial loss (log scale)",
    )
    a.axhline(r.tolerance, color="k", ls="--", lw=1)
    budget = len(r.runs[0].lrs)
    steps = [s if s is not None else budget for s in r.steps_to_target]
    bars = b.bar([f"{lr:.3g}" for lr in r.rates], steps, color=COLORS[: len(steps)])
    for bar, s in zip(bars, r.steps_to_target):
        b.annotate(
            str(s) if s is not None else f">{budget}",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    b.set_yscale("log")
    _finish(
        b, "learning rate (last = tuned 2/(L+mu))", f"steps to loss <= {r.tolerance:g} x initial", legend=None
    )
    return fig


def _oscillation(r: Any) -> Any:
    fig, (a, b) = _panels(2)
    for i, (lr, y) in enumerate(zip(r.rates, r.stiff)):
        a.plot(
            y,
            "o-",
            ms=3,
            color=COLORS[i],
            label=f"lr = {lr:g} ({'flips' if r.sign_flip_fraction[i] else 'no flips'})",
        )
    a.axhline(0, color="k", lw=0.8)
    _finish(a, "step t (updates)", "stiff coordinate $w_1$")
    plot_trajectories(r.problem, r.runs, labels=[f"lr = {x:g}" for x in r.rates], ax=b)
    return fig


def _stability(r: Any) -> Any:
    fig, ax = figure_and_axes(None, figsize=(6.4, 4.2))
    for i, (L, row) in enumerate(zip(r.curvatures, r.loss_ratio)):
        ax.plot(r.rates, np.minimum(row, 1e12), color=COLORS[i], label=f"L = {L:g}")
        ax.axvline(2 / L, color=COLORS[i], ls="--", lw=1)
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    _finish(ax, "constant learning rate (dashed: 2/L)", "final / initial loss after 100 steps", legend=8)
    return fig


def _schedules(r: Any) -> Any:
    fig, (a, b) = _panels(2)
    for i, (name, rates) in enumerate(zip(r.names, r.rates)):
        a.plot(rates, color=COLORS[i], label=name)
    _finish(a, "step t (updates)", "learning rate")
    _loss_axes(b, list(zip(r.names, r.mean_loss)), ylabel=f"mean loss over {r.seeds} seeds (log scale)")
    return fig


def _warmup(r: Any) -> Any:
    fig, (a, b, c) = _panels(3, width=4.2)
    plot_trajectories(r.problem, r.runs, labels=list(r.names), ax=a)
    _loss_axes(b, [(n, run.gap()) for n, run in zip(r.names, r.runs)])
    for i, (n, s) in enumerate(zip(r.names, r.sharpness)):
        c.plot(s, color=COLORS[i], label=n)
    c.axhline(2.0, color="k", ls="--", lw=1)
    c.set_yscale("log")
    _finish(c, "step t (updates)", "lr x local curvature (unstable above 2)")
    return fig


def _adaptive(r: Any) -> Any:
    from lrkit.plotting._lab_adaptive import plot_adaptive

    return plot_adaptive(r)


def _local(r: Any) -> Any:
    fig, (a, b) = _panels(2)
    lows = [f"lr = {run.lrs[0]:.3g}" for run in r.runs]
    plot_trajectories(r.problem, r.runs, labels=lows, ax=a)
    b.plot(r.rates, r.final_x, "o-", color=COLORS[0])
    b.axhline(r.local_x, color=COLORS[1], ls="--", label=f"local minimum x = {r.local_x:.3f}")
    b.axhline(r.global_x, color=COLORS[2], ls="--", label=f"global minimum x = {r.global_x:.3f}")
    _finish(b, "constant learning rate", "final $w_1$")
    return fig


def _batch(r: Any) -> Any:
    fig, (a, b) = _panels(2)
    batches = [r.base_batch * k for k in r.factors]
    for j, rule in enumerate(r.rules):
        a.plot(batches, r.val_loss[:, j], "o-", color=COLORS[j], label=f"rate scaling: {rule}")
    a.set_xscale("log", base=2)
    a.set_title(r.task, fontsize=9)
    _finish(a, f"batch size ({r.epochs} epochs each)", "validation loss")
    for i, (name, curve) in enumerate(r.curves.items()):
        b.plot(np.linspace(0, r.epochs, len(curve)), curve, color=COLORS[i % len(COLORS)], lw=1, label=name)
    _finish(b, "epoch", "training loss", legend=6)
    return fig


def _finder(r: Any) -> Any:
    from lrkit.plotting._finder import plot_finder

    fig, (a, b) = _panels(2)
    plot_finder(r.finder, ax=a, legend_loc="best")
    limit = a.axvline(r.stability_limit, color="k", ls="--", lw=1, label=f"stability limit 2/L = "
                      f"{r.stability_limit:g}")
    legend = a.get_legend()  # plot_finder's entries, and the limit's: every mark is a legend entry
    a.legend(handles=[*legend.legend_handles, limit], labels=[*(t.get_text() for t in legend.get_texts()),
             limit.get_label()], fontsize=7, loc="best")
    _loss_axes(b, [(f"lr = {lr:.3g}", run.gap()) for lr, run in zip(r.rates, r.runs)])
    b.set_title("training at suggestion / 100, suggestion, blow-up rate", fontsize=9)
    return fig


def _kohonen(r: Any) -> Any:
    fig, axes = _panels(4, width=3.6)
    for ax, name, res in zip(axes, r.names, r.results):
        w = np.clip(res.weights, 0, 1)
        if w.shape[-1] == 3:  # colours: each unit is a pixel
            ax.imshow(w)
        else:  # digits: each unit's 64 weights are an 8x8 prototype, tiled on the map grid
            rows, cols = w.shape[:2]
            ax.imshow(
                w.reshape(rows, cols, 8, 8).transpose(0, 2, 1, 3).reshape(rows * 8, cols * 8), cmap="gray_r"
            )
            ax.set_xticks([])
            ax.set_yticks([])
        ax.set_title(f"{name}\nQE {res.qe[-1]:.3f}, TE {res.te[-1]:.3f}", fontsize=8)
        _finish(ax, "map column", "map row", legend=None)
    ax = axes[-1]
    for i, (name, res) in enumerate(zip(r.names, r.results)):
        ax.plot(res.checkpoints, res.qe, color=COLORS[i], label=f"{name}: QE")
        ax.plot(res.checkpoints, res.te, color=COLORS[i], ls=":", label=f"{name}: TE")
    _finish(ax, "iteration", "quantization / topographic error", legend=6)
    return fig


_PLOTTERS: dict[str, Callable[[Any], Any]] = {
    "divergence": _divergence,
    "slow_convergence": _slow,
    "oscillation": _oscillation,
    "stability_limit": _stability,
    "schedules_compared": _schedules,
    "warmup": _warmup,
    "adaptive_per_parameter": _adaptive,
    "local_minimum": _local,
    "batch_size_scaling": _batch,
    "finder_explained": _finder,
    "kohonen": _kohonen,
}


def plot_demo(record: Any) -> Any:
    """The figure of a lab demo record (one or more panels); returns the figure.

    Raises:
        LRKitError: if ``record`` is not a lab demo record.

    Example:
        >>> from lrkit.lab import run_demo
        >>> fig = plot_demo(run_demo("oscillation"))
        >>> [ax.get_ylabel() for ax in fig.axes]
        ['stiff coordinate $w_1$', '$w_2$']
    """
    name = getattr(record, "demo", None)
    if name not in _PLOTTERS:
        if isinstance(name, str):
            raise unknown_name("demo", name, _PLOTTERS)
        raise LRKitError(f"`record` of plot_demo must be a lab demo record; got {type(record).__name__}.")
    fig = _PLOTTERS[name](record)
    fig.suptitle(record.claim, fontsize=9, wrap=True)
    return fig
