"""``lrkit.report(diagnosis, ..., losses=history)`` crashes on the history ``diagnose`` just read
(session-12 new-user probe, ux; ``/work/notes/ux12/REPORT.md``, D4; ``plotting/_diagnosis_report.py``).

A loop that keeps ``history.append(loss)`` (tensors that require grad) can diagnose it since ux11 D6
(``lrkit.diagnose(history)``), but drawing the same history, ``lrkit.report(d, "r.html",
losses=history)`` or ``plot_diagnosis(d, history)``, raises torch's ``RuntimeError: Can't call numpy()
on Tensor that requires grad``. Expected: the report reads what ``diagnose`` reads.
"""

from __future__ import annotations

import pytest
import torch

import lrkit


@pytest.mark.xfail(strict=True, reason="ux12 D4: report of loss tensors that require grad crashes")
def test_the_report_draws_the_history_diagnose_read(tmp_path):
    w = torch.tensor(1.0, requires_grad=True)
    history = [w * (1.0 / (1 + i)) ** 0.5 for i in range(200)]  # what history.append(loss) keeps
    d = lrkit.diagnose(history)
    page = lrkit.report(d, tmp_path / "r.html", losses=history, lrs=[0.1] * 200)
    assert "<img" in page.html()
