"""``lrkit lab`` through Typer's CliRunner."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

pytest.importorskip("matplotlib")

from lrkit.cli import app  # noqa: E402
from lrkit.lab import demos  # noqa: E402

runner = CliRunner()
PNG = b"\x89PNG\r\n\x1a\n"


def test_one_demo_writes_png_records_and_a_self_contained_report(tmp_path):
    result = runner.invoke(app, ["lab", "warmup", "--out", str(tmp_path), "--no-interactive", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["report"] == str(tmp_path / "report.html")
    assert list(summary["demos"]) == ["warmup"] and summary["demos"]["warmup"]["holds"] is True
    assert (tmp_path / "warmup.png").read_bytes()[:8] == PNG
    records = json.loads((tmp_path / "lab.json").read_text())
    assert records["warmup"]["runs"][0]["diverged_at"] == 3
    page = (tmp_path / "report.html").read_text()
    assert "data:image/png;base64," in page and 'id="lrlab"' not in page
    assert "https://" not in page and "http://" not in page


def test_no_demo_runs_every_demo_and_adds_the_interactive_page(tmp_path):
    pytest.importorskip("torch")  # batch_size_scaling trains a real task
    result = runner.invoke(app, ["lab", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == str(tmp_path / "report.html")
    assert lines[:-1] == [f"holds  {name}" for name in demos]
    for name in demos:
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000
    page = (tmp_path / "report.html").read_text()
    assert page.count("<figure>") == len(demos) and 'href="interactive.html"' in page
    interactive = (tmp_path / "interactive.html").read_text()  # its own page, linked both ways
    assert 'id="lrlab-rate"' in interactive and 'href="report.html"' in interactive
    assert "running kohonen" in result.stderr


def test_unknown_demo_exits_2_with_one_line_and_a_hint(tmp_path):
    result = runner.invoke(app, ["lab", "kohonnen", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: unknown demo 'kohonnen'; did you mean 'kohonen'? Valid: adaptive_per_parameter, "
        "batch_size_scaling, divergence, finder_explained, kohonen, local_minimum, oscillation, "
        "schedules_compared, slow_convergence, stability_limit, warmup."
    )
    assert not (tmp_path / "report.html").exists()


def test_without_torch_the_real_task_demo_is_skipped_or_refused(monkeypatch, tmp_path):
    import importlib.util

    from lrkit.cli import _lab

    real = importlib.util.find_spec
    monkeypatch.setattr(
        _lab.importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a)
    )
    assert _lab._selected(None) == [n for n in demos if n != "batch_size_scaling"]
    result = runner.invoke(app, ["lab", "batch_size_scaling", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == "error: demo 'batch_size_scaling' needs the torch extra: pip install 'lrkit[torch]'."
    )


def test_help_lists_every_demo():
    result = runner.invoke(app, ["lab", "--help"], env={"COLUMNS": "300"})
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    for name in demos:
        assert name in text


def test_list_shows_every_demo_and_claim_without_running(tmp_path):
    result = runner.invoke(app, ["lab", "--list", "--json", "--out", str(tmp_path / "never")])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows] == list(demos)
    assert rows[-3]["needs"] == ["torch"] and rows[0]["claim"] == demos["divergence"].claim
    assert not (tmp_path / "never").exists()
    text = runner.invoke(app, ["lab", "--list"]).stdout.splitlines()
    assert len(text) == len(demos) and text[0].startswith("divergence ")
