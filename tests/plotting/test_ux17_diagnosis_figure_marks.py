"""ux17 D2: the diagnose figure does not show what its caption says: spikes unmarked, a probe drawn as read.

The report's caption (``lrkit diagnose run.csv --report F.html``, ``lrkit.report(diagnosis, ...)``):
"The loss the verdict was read from (blue), the rate if it was logged (dashed), and the steps the deciding
evidence points at"; docs/see.md: the page shows "the curve and the evidence that fired".

(a) ``plot_diagnosis`` marks a fired test's steps only when it lists more than two
(``len(e.steps) > 2``, to tell a list from a ``(start, end)`` span), so a ``loss_spikes`` verdict with one
or two spikes (the test suite's own example, ``tests/diagnostics/test_diagnose.py``: steps (150, 260))
marks none of them: the deciding evidence is named but not drawn.

(b) ``lrkit train --autopilot --script myjobs.py:poisson --steps 300 --history run.csv`` then
``lrkit diagnose run.csv --report r.html`` (``/work/notes/ux17``, a Poisson regression none in the zoo): the
verdict says "(The first 69 rows ... are a rate range test, not training at a rate: read from step 69 on.)"
and ``diagnosis.statistics["probe_rows"]`` is 69, but the figure draws rows 0-68 in the same blue line
labelled "training loss", its y-range set by the probe's blow-up (15 against a main phase within
-2.5..1.2), with nothing telling the rows the verdict ignored from the ones it read.
Expected: the spikes' steps are marked, and rows a range-test head covers are told apart (a legend entry
naming the range test / probe).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import lrkit  # noqa: E402
from lrkit.plotting import plot_diagnosis  # noqa: E402


def _labels(fig) -> list[str]:
    ax = fig.axes[0]
    found = [h.get_label() for a in fig.axes for h in a.get_lines()]
    found += [t.get_text() for lg in fig.legends for t in lg.get_texts()]
    found += [t.get_text() for t in ax.texts]
    return found


def test_the_spikes_a_verdict_names_are_marked():
    t = np.arange(400.0)
    c = 1 / np.sqrt(1 + t)
    y = c + 0.01 * (c.max() - c.min()) * np.random.default_rng(0).normal(size=400)
    y[[150, 260, 261]] += 2.0
    d = lrkit.diagnose(y, grad_norms=np.full(400, 0.5))
    assert d.verdict == "loss_spikes" and tuple(d.evidence[0].steps) == (150, 260)
    fig = plot_diagnosis(d, y)
    marked = set()
    for line in fig.axes[0].get_lines():
        if line.get_marker() not in ("None", "", None):
            marked |= {float(v) for v in line.get_xdata()}
    assert {150.0, 260.0} <= marked


def test_a_probe_head_the_verdict_left_out_is_told_apart():
    rng = np.random.default_rng(0)
    k = 60
    ramp_lr = 1e-4 * 10 ** (np.arange(k) / 15)
    ramp = 2.3 - 1.2 / (1 + np.exp(-(np.arange(k) - 40) / 4)) + 0.02 * rng.normal(size=k)
    ramp[-3:] = [3.0, 6.0, 12.0]
    t = np.arange(400.0)
    main = 1 / np.sqrt(1 + t) + 0.01 * rng.normal(size=400)
    y, lrs = np.concatenate([ramp, main]), np.concatenate([ramp_lr, np.full(400, 0.01)])
    d = lrkit.diagnose(y, lrs=lrs)
    assert d.statistics["probe_rows"] == k and "rate range test" in d.recommendation
    fig = plot_diagnosis(d, y, lrs=lrs)
    labels = " ".join(_labels(fig)).lower()
    assert "range test" in labels or "probe" in labels, labels
    # the axes are the read rows': the probe's blow-up (12) does not set the loss axis nor its rise the rate's
    assert fig.axes[0].get_ylim()[1] < 3.0 and fig.axes[1].get_ylim()[1] < 0.1
