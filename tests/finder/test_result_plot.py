"""FinderResult record and its plot (headless)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lrkit import LRKitError
from lrkit.finder import FinderPolicy, FinderResult, Sweep, range_test, synthetic
from lrkit.plotting import plot_finder


@pytest.fixture(scope="module")
def result():
    return range_test(synthetic.logistic(seed=0).step, sweep=Sweep(start=1e-5, end=1e4, num_steps=80),
                      policy=FinderPolicy(replicates=30))


def test_plot_has_log_axis_labels_points_curve_and_band(result):
    import matplotlib.pyplot as plt

    fig = result.plot()
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "learning rate (log scale)" and ax.get_ylabel() == "loss"
    labels = [line.get_label() for line in ax.get_lines()]
    assert "raw loss" in labels and "smoothed (no lag)" in labels
    assert any(lbl.startswith("default:") for lbl in labels)
    assert any(p.get_label() == "interval" for p in ax.patches)
    raw = next(line for line in ax.get_lines() if line.get_label() == "raw loss")
    assert len(raw.get_xdata()) == np.isfinite(result.losses).sum()
    plt.close(fig)


def test_plot_on_given_axes_returns_its_figure(result):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2)
    assert plot_finder(result, ax=axes[1]) is fig
    assert axes[1].get_xscale() == "log" and axes[0].get_xscale() == "linear"
    plt.close(fig)


def test_plot_without_suggestion():
    import matplotlib.pyplot as plt

    r = range_test(lambda lr: 1.0, sweep=Sweep(start=1e-4, end=1.0, num_steps=20))
    fig = r.plot()
    assert "suggestion none" in fig.axes[0].get_title()
    plt.close(fig)


def test_json_is_strict_and_round_trips(result):
    text = result.to_json()
    assert "NaN" not in text and "Infinity" not in text
    back = FinderResult.from_dict(json.loads(text))
    assert back.to_dict() == result.to_dict()
    assert back.interval == result.interval and back.suggestions == result.suggestions
    assert not back.lrs.flags.writeable


def test_repr_is_short(result):
    assert repr(result).startswith("FinderResult(suggestion=") and len(repr(result)) < 200


def test_bad_records():
    pattern = r"`stop_reason` of FinderResult must be one of completed, diverged, nan, callback; got 'x'"
    with pytest.raises(LRKitError, match=pattern):
        FinderResult([1e-3], [1.0], [1.0], "x", None, None, "default", "", 1, 0.0)
    with pytest.raises(LRKitError, match=r"must have the same length; got 2, 1, 1."):
        FinderResult([1e-3, 1e-2], [1.0], [1.0], "completed", None, None, "default", "", 1, 0.0)
    with pytest.raises(LRKitError, match=r"`data` of FinderResult.from_dict must come from to_dict\(\)"):
        FinderResult.from_dict({"lrs": [1.0]})
