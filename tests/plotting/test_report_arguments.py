"""`lrkit.report`'s keywords are checked (session-6 new-user probe, /work/notes/ux6/report_probe.py).

A keyword the result's report does not take (`budget=` on a Diagnosis, which only a finder's page
uses) raised `TypeError: diagnosis_report() got an unexpected keyword argument 'budget'`, naming an
internal function; a rate list of another length than the losses raised matplotlib's ValueError
("x and y must have same first dimension"). Each is one `LRKitError` naming the argument, before
any file is written.
"""

from __future__ import annotations

import numpy as np
import pytest

import lrkit
from lrkit import LRKitError
from lrkit.plotting import plot_diagnosis

Y = np.exp(-np.arange(200) / 50) + 0.01


@pytest.fixture(scope="module")
def diagnosis():
    return lrkit.diagnose(Y, lrs=np.full(200, 0.1))


def test_a_keyword_the_result_does_not_take_names_it_and_what_is_allowed(diagnosis, tmp_path):
    path = tmp_path / "d.html"
    with pytest.raises(LRKitError, match=r"^`budget` of lrkit.report does not apply to a Diagnosis; "
                                         r"its keywords: losses, steps, lrs, title\.$"):
        lrkit.report(diagnosis, path, losses=Y, budget=100)
    assert not path.exists()


def test_rates_of_another_length_than_the_losses_are_one_error(diagnosis, tmp_path):
    path = tmp_path / "d.html"
    with pytest.raises(LRKitError,
                       match=r"^`lrs` of plot_diagnosis must have 200 entries like `losses`; got 3\.$"):
        lrkit.report(diagnosis, path, losses=Y, lrs=np.ones(3))
    assert not path.exists()
    with pytest.raises(LRKitError, match=r"`lrs` of plot_diagnosis"):
        plot_diagnosis(diagnosis, Y, lrs=[0.1, 0.1])


def test_the_keywords_a_result_takes_still_work(diagnosis, tmp_path):
    page = lrkit.report(diagnosis, tmp_path / "d.html", losses=Y, lrs=np.full(200, 0.1), title="mine")
    assert "mine" in page.html()


def test_losses_of_another_length_than_the_diagnosis_are_one_error(diagnosis, tmp_path):
    # session-7 probe (/work/notes/ux7/p14_plots_odd.py): 50 losses drawn under a verdict read from 200
    # were accepted, and the page's caption says they are "the loss the verdict was read from"
    path = tmp_path / "d.html"
    with pytest.raises(LRKitError, match=r"^`losses` of plot_diagnosis must be the 200 losses the diagnosis "
                                         r"was read from; got 50\.$"):
        lrkit.report(diagnosis, path, losses=Y[:50])
    assert not path.exists()
    with pytest.raises(LRKitError, match=r"^`losses` of plot_diagnosis must be the 200 losses"):
        plot_diagnosis(diagnosis, np.append(Y, Y))


@pytest.mark.parametrize("name", ["losses", "steps", "lrs"])
def test_values_that_are_not_numbers_are_one_error_naming_the_keyword(diagnosis, tmp_path, name):
    """ux11 observation: `lrs="abc"` raised numpy's bare ValueError, naming no keyword."""
    path = tmp_path / "d.html"
    given = {"losses": Y, name: ["a"] * Y.size}
    with pytest.raises(LRKitError, match=rf"^`{name}` of plot_diagnosis must be numbers, one per loss; got "):
        lrkit.report(diagnosis, path, **given)
    assert not path.exists()
