"""``lrkit find`` through Typer's CliRunner: outputs, files, user scripts, and usage errors."""

from __future__ import annotations

import json
import shlex
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

    def no_optimizer(seed):
        parts = build(seed)
        del parts["optimizer"]
        return parts

    def no_loss(seed):
        parts = build(seed)
        del parts["loss_fn"]
        return parts

    def misfit(seed):  # batches of 3 features for a model of 4
        parts = build(seed)
        parts["train_loader"] = [(torch.randn(16, 3), torch.randn(16)) for _ in range(4)]
        return parts

    def xy_dicts(seed):  # a batch layout find_lr does not read
        parts = build(seed)
        parts["train_loader"] = [{"x": a, "y": b} for a, b in parts["train_loader"]]
        return parts

    def lbfgs(seed):  # an optimizer whose step needs a closure
        parts = build(seed)
        parts["optimizer"] = torch.optim.LBFGS(parts["model"].parameters(), lr=1.0)
        return parts
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
    assert advice["optimizer"].startswith("SGD (momentum 0.9)")
    assert advice["confidence"] in ("high", "medium", "low")
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
        (["--num-steps", "3"], "`--num-steps` of lrkit find must be an integer >= 10; got 3."),
        (["--start", "0"], "`--start` of lrkit find must be a finite number > 0; got 0.0."),
        (["--start", "1", "--end", "0.5"], "`--end` of lrkit find must be > --start=1; got 0.5."),
        (["--task", "digits-mpl"], "did you mean 'digits-mlp'?"),
        (["--rule", "steepst"], "unknown rule 'steepst'; did you mean 'steepest'?"),
        (["--optimizer", "lion"], "unknown optimizer 'lion'"),
        (["--script", "nocolon.py"], "`--script` must look like FILE.py:FUNC"),
        (["--script", "missing.py:build"], "does not exist"),
        (["--script", "{dir}/mytask.py:nothing"], "`--script` function 'nothing' is not defined"),
        (["--script", "{dir}/mytask.py:not_a_dict"],
         "must return a dict with the keys model, optimizer, loss_fn"),
        (["--script", "{dir}/broken.py:build"], "failed to import: ZeroDivisionError"),
        (["--script", "{dir}/mytask.py:no_optimizer"], "must return the keys ['optimizer']"),
        (["--script", "{dir}/mytask.py:no_loss"], "must return the keys ['loss_fn']"),
        (["--script", "{dir}/mytask.py:misfit"], "the first update of find_lr failed (RuntimeError: mat1"),
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


NO_SIGNAL = textwrap.dedent(
    """
    import torch

    def _parts(seed, loss_fn):
        g = torch.Generator().manual_seed(seed)
        X, y = torch.randn(1024, 8, generator=g), torch.randn(1024, generator=g)
        model = torch.nn.Linear(8, 1)
        torch.nn.init.zeros_(model.weight), torch.nn.init.zeros_(model.bias)
        return {"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.1),
                "loss_fn": loss_fn, "train_loader": [(X[i:i + 64], y[i:i + 64]) for i in range(0, 1024, 64)]}

    def noise(seed):  # nothing to learn, but the loss blows up at large rates
        return _parts(seed, lambda out, t: ((out.squeeze(1) - t) ** 2).mean())

    def deaf(seed):  # a loss the parameters do not move
        return _parts(seed, lambda out, t: (out * 0.0).sum() + 1.0)
    """
)


def test_a_sweep_without_signal_suggests_and_says_it_is_a_guess(tmp_path: Path) -> None:
    script = tmp_path / "task.py"
    script.write_text(NO_SIGNAL)
    result = runner.invoke(app, ["find", "--script", f"{script}:noise", "--num-steps", "60", "--seed", "1",
                                 "--out", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data["suggestion"], float) and data["meta"]["source"] == "blow-up fallback"
    assert data["reason"].startswith("a guess, not a measurement") and data["meta"]["updates"] > 60


def test_no_suggestion_is_never_exit_0(tmp_path: Path) -> None:
    script = tmp_path / "task.py"
    script.write_text(NO_SIGNAL)
    for extra in ([], ["--json"]):
        result = runner.invoke(app, ["find", "--script", f"{script}:deaf", "--num-steps", "40",
                                     "--out", str(tmp_path / "out"), *extra])
        assert result.exit_code == 3, result.output
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1 and "no suggestion" in errors[0] and "never blew up" in errors[0]
        assert "check that the optimizer updates" in errors[0]
        assert (tmp_path / "out" / "finder.json").exists()  # the outputs are written, for a look at the curve


# Messages that name what a `--script` user can do (finder follow-ups of the ux probe): the library's ways
# out, Update(forward=...) and Update(step=...), are arguments the command line does not have; and the
# advice's command line (advice.cli, None for a script before) is the `lrkit train --script` line.

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
