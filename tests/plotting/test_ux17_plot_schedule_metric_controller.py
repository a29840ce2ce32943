"""ux17 L8: ``plot_schedule`` and ``lrkit schedule plot`` agree on a schedule that reacts to a metric.

``lrkit schedule plot 'reduce_on_plateau(lr=0.1)'`` refuses it ("reacts to a metric and has no values to
list"); ``plot_schedule("reduce_on_plateau(lr=0.1)", 100)`` drew a figure of rates no run would follow.
"""

from __future__ import annotations

import pytest

pytest.importorskip("matplotlib")

from lrkit import LRKitError  # noqa: E402
from lrkit.plotting import plot_schedule  # noqa: E402
from lrkit.schedules import parse  # noqa: E402


@pytest.mark.parametrize("spec", ["reduce_on_plateau(lr=0.1)"])
def test_a_metric_controller_is_refused_as_the_cli_refuses_it(spec):
    with pytest.raises(LRKitError, match=r"`schedule` of plot_schedule must be a schedule of the step; "
                                         r"reduce_on_plateau reacts to a metric"):
        plot_schedule(spec, 100)
    with pytest.raises(LRKitError, match="reacts to a metric"):  # the parsed object too
        plot_schedule(parse(spec), 100)
