"""A healthy training loss whose validation loss rose back past the overfitting share says so.

Regression test (ux finding): `data/hf_trainer_state_val_rise.json` is a Hugging Face `trainer_state.json`
whose training loss decays to its floor while `eval_loss`, every 30 steps, falls to its best at step
120 and then rises to 5.3x its drop. It read `healthy` with "Keep the rate: the loss falls steadily;
decay it towards the end of the budget.", no word about the validation loss, so a user whose model
overfits was told all is well.
"""

from __future__ import annotations

from pathlib import Path

import lrkit
from lrkit.diagnostics import read_history

DATA = Path(__file__).parent / "data" / "hf_trainer_state_val_rise.json"


def _diagnose():
    h = read_history(DATA)
    return lrkit.diagnose(h.losses, lrs=h.lrs, steps=h.steps, val_losses=h.val_losses, val_steps=h.val_steps)


def test_the_validation_rise_is_read():
    d = _diagnose()
    assert d.statistics["val_rise"] > 5 and d.statistics["val_best_at"] == 120


def test_the_advice_names_the_validation_rise():
    d = _diagnose()
    assert d.verdict == "healthy"
    assert "validation loss rose back 5.3x" in d.recommendation and "step 120" in d.recommendation
    assert "stop at the best validation loss" in d.recommendation
