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
    whole, near = fig.axes
    assert whole.get_xscale() == near.get_xscale() == "log"
    assert whole.get_xlabel() == "learning rate (log scale)" and whole.get_ylabel() == "loss"
    labels = [h.get_label() for h in fig.legends[0].legend_handles]
    assert "raw loss (one batch each)" in labels and "smoothed loss (no lag)" in labels
    assert any(lbl.startswith("suggestion (default): ") for lbl in labels)
    assert any(lbl.startswith("interval (90%, a rerun's suggestion, family average): ") for lbl in labels)
    raw = next(line for line in whole.get_lines() if line.get_label() == "raw loss (one batch each)")
    assert len(raw.get_xdata()) == np.isfinite(result.losses).sum()
    plt.close(fig)


def test_a_second_pass_answer_is_plotted_as_unreliable_for_a_rerun(result):
    import dataclasses

    import matplotlib.pyplot as plt

    second = dataclasses.replace(result, meta={**result.meta, "source": "second sweep"})
    fig = second.plot()
    labels = [h.get_label() for h in fig.legends[0].legend_handles]
    prefix = "interval (90%, this pass's noise; unreliable for a rerun): "
    assert any(lbl.startswith(prefix) for lbl in labels)
    plt.close(fig)


def test_labels_cannot_stack_every_rule_is_a_legend_entry(result):
    # Regression (issue 18 item 2): "minimum/10" and "steepest" were printed on top of each other as
    # text at data coordinates. Now no text is drawn in the axes; every rule is a legend entry.
    import matplotlib.pyplot as plt

    fig = result.plot()
    assert all(len(ax.texts) == 0 for ax in fig.axes)
    labels = " ".join(h.get_label() for h in fig.legends[0].legend_handles)
    for rule, value in result.suggestions.items():
        if value is not None and rule != result.rule:
            assert f"other rule '{rule}': {value:.3g}" in labels
    plt.close(fig)


def test_the_interval_is_visible_next_to_the_suggestion(result):
    # Regression: in the make-run report the interval [0.137, 0.153] was hidden under the suggestion
    # line. The zoom panel shows the band at least 20 pixels wide, and the figure is large.
    import matplotlib.pyplot as plt

    fig = result.plot()
    fig.canvas.draw()
    near = fig.axes[1]
    lo, hi = result.interval
    (x0, _), (x1, _) = near.transData.transform([(lo, 1.0), (hi, 1.0)])
    assert x1 - x0 >= 20
    assert near.get_xlim()[0] < lo < result.suggestion < hi < near.get_xlim()[1]
    width, height = fig.get_size_inches() * 110
    assert width >= 1200 and height >= 550
    plt.close(fig)


def test_plot_on_given_axes_returns_its_figure(result):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2)
    assert plot_finder(result, ax=axes[1]) is fig
    assert result.plot(ax=axes[0]) is fig and result.plot(axes[0]) is fig  # the old positional form
    assert axes[1].get_xscale() == "log" and len(axes[1].texts) == 0
    plt.close(fig)


def test_plot_writes_a_file_or_raises_lrkit_error(result, tmp_path):
    # Regression (issue 18 item 3): result.plot("x.png") raised AttributeError: 'str' object has no
    # attribute 'figure'.
    import matplotlib.pyplot as plt

    fig = result.plot(tmp_path / "sub" / "x.png")
    assert (tmp_path / "sub" / "x.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    plt.close(fig)
    plt.close(result.plot(str(tmp_path / "x.svg")))
    assert (tmp_path / "x.svg").read_text().lstrip().startswith("<?xml")
    with pytest.raises(LRKitError, match=r"`path` of plot must end in .png, .svg, .pdf; got '.*x.txt'"):
        result.plot(tmp_path / "x.txt")
    with pytest.raises(LRKitError, match=r"`path` of FinderResult.plot must be a file path"):
        result.plot(42)


def test_plot_without_suggestion():
    import matplotlib.pyplot as plt

    r = range_test(lambda lr: 1.0, sweep=Sweep(start=1e-4, end=1.0, num_steps=20))
    fig = r.plot()
    assert "suggestion none" in fig.get_suptitle()
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
