"""The plotting package's report functions, called directly, against the records they draw.

Pages are read back with the standard library's ``html.parser`` (not by searching for strings
the code wrote): the suggestion shown is the result's own rate to 3 significant digits, the
evidence table has one row per test the diagnosis ran, in its order (fired first); the figure's
lines carry exactly the losses and rates given.
"""

from __future__ import annotations

from html.parser import HTMLParser

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from lrkit import LRKitError, diagnose  # noqa: E402
from lrkit.finder import Sweep, range_test, synthetic  # noqa: E402
from lrkit.plotting import diagnosis_report, finder_report, plot_diagnosis  # noqa: E402
from lrkit.plotting._mpl import pyplot  # noqa: E402


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Page(HTMLParser):
    """Text by element id, and the rows of the page's tables as lists of cell texts."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.by_id: dict[str, str] = {}
        self.rows: list[list[str]] = []
        self._open: list[tuple[str, str | None]] = []  # (tag, id) of the elements open here
        self._cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        ident = dict(attrs).get("id")
        if ident:
            self.by_id[ident] = ""
        if tag not in _VOID:
            self._open.append((tag, ident))
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        while self._open and self._open.pop()[0] != tag:
            pass
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        for _, ident in self._open:
            if ident:
                self.by_id[ident] += data
        if self._cell is not None:
            self._cell.append(data)


def _decaying(n: int = 300) -> np.ndarray:
    return np.exp(-np.arange(n, dtype=float) / 80) + 0.01 * np.random.default_rng(0).normal(size=n)


def test_finder_report_leads_with_the_results_rate(tmp_path) -> None:
    result = range_test(synthetic.logistic(seed=0).step, sweep=Sweep(start=1e-5, end=1e4, num_steps=60))
    out = tmp_path / "find.html"
    report = finder_report(result, out, budget=500, task="digits-mlp")
    text = out.read_text(encoding="utf-8")
    assert text == report.html()
    page = _Page(text)
    assert float(page.by_id["suggestion"]) == pytest.approx(float(f"{result.suggestion:.3g}"))
    assert "LRScheduler(optimizer" in text and "digits-mlp" in text


def test_plot_diagnosis_draws_the_history_it_is_given() -> None:
    y = _decaying()
    lrs = np.full(y.size, 0.1)
    fig = plot_diagnosis(diagnose(y, lrs), y, lrs=lrs)
    try:
        loss_line, rate_line = fig.axes[0].lines[0], fig.axes[1].lines[0]
        np.testing.assert_array_equal(loss_line.get_ydata(), y)
        np.testing.assert_array_equal(loss_line.get_xdata(), np.arange(y.size))
        np.testing.assert_array_equal(rate_line.get_ydata(), lrs)
        assert fig.axes[0].get_title().startswith(diagnose(y, lrs).verdict)
    finally:
        pyplot().close(fig)
    with pytest.raises(LRKitError, match="`steps` of plot_diagnosis must have 300 entries"):
        plot_diagnosis(diagnose(y), y, steps=np.arange(10))


def test_plot_diagnosis_draws_into_a_given_axes() -> None:
    y = _decaying()
    plt = pyplot()
    fig, ax = plt.subplots()
    try:
        assert plot_diagnosis(diagnose(y), y, ax=ax) is fig and len(fig.axes) == 1
    finally:
        plt.close(fig)


def test_diagnosis_report_lists_every_test_it_ran(tmp_path) -> None:
    y = np.concatenate([_decaying(200), np.linspace(0.05, 50.0, 60)])  # diverges at the end
    d = diagnose(y)
    out = tmp_path / "diag.html"
    report = diagnosis_report(d, out, losses=y)
    page = _Page(out.read_text(encoding="utf-8"))
    assert out.read_text(encoding="utf-8") == report.html()
    assert d.recommendation in page.by_id["recommendation"]
    table = [row for row in page.rows if len(row) == 5]
    assert table[0] == ["test", "fired", "value", "threshold", "in words"]
    ordered = sorted(d.evidence, key=lambda e: not e.fired)
    # each row names its test, with the statistic it reads where that differs (drift and rise read `rise`)
    named = [e.statistic if e.test == e.statistic else f"{e.test} ({e.statistic})" for e in ordered]
    assert [row[0] for row in table[1:]] == named and len(set(named)) == len(named)
    assert [row[1] for row in table[1:]] == ["yes" if e.fired else "no" for e in ordered]
    assert "<img" in report.html() or "<svg" in report.html()  # the figure, as losses were given
