"""The lab's HTML report, with an interactive learning-rate slider over precomputed trajectories.

The page does no optimization math: every trajectory is computed in Python
(:func:`lrkit.lab.trajectory_grid`) at a grid of rates and embedded as JSON; the
browser only maps numbers to pixels when the slider or a selector moves. The
contour background is a PNG rendered here, so the page is self-contained.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from lrkit.plotting._lab import contour_grid
from lrkit.plotting._lab_guide import PROBLEM_CAPTIONS
from lrkit.plotting._mpl import pyplot
from lrkit.plotting._report import figure_png

__all__ = ["interactive_section", "grid_payload"]

SIZE = 440  # px, both panels: side by side they fill the report's width
PAD = 44  # px of the loss panel kept for axis labels
LOG_FLOOR = -12.0  # the loss panel's y axis starts at 1e-12


def _r(v: float) -> float | None:
    return float(f"{v:.4g}") if np.isfinite(v) else None


def _background(problem: Any) -> str:
    """A contour image of exactly the problem's bounds (no axes), as a data URL."""
    plt = pyplot()
    fig = plt.figure(figsize=(4, 4), dpi=85)
    ax = fig.add_axes((0, 0, 1, 1))
    X, Y, Z = contour_grid(problem, n=120)
    ax.contourf(X, Y, Z, levels=24, cmap="Greys_r", alpha=0.6)
    ax.contour(X, Y, Z, levels=12, colors="0.4", linewidths=0.5)
    (x0, x1), (y0, y1) = problem.bounds
    ax.set_xlim(x0, x1)  # the image must span exactly the bounds the page maps coordinates with
    ax.set_ylim(y0, y1)
    ax.set_axis_off()
    png = figure_png(fig, dpi=85)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def grid_payload(grid: Any) -> dict[str, Any]:
    """Plain, rounded data for one :class:`~lrkit.lab.TrajectoryGrid` (what the page embeds).

    Iterates are clamped to 1.5x the plotted box so a diverging path stays drawable;
    ``gap`` is ``log10(loss - min_loss)`` clipped below at -12 (``None`` after divergence).
    """
    problem = grid.problem
    (x0, x1), (y0, y1) = problem.bounds
    cx, cy, hx, hy = (x0 + x1) / 2, (y0 + y1) / 2, 0.75 * (x1 - x0), 0.75 * (y1 - y0)
    runs: dict[str, list[dict[str, Any]]] = {}
    for name, trajectories in grid.runs.items():
        out = []
        for tr in trajectories:
            xs = np.column_stack(
                [np.clip(tr.xs[:, 0], cx - hx, cx + hx), np.clip(tr.xs[:, 1], cy - hy, cy + hy)]
            )
            gap = np.log10(np.maximum(tr.gap(), 10**LOG_FLOOR))
            out.append(
                {
                    "x": [_r(v) for v in xs[:, 0]],
                    "y": [_r(v) for v in xs[:, 1]],
                    "gap": [_r(v) for v in gap],
                    "diverged_at": tr.diverged_at,
                }
            )
        runs[name] = out
    limit = getattr(problem, "stability_limit", None)
    return {
        "name": problem.name,
        "caption": PROBLEM_CAPTIONS.get(problem.name, ""),
        "bounds": [[x0, x1], [y0, y1]],
        "rates": [_r(r) for r in grid.rates],
        "steps": grid.steps,
        "limit": limit,
        "background": _background(problem),
        "runs": runs,
    }


_HTML = """
<section id="lrlab" class="lrlab">
<h2>Interactive: move the learning rate</h2>
<p>Every path below was computed in Python at {n_rates} rates; the slider picks one.
Left: the iterates on the loss contours (black dot: start, orange dot: last iterate).
Right: loss minus its minimum, log scale.</p>
<p id="lrlab-caption" class="lookfor"></p>
<div class="lrlab-controls">
<label>problem <select id="lrlab-problem">{problem_options}</select></label>
<label>optimizer <select id="lrlab-optimizer">{optimizer_options}</select></label>
<label>learning rate
<input id="lrlab-rate" type="range" min="0" max="{max_index}" step="1" value="{start_index}"></label>
<output id="lrlab-rate-value"></output> <span id="lrlab-status" class="meta"></span>
</div>
<div class="lrlab-panels">
<svg id="lrlab-contour" width="{size}" height="{size}" viewBox="0 0 {size} {size}"
 role="img" aria-label="trajectory">
<image id="lrlab-bg" x="0" y="0" width="{size}" height="{size}"
 preserveAspectRatio="none" href=""></image>
<polyline id="lrlab-path" fill="none" stroke="#d0501a" stroke-width="2" points=""></polyline>
<circle id="lrlab-start" r="5" fill="#000"></circle><circle id="lrlab-end" r="4" fill="#d0501a"></circle>
</svg>
<svg id="lrlab-loss" width="{size}" height="{size}" viewBox="0 0 {size} {size}"
 role="img" aria-label="loss curve">
<rect x="{pad}" y="8" width="{plot}" height="{plot_h}" fill="#fafbfc" stroke="#ccd5df"></rect>
<g id="lrlab-ticks" font-size="10" fill="#555"></g>
<polyline id="lrlab-curve" fill="none" stroke="#2a6fb0" stroke-width="2" points=""></polyline>
<text x="{mid}" y="{xlabel_y}" font-size="11" text-anchor="middle">step t (updates)</text>
<text x="12" y="{ymid}" font-size="11" text-anchor="middle"
 transform="rotate(-90 12 {ymid})">loss - min (log10)</text>
</svg>
</div>
<script type="application/json" id="lrlab-data">{data}</script>
</section>
"""

_CSS = """.lrlab-controls{display:flex;flex-wrap:wrap;gap:1em;align-items:center;margin:.6em 0}
.lrlab-panels{display:flex;flex-wrap:wrap;gap:1em}.lrlab-panels svg{border:1px solid #dde3ea;background:#fff}
#lrlab-rate{width:320px}"""

_JS = """(function () {
  "use strict";
  var S = %(size)d, PAD = %(pad)d, FLOOR = %(floor)s, TOP = 8, PH = S - PAD - TOP;
  var data = JSON.parse(document.getElementById("lrlab-data").textContent);
  var prob = document.getElementById("lrlab-problem"), opt = document.getElementById("lrlab-optimizer");
  var slider = document.getElementById("lrlab-rate"), out = document.getElementById("lrlab-rate-value");
  var status = document.getElementById("lrlab-status");
  function px(g, x, y) {  // data -> pixel: a linear map, nothing else
    var b = g.bounds;
    return [(x - b[0][0]) / (b[0][1] - b[0][0]) * S, S - (y - b[1][0]) / (b[1][1] - b[1][0]) * S];
  }
  function ticks(g) {
    var el = document.getElementById("lrlab-ticks"), parts = [];
    for (var v = FLOOR; v <= 4; v += 4) {
      var y = TOP + PH - (v - FLOOR) / (4 - FLOOR) * PH;
      parts.push('<text x="' + (PAD - 4) + '" y="' + (y + 3) + '" text-anchor="end">1e' + v + '</text>');
    }
    parts.push('<text x="' + PAD + '" y="' + (S - PAD + 14) + '">0</text>');
    parts.push('<text x="' + (S - 4) + '" y="' + (S - PAD + 14) + '" text-anchor="end">' +
               g.steps + '</text>');
    el.innerHTML = parts.join("");
  }
  function draw() {
    var g = data[prob.value], run = g.runs[opt.value][+slider.value], pts = [];
    for (var i = 0; i < run.x.length; i++) {
      if (run.x[i] === null || run.y[i] === null) break;
      pts.push(px(g, run.x[i], run.y[i]).join(","));
    }
    document.getElementById("lrlab-path").setAttribute("points", pts.join(" "));
    var s = pts[0].split(","), e = pts[pts.length - 1].split(",");
    var start = document.getElementById("lrlab-start"), end = document.getElementById("lrlab-end");
    start.setAttribute("cx", s[0]); start.setAttribute("cy", s[1]);
    end.setAttribute("cx", e[0]); end.setAttribute("cy", e[1]);
    var curve = [];
    for (var t = 0; t < run.gap.length; t++) {
      if (run.gap[t] === null) break;
      var v = Math.min(Math.max(run.gap[t], FLOOR), 4);
      curve.push((PAD + t / g.steps * (S - PAD - 4)) + "," + (TOP + PH - (v - FLOOR) / (4 - FLOOR) * PH));
    }
    document.getElementById("lrlab-curve").setAttribute("points", curve.join(" "));
    var rate = g.rates[+slider.value];
    out.textContent = "lr = " + rate + (g.limit ? "  (" + (rate / g.limit).toPrecision(3) + " x 2/L)" : "");
    status.textContent = run.diverged_at !== null ? "diverged at step " + run.diverged_at
      : "log10(final loss - min) = " + run.gap[run.gap.length - 1];
  }
  function setProblem() {
    var g = data[prob.value];
    document.getElementById("lrlab-caption").textContent = g.caption;
    document.getElementById("lrlab-bg").setAttribute("href", g.background);
    slider.max = g.rates.length - 1;
    ticks(g);
    draw();
  }
  prob.addEventListener("change", setProblem);
  opt.addEventListener("change", draw);
  slider.addEventListener("input", draw);
  setProblem();
})();"""


def interactive_section(grids: Sequence[Any]) -> tuple[str, str]:
    """HTML fragment and script of the slider page for one or more trajectory grids.

    Args:
        grids: :class:`~lrkit.lab.TrajectoryGrid` records (one per problem) sharing
            optimizer names and the number of rates.

    Returns:
        ``(html, javascript)`` for :meth:`Report.add_html`.

    Example:
        >>> from lrkit.lab import Quadratic, trajectory_grid
        >>> grid = trajectory_grid(Quadratic(), ["sgd"], rates=[0.1, 1.0], steps=5)
        >>> fragment, script = interactive_section([grid])
        >>> 'id="lrlab-rate"' in fragment and "addEventListener" in script
        True
    """
    from lrkit.errors import LRKitError

    if not grids:
        raise LRKitError("`grids` of interactive_section must hold at least one trajectory grid; got none.")
    payload = {g.problem.name: grid_payload(g) for g in grids}
    first = next(iter(payload.values()))
    names = list(first["runs"])
    n = len(first["rates"])
    # open on the rate nearest 0.3: visible progress for most optimizers, stable on the quadratic
    start = int(np.argmin(np.abs(np.log(np.asarray(first["rates"], dtype=float)) - np.log(0.3))))
    fragment = _HTML.format(
        n_rates=n,
        max_index=n - 1,
        start_index=start,
        size=SIZE,
        pad=PAD,
        plot=SIZE - PAD - 4,
        plot_h=SIZE - PAD - 8,
        mid=(SIZE + PAD) // 2,
        xlabel_y=SIZE - 10,
        ymid=SIZE // 2,
        problem_options="".join(
            f'<option value="{html.escape(k)}">{html.escape(k)}</option>' for k in payload
        ),
        optimizer_options="".join(
            f'<option value="{html.escape(k)}">{html.escape(k)}</option>' for k in names
        ),
        # "</" cannot appear inside a script element; JSON allows the escaped form
        data=json.dumps(payload, allow_nan=False, separators=(",", ":")).replace("</", "<\\/"),
    )
    script = _JS % {"size": SIZE, "pad": PAD, "floor": repr(LOG_FLOOR)}
    return f"<style>{_CSS}</style>{fragment}", script
