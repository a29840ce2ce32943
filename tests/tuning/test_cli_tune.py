"""``lrkit tune``: JSON contract, files under --out, resume, exit codes."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lrkit.cli import app
from lrkit.schedules import parse

runner = CliRunner()
BASE = ["tune", "--task", "diabetes-linear", "--budget", "20", "--no-finder", "--pruner", "none"]


def test_json_has_best_lr_schedule_value_on_top_and_writes_files(tmp_path):
    res = runner.invoke(app, [*BASE, "--trials", "3", "--out", str(tmp_path), "--json", "--seed", "1"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert list(data)[:3] == ["best_lr", "best_schedule", "best_value"]
    assert data["metric"] == "val_mse" and data["n_complete"] == 3 and data["seed"] == 1
    assert float(parse(data["best_schedule"])(0)) <= data["best_lr"]  # a valid spec peaking at best_lr
    assert json.loads((tmp_path / "tune.json").read_text())["best_value"] == data["best_value"]
    html = (tmp_path / "tune.html").read_text()
    assert "rate vs metric" in html and "data:image/png;base64," in html
    assert (tmp_path / "lrkit-tune.db").is_file()
    # the same command again resumes the stored study: a bigger --trials runs only the difference
    again = runner.invoke(app, [*BASE, "--trials", "5", "--out", str(tmp_path), "--json", "--seed", "1"])
    data2 = json.loads(again.stdout)
    # (--trials counts finished trials: a draw from the wide range may diverge, pruned, and still counts)
    assert data2["n_complete"] + data2["n_pruned"] == 5 and [t["params"] for t in data2["trials"][:3]] == [
        t["params"] for t in data["trials"]]


def test_human_output_and_progress_on_stderr(tmp_path):
    res = runner.invoke(app, [*BASE, "--trials", "2", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "best schedule = " in res.stdout and "report        = " in res.stdout
    assert "tune diabetes-linear" in res.stderr and "2/2" in res.stderr
    assert "finder is disabled" in res.stderr


def test_a_wsd_best_schedule_prints_as_the_wsd_call(tmp_path):
    # Regression: the best schedule printed as wsd's expanded phases (linear >> constant >> linear).
    space = tmp_path / "space.json"
    space.write_text(json.dumps({"schedules": ["wsd"]}))
    res = runner.invoke(app, [*BASE, "--trials", "1", "--space", str(space), "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    line = next(x for x in res.stdout.splitlines() if x.startswith("best schedule = "))
    spec = line[len("best schedule = "):]
    assert spec.startswith("wsd(lr=") and ">>" not in spec and parse(spec)(0) > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--trials", "0"], "`--trials` must be a positive integer; got 0."),
        (["--trials", "-3"], "`--trials` must be a positive integer; got -3."),
        (["--sampler", "cmaes"], "unknown sampler 'cmaes'"),
        (["--task", "digits-mpl"], "unknown task 'digits-mpl'; did you mean 'digits-mlp'?"),
        (["--storage", "redis://x"], "unsupported storage 'redis://x'"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(tmp_path, args, message):
    res = runner.invoke(app, [*BASE, "--out", str(tmp_path / "o"), *args])
    assert res.exit_code == 2
    assert res.stderr.strip().splitlines() == [f"error: {res.stderr.strip()[len('error: '):]}"]
    assert message in res.stderr
    assert not (tmp_path / "o").exists()


def test_space_file_with_an_unknown_schedule_lists_the_valid_ones(tmp_path):
    f = tmp_path / "space.yaml"
    f.write_text("schedules: [cosine, linear_warmup]\n")
    res = runner.invoke(app, [*BASE, "--space", str(f), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "unknown schedule 'linear_warmup'" in res.stderr and "Valid: constant, cosine" in res.stderr


def test_no_finder_help_names_the_policys_wide_range():
    import typing

    from lrkit.cli._tune import tune_command
    from lrkit.tuning import TunePolicy

    option = typing.get_type_hints(tune_command, include_extras=True)["no_finder"].__metadata__[0]
    lo, hi = TunePolicy().wide_lr_range
    assert f"search {lo:g}..{hi:g} (TunePolicy.wide_lr_range)" in option.help
