"""The range test's HTML report: the answer first (rate, optimizer, how sure, the next step), then the figure.

Everything the page says in words comes from :func:`lrkit.finder.advise` (the one place the
suggestion is phrased); this module only lays it out. The other rules, the finder's own
account of the curve and the run's settings are folded away in ``<details>`` sections.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from lrkit.finder._advice import FIGURE_WORDS, RULE_WORDS
from lrkit.plotting._finder import plot_finder
from lrkit.plotting._mpl import pyplot
from lrkit.plotting._report import Report

__all__ = ["finder_report"]

#: The figure's caption when no rate was suggested: no suggestion dot, no zoom, no interval is drawn.
NO_SUGGESTION_FIGURE_WORDS = (
    "Left, the whole sweep: grey dots are the loss of each batch as the rate grows, the blue line the "
    "smoothed loss{others}. Right: why no rate was suggested."
)

_SETTINGS = ("start", "end", "num_steps", "mode", "loss", "accumulation_steps", "amp", "amp_skipped_steps",
             "repeats", "batches_used", "loader_passes", "world_size", "snapshot", "rule_requested")


def _e(text: Any) -> str:
    return html.escape(str(text))


def _answer(advice: Any, result: Any) -> str:
    sure = f"sure-{advice.confidence}"  # high, medium, low or none: the colour of the bar beside it
    if advice.lr is None:
        return (f'<div class="answer" id="answer"><p class="rate" id="suggestion">{_e(advice.headline)}</p>'
                f'<p id="optimizer">Optimizer: {_e(advice.optimizer)}.</p>'
                f'<p class="{sure}" id="confidence"><strong>What to do:</strong> '
                f"{_e(advice.confidence_words)}</p>"
                "</div>")
    parts = [
        '<div class="answer" id="answer">',
        f'<p class="rate">Suggested peak learning rate: <strong id="suggestion">{_e(advice.lr)}</strong></p>',
        f'<p id="optimizer">for <strong>{_e(advice.optimizer)}</strong>.</p>',
        f'<p class="{sure}" id="confidence"><strong>How sure: {_e(advice.confidence)}.</strong> '
        f"{_e(advice.confidence_words)}</p>",
        '<h2 id="next-step">Next step</h2>',
        f"<p>{_e(advice.next_step_words)}</p>",
        f'<pre><code id="next-spec">{_e(advice.schedule_spec)}</code></pre>',
        "<p>In a PyTorch script:</p>",
        f'<pre><code id="next-python">{_e(advice.python)}</code></pre>',
    ]
    if advice.cli:
        parts += ["<p>Or on the command line:</p>", f'<pre><code id="next-cli">{_e(advice.cli)}</code></pre>']
    if advice.caveats:
        parts.append('<ul class="caveats">' + "".join(f"<li>{_e(c)}</li>" for c in advice.caveats) + "</ul>")
    parts.append("</div>")
    return "".join(parts)


def _details(summary: str, body: str, ident: str) -> str:
    return f'<details id="{ident}"><summary>{_e(summary)}</summary>{body}</details>'


def _table(rows: list[list[Any]], headers: list[str]) -> str:
    r = Report("")
    r.add_table(rows, headers)
    return r.body()


def finder_report(result: Any, path: str | Path | None = None, *, budget: int | None = None,
                  task: str | None = None, script: str | None = None, title: str | None = None) -> Report:
    """The HTML report of a range test, leading with the answer.

    The page opens with the suggested rate, the optimizer (and batch size) it is for, how sure
    the reading is in plain words, and the next step as code to paste: an lrkit schedule spec
    for the run's length and the ``LRScheduler`` line (:func:`lrkit.finder.advise`). The
    two-panel figure follows; the rule's account of the curve, the other rules and the run's
    settings are folded away.

    Args:
        result: a :class:`~lrkit.finder.FinderResult`.
        path: also write the page there.
        budget: the updates of the run the rate is for (the next step's schedule; default
            ``result.meta["budget"]``, else a cosine over ``total_steps``).
        task: a built-in task's name, for an ``lrkit train`` line.
        script: or the ``FILE.py:FUNC`` script the sweep ran (``lrkit find --script``), for its line.
        title: the page title (default ``"LR range test"`` plus the task).

    Returns:
        The :class:`~lrkit.plotting.Report`.

    Example:
        >>> from lrkit.finder import Sweep, range_test, synthetic
        >>> r = range_test(synthetic.logistic(seed=0).step, sweep=Sweep(start=1e-5, end=1e4, num_steps=60))
        >>> page = finder_report(r, budget=500).html()
        >>> 'id="suggestion"' in page and "LRScheduler(optimizer" in page and "<details" in page
        True
    """
    from lrkit import __version__
    from lrkit.finder import advise

    advice = advise(result, budget=budget, task=task, script=script)
    name = (result.meta or {}).get("optimizer", {}).get("name", "")
    report = Report(title or ("LR range test" + (f": {task}" if task else "")),
                    subtitle=f"lrkit {__version__}; {name + '; ' if name else ''}{result.steps} steps; "
                             f"stopped: {result.stop_reason}")
    report.add_html(_answer(advice, result))
    fig = plot_finder(result)
    others = any(v is not None for v in (result.suggestions or {}).values())
    caption = FIGURE_WORDS if result.suggestion is not None else NO_SUGGESTION_FIGURE_WORDS.format(
        others="; hollow markers what other rules would pick" if others else "")
    report.add_figure(fig, caption=caption, alt="the range test: loss against learning rate")
    pyplot().close(fig)
    how = (f"<p><strong>{_e(result.rule)}</strong>: {_e(advice.rule_words)}.</p>"
           + (f"<p>Why this rule: {_e(advice.why_rule)}.</p>" if advice.why_rule else "")
           + f'<p class="meta">The rule\'s own account: {_e(result.reason)}</p>')
    report.add_html(_details("How the rate was read from the curve", how, "rule"))
    rows = [[k + (" (used)" if k == result.rule else ""), "-" if v is None else f"{v:.3g}",
             RULE_WORDS.get(k, "")] for k, v in (result.suggestions or {}).items()]
    report.add_html(_details("What the other rules would pick on the same sweep",
                             "<p>lrkit uses one rule; these are for comparison.</p>"
                             + _table(rows, ["rule", "rate", "what it does"]), "other-rules"))
    meta = result.meta or {}
    settings = [[k, str(meta[k])] for k in _SETTINGS if k in meta]
    settings.append(["wall time (s)", f"{result.wall_time:.2f}"])
    report.add_html(_details("Run settings", _table(settings, ["setting", "value"]), "settings"))
    if path is not None:
        report.write(path)
    return report
