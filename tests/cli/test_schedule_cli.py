import json

import numpy as np
from typer.testing import CliRunner

from lrkit.cli import app
from lrkit.schedules import parse, registry

runner = CliRunner()


def test_schedule_list_names_every_registered_family():
    result = runner.invoke(app, ["schedule", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {row["name"] for row in rows} == set(registry)
    for row in rows:  # every listed example is a valid spec of its own family
        assert parse(row["example"]) is not None


def test_schedule_list_table():
    result = runner.invoke(app, ["schedule", "list"])
    assert result.exit_code == 0
    assert "cosine" in result.stdout and "CosineAnnealingLR" in result.stdout


def test_schedule_values_prints_json_array_matching_the_library():
    spec = "cosine(lr=0.1, steps=50) >> constant(lr=0.001)"
    result = runner.invoke(app, ["schedule", "values", spec, "--steps", "60"])
    assert result.exit_code == 0, result.output
    values = json.loads(result.stdout)
    assert len(values) == 60
    np.testing.assert_array_equal(values, parse(spec)(np.arange(60)))


def test_schedule_plot_writes_a_real_png(tmp_path):
    out = tmp_path / "s.png"
    result = runner.invoke(app, ["schedule", "plot", "cosine(lr=0.1, steps=100)", "--steps", "120",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_size > 2000


def test_bad_spec_exits_2_with_one_line_naming_the_problem():
    result = runner.invoke(app, ["schedule", "values", "cosine(lr=0.1, stps=10)", "--steps", "5"])
    assert result.exit_code == 2
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1
    assert "stps" in lines[0] and "steps" in lines[0]


def test_bad_steps_exits_2():
    result = runner.invoke(app, ["schedule", "values", "constant(lr=0.1)", "--steps", "0"])
    assert result.exit_code == 2
    assert "--steps" in result.stderr
