"""The advice's ``lrkit train`` line without a budget has two placeholders, and filling the one the user
sees fails (thirteenth new-user probe, ux; ``/work/notes/ux17/REPORT.md``, L9; ``finder/_advice.py``).

``lrkit find --script F:f`` without ``--budget`` advised ``lrkit train --script F:f --schedule "cosine(
lr=0.00637, steps={total_steps}, min_lr=6.37e-05)" --steps {total_steps}``: ``lrkit train`` binds the run's
length itself (``steps=total``), so the spec needs no placeholder; filling ``--steps 300`` alone ended in
"`schedule` of train names 'total_steps', which train does not define: it binds total ...; got
"'cosine(...)'"" (the spec quoted twice). Expected: one placeholder, ``--steps``; the spec says
``steps=total``; the line runs once ``--steps`` is filled; the refusal quotes the spec once.
"""

from __future__ import annotations

import json
import textwrap

import pytest
from typer.testing import CliRunner

from lrkit import LRKitError
from lrkit.cli import app
from lrkit.finder import Sweep, advise, range_test, synthetic
from lrkit.tasks import train

SCRIPT = textwrap.dedent("""
    import torch

    def build(seed):
        g = torch.Generator().manual_seed(seed)
        X = torch.randn(256, 3, generator=g)
        y = X @ torch.tensor([1.0, -1.0, 0.5])
        model = torch.nn.Linear(3, 1)
        batches = [(X[i:i + 16], y[i:i + 16]) for i in range(0, 256, 16)]
        return {"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.1),
                "loss_fn": lambda out, t: ((out.squeeze(1) - t) ** 2).mean(),
                "train_loader": batches, "val_loader": batches[:4]}
""")


def _advice():
    result = range_test(synthetic.quadratic(lipschitz=4.0).step, sweep=Sweep(1e-5, 10.0, 80), interval=False)
    return advise(result, script="task.py:build")


def test_the_line_has_one_placeholder_and_runs_once_it_is_filled(tmp_path, monkeypatch):
    a = _advice()
    assert a.budget is None and a.cli.count("{total_steps}") == 1
    assert a.cli.endswith("--steps {total_steps}") and "steps=total," in a.cli
    (tmp_path / "task.py").write_text(SCRIPT)
    monkeypatch.chdir(tmp_path)
    args = a.cli.replace("{total_steps}", "30").split(" ", 2)[2]  # after "lrkit train"
    spec = args.split('--schedule "', 1)[1].split('"', 1)[0]
    out = CliRunner().invoke(app, ["train", "--script", "task.py:build", "--schedule", spec, "--steps", "30",
                                   "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["steps"] == 30


def test_the_refusal_of_an_unbound_name_quotes_the_spec_once():
    with pytest.raises(LRKitError) as e:
        train("diabetes-linear", schedule="cosine(lr=0.1, steps={total_steps})", budget=20)
    assert "got 'cosine(lr=0.1, steps={total_steps})'." in str(e.value)
    assert "\"'" not in str(e.value)
