"""On record (session 6, ux): a healthy training loss with a validation loss that rose 5x its drop
gets "Keep the rate: the loss falls steadily", with no word about the validation loss.

`data/hf_trainer_state_val_rise.json` is a Hugging Face `trainer_state.json` (written by
`/work/notes/ux6/`: the training loss decays to its floor; `eval_loss`, every 30 steps, falls to its best
at step 120 and then rises to 0.66, 5.3x its drop). `lrkit diagnose` reads both (`statistics`:
`val_rise` 5.33, `val_best_at` 120) and answers `healthy`: "Keep the rate: the loss falls steadily;
decay it towards the end of the budget." docs/watch.md says a run whose only sign is a validation
rise is `healthy` "with advice to keep the rate and stop or decay at the best validation loss"; here
the advice never names the validation loss, its rise, or step 120, so a user whose model overfits is
told all is well. Owner: diag (src/lrkit/diagnostics/). Remove the xfail mark when fixed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import lrkit
from lrkit.diagnostics import read_history

DATA = Path(__file__).parent / "data" / "hf_trainer_state_val_rise.json"


def _diagnose():
    h = read_history(DATA)
    return lrkit.diagnose(h.losses, lrs=h.lrs, steps=h.steps, val_losses=h.val_losses, val_steps=h.val_steps)


def test_the_validation_rise_is_read():
    d = _diagnose()
    assert d.statistics["val_rise"] > 5 and d.statistics["val_best_at"] == 120


@pytest.mark.xfail(strict=True, reason="the advice ignores a validation loss that rose 5x its drop "
                                       "(ux finding, owner diag)")
def test_the_advice_names_the_validation_rise():
    assert "validation" in _diagnose().recommendation
