"""ux17 L2: a value that is not the result a plot function draws gets one LRKitError, not AttributeError.

``plot_diagnosis(None, y)`` and ``plot_finder(result.to_dict())`` (a saved result, not yet loaded)
raised bare ``AttributeError``s from inside the drawing code.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import lrkit  # noqa: E402
from lrkit.finder import Sweep, range_test, synthetic  # noqa: E402
from lrkit.plotting import plot_diagnosis, plot_finder  # noqa: E402


@pytest.mark.parametrize("bad", [None, "healthy", {"verdict": "healthy"}])
def test_plot_diagnosis_names_its_diagnosis_argument(bad):
    y = 1 / np.sqrt(1 + np.arange(300.0))
    with pytest.raises(lrkit.LRKitError, match=r"`diagnosis` of plot_diagnosis must be a Diagnosis"):
        plot_diagnosis(bad, y)


def test_plot_finder_names_a_saved_result_and_how_to_load_it():
    r = range_test(synthetic.quadratic().step, sweep=Sweep(start=1e-5, end=10.0, num_steps=40),
                   interval=False)
    with pytest.raises(lrkit.LRKitError, match=r"`result` of plot_finder must be a FinderResult.*from_dict"):
        plot_finder(r.to_dict())
    with pytest.raises(lrkit.LRKitError, match=r"`result` of plot_finder must be a FinderResult"):
        plot_finder(None)
