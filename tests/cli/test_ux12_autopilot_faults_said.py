"""``lrkit train --autopilot`` said nothing of the updates it skipped (session-12 new-user probe, ux;
``/work/notes/ux12/REPORT.md``, L11; ``cli/_tasks.py``).

A script whose training data holds one NaN value: the Autopilot skips the batch that carries it, once an
epoch (18 times in 400 updates), and the command printed its metrics table and nothing else; the faults
were only in ``--json``'s ``autopilot.events``. The user learns neither that their data holds a NaN nor
that a fifth of their epochs lost a batch. Now one note on stderr counts them and names the first.
"""

from __future__ import annotations

import re
import textwrap

from typer.testing import CliRunner

from lrkit.cli import app

SCRIPT = textwrap.dedent('''
    import torch

    def build(seed):
        g = torch.Generator().manual_seed(0)
        X = torch.randn(320, 4, generator=g)
        y = (X.sum(1) > 0).long()
        X[37, 2] = float("nan")  # one corrupt value
        torch.manual_seed(seed)
        model = torch.nn.Linear(4, 2)
        batches = [(X[i:i + 32], y[i:i + 32]) for i in range(0, 320, 32)]
        return {"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.1),
                "loss_fn": torch.nn.functional.cross_entropy, "train_loader": batches[:8],
                "val_loader": batches[8:]}
''')


def test_the_autopilots_skipped_updates_are_said(tmp_path):
    script = tmp_path / "task.py"
    script.write_text(SCRIPT)
    res = CliRunner().invoke(app, ["train", "--autopilot", "--script", f"{script}:build", "--steps", "80"])
    assert res.exit_code == 0, res.output
    note = r"note: the Autopilot skipped (\d+) of its 80 updates.*first at update (\d+)"
    said = re.search(note, res.stderr)
    assert said, res.stderr
    assert int(said.group(1)) >= 5  # the corrupt batch comes round once an epoch of 8 batches


def test_a_run_without_faults_has_no_such_note(tmp_path):
    script = tmp_path / "task.py"
    script.write_text(SCRIPT.replace('X[37, 2] = float("nan")', "pass"))
    res = CliRunner().invoke(app, ["train", "--autopilot", "--script", f"{script}:build", "--steps", "80"])
    assert res.exit_code == 0, res.output
    assert "skipped" not in res.stderr
