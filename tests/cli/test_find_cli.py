"""``lrkit find`` through Typer's CliRunner: outputs, files, user scripts, and usage errors."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lrkit.cli import app
from lrkit.tasks import get_task
from lrkit.finder import Sweep
from lrkit.torch import find_lr

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

    def not_a_dict(seed):
        return 42
    """
)


def test_json_output_matches_the_library_and_files_are_written(tmp_path: Path) -> None:
    result = runner.invoke(app, ["find", "--json", "--num-steps", "40", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data["suggestion"], float) and len(data["interval"]) == 2
    assert data["interval"][0] <= data["suggestion"] <= data["interval"][1]
    parts = get_task("digits-mlp").build(0)
    direct = find_lr(parts["model"], parts["optimizer"], parts["loss_fn"], parts["train_loader"],
                     sweep=Sweep(num_steps=40))  # 23 batches per epoch: cycled, quietly
    assert data["suggestion"] == direct.suggestion and data["losses"] == direct.to_dict()["losses"]
    assert json.loads((tmp_path / "finder.json").read_text())["suggestion"] == data["suggestion"]
    assert (tmp_path / "finder.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = (tmp_path / "report.html").read_text()
    assert "data:image/png;base64," in html and "LR range test: digits-mlp" in html
    advice = data["advice"]  # the report's answer, in the JSON too
    assert advice["lr"] == float(f"{data['suggestion']:.3g}") and advice["budget"] == 920
    assert advice["optimizer"].startswith("SGD (momentum 0.9)") and advice["confidence"] in ("high", "medium", "low")
    assert advice["schedule_spec"].startswith("wsd(lr=") and "LRScheduler(optimizer" in advice["python"]
    assert json.loads((tmp_path / "finder.json").read_text())["advice"] == advice


def test_human_summary_table(tmp_path: Path) -> None:
    result = runner.invoke(app, ["find", "--task", "digits-mlp", "--optimizer", "adam", "--num-steps", "30",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    out = result.stdout  # the advice, as in the report (issue 18 item 2)
    assert out.startswith("Use a peak learning rate of ") and "for Adam (betas 0.9, 0.999), batch size" in out
    assert "how sure: " in out and "rule: falling - " in out  # adam: "auto" picks falling
    assert "wsd(lr=" in out and 'lrkit train --task digits-mlp --schedule "wsd(lr=' in out
    assert "other rules on the same sweep (for comparison): default " in out and "valley" in out
    assert "cycling" not in result.stderr  # a short loader is the usual case, not a note (issue 18)


def test_user_script(tmp_path: Path) -> None:
    script = tmp_path / "mytask.py"
    script.write_text(SCRIPT)
    result = runner.invoke(app, ["find", "--script", f"{script}:build", "--json", "--num-steps", "60",
                                 "--start", "1e-5", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # Least squares with near-identity covariance: MSE Hessian ~ 2I, plain GD stable below ~1.
    assert data["suggestion"] is not None and 1e-3 < data["suggestion"] < 1.0
    assert (tmp_path / "out" / "report.html").exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--num-steps", "3"], "`num_steps` of Sweep must be an integer >= 10; got 3."),
        (["--start", "0"], "`start` of Sweep must be a finite number > 0; got 0.0."),
        (["--start", "1", "--end", "0.5"], "`end` of Sweep must be > start=1; got 0.5."),
        (["--task", "digits-mpl"], "did you mean 'digits-mlp'?"),
        (["--rule", "steepst"], "unknown rule 'steepst'; did you mean 'steepest'?"),
        (["--optimizer", "lion"], "unknown optimizer 'lion'"),
        (["--script", "nocolon.py"], "`--script` must look like FILE.py:FUNC"),
        (["--script", "missing.py:build"], "does not exist"),
        (["--script", "{dir}/mytask.py:nothing"], "`--script` function 'nothing' is not defined"),
        (["--script", "{dir}/mytask.py:not_a_dict"], "must return a dict with the keys model, optimizer, loss_fn"),
        (["--script", "{dir}/broken.py:build"], "failed to import: ZeroDivisionError"),
        (["--task", "digits-mlp", "--script", "{dir}/mytask.py:build"], "exclusive"),
        (["--script", "{dir}/mytask.py:build", "--optimizer", "adam"], "built-in tasks only"),
        (["--val", "--script", "{dir}/mytask.py:build"], "`--val` needs a val_loader"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(tmp_path: Path, args: list[str], needle: str) -> None:
    (tmp_path / "mytask.py").write_text(SCRIPT)
    (tmp_path / "broken.py").write_text("x = 1 / 0\n")
    args = [a.replace("{dir}", str(tmp_path)) for a in args]
    result = runner.invoke(app, ["find", *args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert needle in lines[0]
    assert not (tmp_path / "out" / "finder.json").exists()
