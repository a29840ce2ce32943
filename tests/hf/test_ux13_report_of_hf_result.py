"""ux13 D9: the figure and report of `lrkit.hf.find_lr`'s result crash; its advice forgets the optimizer.

``lrkit.hf.find_lr`` sets ``meta["optimizer"] = "created"`` (or ``"given"``) over the description
``lrkit.torch.find_lr`` put there (``{"name": "AdamW", "hyperparameters": ..., "adaptive": True}``), which
``plot_finder``, ``finder_report`` and ``advise`` read: ``result.plot()`` and ``lrkit.report(result, path)``
raise ``AttributeError: 'str' object has no attribute 'get'``, and ``advise(result)`` says "for the optimizer
and batch size of the sweep" instead of "for AdamW (...)" and drops the auto rule's why. Expected: the
figure and report of an HF result as of any other, the advice naming the Trainer's optimizer; where the
optimizer came from kept under a key of its own.
"""

from __future__ import annotations

import pytest

pytest.importorskip("transformers")

import lrkit  # noqa: E402
from lrkit.finder import Sweep, advise  # noqa: E402
from lrkit.hf import find_lr  # noqa: E402


def test_an_hf_result_plots_reports_and_names_its_optimizer(trainer_factory, tmp_path):
    result = find_lr(trainer_factory(), sweep=Sweep(num_steps=20), interval=False, retry=False)
    assert "AdamW" in advise(result).optimizer
    result.plot(tmp_path / "finder.png")
    lrkit.report(result, tmp_path / "report.html")
    assert "AdamW" in (tmp_path / "report.html").read_text()
