"""``plot_schedule`` draws exactly the schedule's values and rejects a bad step count."""

from __future__ import annotations

import numpy as np
import pytest

from lrkit import LRKitError
from lrkit.plotting import plot_schedule
from lrkit.plotting._mpl import pyplot
from lrkit.schedules import warmup_cosine


def test_the_line_is_the_schedule_evaluated_at_every_step():
    s = warmup_cosine(lr=0.1, warmup=10, steps=100)
    fig = plot_schedule(s, 100)
    (line,) = fig.axes[0].get_lines()
    x, y = line.get_data()
    np.testing.assert_array_equal(x, np.arange(100))
    np.testing.assert_array_equal(y, s(np.arange(100)))
    assert line.get_label() == s.to_spec()
    pyplot().close(fig)


def test_a_spec_string_a_label_a_log_axis_and_given_axes():
    plt = pyplot()
    fig, ax = plt.subplots()
    out = plot_schedule("exponential(lr=1.0, gamma=0.9)", 50, ax=ax, log=True, label="decay")
    assert out is fig
    assert ax.get_yscale() == "log"
    assert ax.get_lines()[0].get_label() == "decay"
    plot_schedule("constant(lr=0.5)", 50, ax=ax)  # a second curve on the same axes
    assert len(ax.get_lines()) == 2
    plt.close(fig)


@pytest.mark.parametrize("steps", [0, -3, 2.5, True])
def test_a_bad_step_count_is_an_lrkit_error(steps):
    with pytest.raises(LRKitError, match="`steps` of plot_schedule"):
        plot_schedule("constant(lr=0.1)", steps)
