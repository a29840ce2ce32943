"""``lrkit diagnose HISTORY.csv [--json]``."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from lrkit.cli import app
from lrkit.diagnostics import VERDICTS, diagnose

runner = CliRunner()


def _csv(tmp_path, losses, lrs=None, extra=False):
    lines = ["step,loss" + (",lr" if lrs is not None else "") + (",val_acc" if extra else "")]
    for t, v in enumerate(losses):
        row = (f"{t},{float(v)!r}" + (f",{float(lrs[t])!r}" if lrs is not None else "")
               + (",0.5" if extra else ""))
        lines += [row, ""] if t % 7 == 0 else [row]  # blank lines are ignored
    p = tmp_path / "history.csv"
    p.write_text("\n".join(lines) + "\n")
    return p


def test_json_has_the_verdict_evidence_and_recommendation_of_the_library(tmp_path):
    t = np.arange(300)
    losses = np.exp(0.02 * t)
    history = _csv(tmp_path, losses, np.full(300, 0.5), extra=True)
    result = runner.invoke(app, ["diagnose", str(history), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["verdict"] == "too_high_diverging" and out["verdict"] in VERDICTS
    assert out["recommendation"] == diagnose(losses, np.full(300, 0.5)).recommendation
    assert out["evidence"][0]["statistic"] == "peak_excess" and out["evidence"][0]["fired"] is True
    assert out["direction"] == "lower" and out["runner_up"] in VERDICTS  # fields added by issue 14


def test_text_output_and_nan_history(tmp_path):
    losses = [1.0, 0.9, 0.8, float("nan")]
    result = runner.invoke(app, ["diagnose", str(_csv(tmp_path, losses))])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("verdict: nan")
    assert "step 3" in result.stdout


def test_bad_file_exits_2_with_one_line(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("step,value\n0,1\n")
    result = runner.invoke(app, ["diagnose", str(p), "--json"])
    assert result.exit_code == 2
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "loss" in lines[0]


def test_too_short_history_exits_2(tmp_path):
    result = runner.invoke(app, ["diagnose", str(_csv(tmp_path, [1.0, 0.5]))])
    assert result.exit_code == 2
    assert "at least 10" in result.stderr


def test_missing_file_exits_2(tmp_path):
    result = runner.invoke(app, ["diagnose", str(tmp_path / "none.csv")])
    assert result.exit_code == 2


def test_a_validation_loss_column_reaches_the_guard(tmp_path):
    # A linear crawl reads too_low_slow; the same file with a validation loss that turned up
    # (Lightning's val_loss, logged every 50 steps, blank elsewhere) is overfitting at a rate that
    # learns: keep the rate (the guard's `overfit_val_rise`), never "raise".
    t = np.arange(400)
    losses = 10 - 0.01 * t + 0.01 * np.random.default_rng(0).normal(size=400)
    val = {50 * (k + 1): v for k, v in enumerate([5.0, 4.0, 3.5, 3.3, 3.4, 3.8, 4.2])}
    rows = ["step,loss,lr,val_loss"] + [f"{s},{float(losses[s])!r},0.1,{val.get(s, '')}" for s in t]
    p = tmp_path / "metrics.csv"
    p.write_text("\n".join(rows) + "\n")
    out = json.loads(runner.invoke(app, ["diagnose", str(p), "--json"]).stdout)
    assert out["verdict"] == "healthy" and out["runner_up"] == "too_low_slow" and out["direction"] == "keep"
    assert out["statistics"]["val_points"] == 7
    text = runner.invoke(app, ["diagnose", str(p)]).stdout
    assert "runner-up: too_low_slow" in text and "overfitting" in text
