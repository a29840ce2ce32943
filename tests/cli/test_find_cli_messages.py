"""``lrkit find --script`` messages that name what a script user can do (finder follow-ups of the ux probe).

* A batch layout find_lr does not read: the library's way out, ``Update(forward=...)``, is an argument a
  ``--script`` user cannot pass; the CLI's error says what they can do instead.
* An optimizer whose ``step`` needs a closure (LBFGS): the CLI says the closure step needs Python.
* The advice's command line (``advice.cli``) was ``None`` for a script: it is the ``lrkit train`` line
  that runs the advised schedule on the same script.
"""

from __future__ import annotations

import json
import shlex
import textwrap
from pathlib import Path

from typer.testing import CliRunner

from lrkit.cli import app

runner = CliRunner()

SCRIPT = textwrap.dedent(
    """
    import torch

    def build(seed):
        g = torch.Generator().manual_seed(seed)
        X = torch.randn(2048, 4, generator=g)
        y = X @ torch.tensor([1.0, -1.0, 0.5, 2.0])
        model = torch.nn.Linear(4, 1)
        return {
            "model": model,
            "optimizer": torch.optim.SGD(model.parameters(), lr=0.1),
            "loss_fn": lambda out, t: ((out.squeeze(1) - t) ** 2).mean(),
            "train_loader": [(X[i:i + 128], y[i:i + 128]) for i in range(0, 2048, 128)],
        }

    def xy_dicts(seed):
        parts = build(seed)
        parts["train_loader"] = [{"x": a, "y": b} for a, b in parts["train_loader"]]
        return parts

    def lbfgs(seed):
        parts = build(seed)
        parts["optimizer"] = torch.optim.LBFGS(parts["model"].parameters(), lr=1.0)
        return parts
    """
)


def _script(tmp_path: Path) -> Path:
    path = tmp_path / "mytask.py"
    path.write_text(SCRIPT)
    return path


def test_a_batch_layout_error_says_what_a_script_user_can_do(tmp_path: Path) -> None:
    script = _script(tmp_path)
    result = runner.invoke(app, ["find", "--script", f"{script}:xy_dicts", "--num-steps", "40",
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    err = result.stderr
    assert "got a dict with keys ['x', 'y']" in err
    assert "Pass update=" not in err  # an argument the command line does not have
    assert "make xy_dicts's train_loader yield" in err and "from Python" in err


def test_an_optimizer_that_needs_a_closure_is_named_with_the_way_out(tmp_path: Path) -> None:
    script = _script(tmp_path)
    result = runner.invoke(app, ["find", "--script", f"{script}:lbfgs", "--num-steps", "40",
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "LBFGS" in result.stderr and "closure" in result.stderr
    assert "Update(step=" in result.stderr and "from Python" in result.stderr
    assert "first update of find_lr failed" not in result.stderr


def test_the_advice_of_a_script_run_gives_its_train_command(tmp_path: Path) -> None:
    script = _script(tmp_path)
    result = runner.invoke(app, ["find", "--script", f"{script}:build", "--json", "--num-steps", "60",
                                 "--budget", "300", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    advice = json.loads(result.stdout)["advice"]
    assert advice["cli"] is not None
    words = shlex.split(advice["cli"])
    assert words[:4] == ["lrkit", "train", "--script", f"{script}:build"]
    assert words[words.index("--schedule") + 1] == advice["schedule_spec"]
    assert words[words.index("--steps") + 1] == "300"
    # The line runs: the same script trained with the advised schedule.
    train = runner.invoke(app, words[1:] + ["--json"])
    assert train.exit_code == 0, train.output
    assert json.loads(train.stdout)["steps"] == 300
