"""``lrkit.report(diagnosis, ..., losses=history)`` reads the history ``diagnose`` just read
(session-12 new-user probe, ux; ``/work/notes/ux12/REPORT.md``, D4; ``plotting/_diagnosis_report.py``).

A loop that keeps ``history.append(loss)`` (tensors that require grad) can diagnose it since ux11 D6
(``lrkit.diagnose(history)``), but drawing the same history, ``lrkit.report(d, "r.html",
losses=history)`` or ``plot_diagnosis(d, history)``, raised torch's ``RuntimeError: Can't call numpy()
on Tensor that requires grad``. The report now reads what ``diagnose`` reads (``lrkit._values``).
"""

from __future__ import annotations

import numpy as np
import torch

import lrkit
from lrkit.plotting import plot_diagnosis


def test_the_report_draws_the_history_diagnose_read(tmp_path):
    w = torch.tensor(1.0, requires_grad=True)
    history = [w * (1.0 / (1 + i)) ** 0.5 for i in range(200)]  # what history.append(loss) keeps
    d = lrkit.diagnose(history)
    page = lrkit.report(d, tmp_path / "r.html", losses=history, lrs=[0.1] * 200)
    assert "<img" in page.html()


def test_the_figure_draws_stacked_tensors_as_their_values():
    w = torch.tensor(1.0, requires_grad=True)
    stacked = torch.stack([w * (1.0 / (1 + i)) ** 0.5 for i in range(200)])  # torch.stack(history)
    fig = plot_diagnosis(lrkit.diagnose(stacked), stacked, lrs=torch.full((200,), 0.1))
    drawn = fig.axes[0].lines[0].get_ydata()
    np.testing.assert_allclose(drawn, stacked.detach().numpy(), rtol=1e-6)
