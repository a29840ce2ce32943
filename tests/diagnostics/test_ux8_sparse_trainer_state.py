"""A ``trainer_state.json`` logged at the Trainer's default ``logging_steps`` is refused with the way
out (ux8 probe).

The Hugging Face Trainer logs the loss every ``logging_steps`` (default 500): a 3,000-update run's
``trainer_state.json`` has 6 losses. ``lrkit diagnose trainer_state.json`` says "error: `losses` of
diagnose must hold at least 10 finite values; got 6." The reader knows the file (it already says "set
`logging_steps`" when the log has no loss at all) and its ``logging_steps``; the user needs that
word here, the commonest way to meet this error. Owner: diag (``diagnostics/_history_json.py``).
"""

from __future__ import annotations

import json

from typer.testing import CliRunner

from lrkit.cli import app


def test_too_few_logged_losses_in_a_trainer_state_name_logging_steps(tmp_path):
    rows = [{"epoch": i * 0.5, "grad_norm": 1.0, "learning_rate": 5e-5 * (1 - i / 7), "loss": 2.0 / (1 + i),
             "step": 500 * i} for i in range(1, 7)]
    rows.append({"epoch": 3.0, "step": 3000, "train_loss": 0.9, "train_runtime": 100.0})
    path = tmp_path / "trainer_state.json"
    path.write_text(json.dumps({"log_history": rows, "global_step": 3000, "logging_steps": 500}))
    res = CliRunner().invoke(app, ["diagnose", str(path)])
    assert res.exit_code == 2
    assert "got 6" in res.output  # the rule is named (it is, today)
    assert "logging_steps" in res.output, res.output
