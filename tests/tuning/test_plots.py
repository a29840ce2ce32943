"""Plots and the HTML report of a TuneResult, headless."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from lrkit.tuning import Storage, plot_history, plot_lr_scatter, tune, tune_report

mpl = pytest.importorskip("matplotlib")
pytest.importorskip("matplotlib.pyplot")  # binds mpl.pyplot: a test run alone (or first on a worker) needs it


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    r = tune(lambda p: (math.log10(p["lr"]) + 2) ** 2, n_trials=8,
             storage=Storage(out=tmp_path_factory.mktemp("plots")),
             space={"lr": [1e-4, 1.0], "schedules": ["constant"]}, pruner="none")
    # as if the range test had run: the scatter draws its interval and suggestion
    return dataclasses.replace(r, finder={"suggestion": 0.02, "interval": [0.005, 0.1], "steps": 90})


def test_scatter_draws_every_complete_trial_and_the_finder_interval(result):
    fig = plot_lr_scatter(result)
    ax = fig.axes[0]
    points = np.vstack([c.get_offsets() for c in ax.collections if len(c.get_offsets())])
    for t in result.trials:
        assert any(np.allclose(p, (t["lr"], t["value"])) for p in points)
    spans = [p for p in ax.patches if p.get_x() == pytest.approx(0.005)]
    assert len(spans) == 1 and spans[0].get_width() == pytest.approx(0.095)
    assert ax.get_xscale() == "log" and ax.get_ylabel() == "value"
    assert any(line.get_xdata()[0] == 0.02 for line in ax.lines)
    mpl.pyplot.close(fig)


def test_history_best_so_far_is_the_running_minimum(result):
    fig, ax = mpl.pyplot.subplots()
    assert plot_history(result, ax=ax) is fig
    step = ax.lines[0]
    values = [t["value"] for t in result.trials]
    assert list(step.get_ydata()) == list(np.minimum.accumulate(values))
    mpl.pyplot.close(fig)


def test_report_is_self_contained_html(result, tmp_path):
    report = tune_report(result, tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text()
    assert html == report.html()
    assert html.count("data:image/png;base64,") == 2
    assert "Parameter importances" in html and result.best_schedule in html
    assert "http://" not in html and "https://" not in html  # nothing to fetch
