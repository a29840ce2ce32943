"""The lab's HTML pages: the report that teaches (contents, what to look at, the figure, the numbers
behind it) and the interactive page with the learning-rate slider.

Each demo section reads: a short title, what to look at in plain words (:mod:`._lab_guide`), the
figure (whose own title is the primer's claim), and folded away the numeric checks that make the
claim true with where the primers make it. The contents table at the top links every section and
says whether its claim held in this run; the interactive page is linked from the top too.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from lrkit.plotting._interactive import interactive_section
from lrkit.plotting._lab import plot_demo
from lrkit.plotting._lab_guide import LOOK_FOR, TITLES
from lrkit.plotting._mpl import pyplot
from lrkit.plotting._report import Report, figure_png

__all__ = ["lab_report", "interactive_page"]

_INTRO = (
    "Each section below reproduces one claim that learning-rate primers make: a figure you can read in "
    "a minute, and the numbers that make the claim true, computed (seeded) in this run. The optimizers "
    "are NumPy kernels with torch.optim's exact updates. Start with \u201cwhat to look at\u201d, then "
    "the figure."
)


def _e(text: Any) -> str:
    return html.escape(str(text))


def _try_it(href: str) -> str:
    return (f'<p class="answer" id="try-it"><strong>Try it yourself:</strong> <a href="{_e(href)}" '
            'id="interactive-link">the interactive page</a> lets you move the learning rate with a slider '
            "and watch gradient descent, momentum and the adaptive methods converge, oscillate or diverge "
            "on four landscapes.</p>")


def _contents(records: Sequence[Any]) -> str:
    rows = "".join(
        f'<tr><td>{i}</td><td class="text"><a href="#{_e(r.demo)}">{_e(TITLES.get(r.demo, r.demo))}</a></td>'
        f'<td class="text">{_e(r.claim)}</td><td class="text">{"holds" if r.holds() else "DOES NOT HOLD"}'
        "</td></tr>"
        for i, r in enumerate(records, 1))
    head = "".join(f'<th class="text">{h}</th>' for h in ("section", "the claim", "in this run"))
    return ('<nav class="toc" id="contents"><h2>Contents</h2><table><thead><tr><th>#</th>'
            f"{head}</tr></thead><tbody>{rows}</tbody></table></nav>")


def _section(i: int, record: Any, png: bytes) -> str:
    import base64

    checks = record.checks()
    held = sum(bool(v) for v in checks.values())
    rows = "".join(f'<tr><td class="text">{_e(k)}</td><td class="text">{"yes" if v else "NO"}</td></tr>'
                   for k, v in checks.items())
    from lrkit.lab import demos

    source = demos[record.demo].source
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<section id="{_e(record.demo)}"><h2>{i}. {_e(TITLES.get(record.demo, record.demo))}</h2>'
        f'<p class="lookfor"><strong>What to look at.</strong> {_e(LOOK_FOR.get(record.demo, ""))}</p>'
        f'<figure><img alt="{_e(record.claim)}" src="data:image/png;base64,{data}"></figure>'
        f"<details><summary>The numbers behind it: {held} of {len(checks)} checks hold</summary>"
        '<table><thead><tr><th>check</th><th class="text">holds</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
        f'<p class="meta">Where the primers say it: {_e(source)}.</p></details>'
        '<p class="meta"><a href="#contents">back to the contents</a></p></section>'
    )


def lab_report(
    records: Sequence[Any],
    grids: Sequence[Any] = (),
    *,
    title: str = "lrkit lab: the learning rate, shown",
    pngs: dict[str, bytes] | None = None,
    interactive_href: str | None = None,
) -> Report:
    """The lab report: contents, then per demo what to look at, its figure and its checks.

    Args:
        records: lab demo records (``lrkit.lab.run_demo``).
        grids: trajectory grids to embed the slider section at the end of this page (linked from the
            top); none: no slider here.
        title: the page title.
        pngs: figures already rendered by name (the CLI writes them to files too); missing ones are drawn.
        interactive_href: link the top of the page to a separate interactive page
            (:func:`interactive_page`) instead, e.g. ``"interactive.html"``.

    Returns:
        A :class:`Report` ready to :meth:`~Report.write`.

    Example:
        >>> from lrkit.lab import run_demo
        >>> page = lab_report([run_demo("oscillation")], interactive_href="interactive.html").html()
        >>> 'href="#oscillation"' in page and 'href="interactive.html"' in page and "What to look at." in page
        True
    """
    from lrkit import __version__

    subtitle = f"lrkit {__version__}; every number below is computed, seeded, in this run"
    report = Report(title, subtitle=subtitle)
    report.add_text(_INTRO)
    href = "#lrlab" if grids else interactive_href
    if href:
        report.add_html(_try_it(href))
    report.add_html(_contents(records))
    for i, r in enumerate(records, 1):
        png = (pngs or {}).get(r.demo)
        if png is None:
            fig = plot_demo(r)
            png = figure_png(fig)
            pyplot().close(fig)
        report.add_html(_section(i, r, png))
    if grids:
        fragment, script = interactive_section(grids)
        report.add_html(fragment, script=script)
    return report


def interactive_page(grids: Sequence[Any], *, report_href: str | None = None,
                     title: str = "lrkit lab: move the learning rate") -> Report:
    """The interactive page on its own: the slider over precomputed trajectories.

    Args:
        grids: :class:`~lrkit.lab.TrajectoryGrid` records, one per problem.
        report_href: link back to the lab report (e.g. ``"report.html"``).
        title: the page title.

    Example:
        >>> from lrkit.lab import Quadratic, trajectory_grid
        >>> grid = trajectory_grid(Quadratic(), ["sgd"], rates=[0.1, 1.0], steps=5)
        >>> page = interactive_page([grid], report_href="report.html").html()
        >>> 'id="lrlab-rate"' in page and 'href="report.html"' in page
        True
    """
    report = Report(title, subtitle="every path was computed in Python; the page only draws it")
    report.add_text("Pick a landscape and an optimizer, then move the learning rate. Watch for the rate "
                    "where the path starts to zig-zag, and the one where it flies off.")
    if report_href:
        report.add_html(f'<p class="meta"><a href="{_e(report_href)}" id="report-link">Back to the lab '
                        "report</a>: every claim, with its figure and numbers.</p>")
    fragment, script = interactive_section(grids)
    report.add_html(fragment, script=script)
    return report
