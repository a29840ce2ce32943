"""``lrkit train`` and ``lrkit diagnose`` meet (issue 18 item 6): diagnose reads train's JSON, train writes
the ``step,loss,lr`` CSV diagnose reads, and the evidence reads as words, never "infx"."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from lrkit import LRKitError, diagnose
from lrkit.cli import app
from lrkit.diagnostics import read_history
from lrkit.tasks import TrainResult, train

runner = CliRunner()


@pytest.fixture(scope="module")
def run():
    return train("wine-logreg", schedule="cosine(lr=0.5, steps=60)", budget=60, eval_every=20)


def test_read_history_reads_a_train_result_json(run, tmp_path):
    path = tmp_path / "run.json"
    path.write_text(run.to_json())
    h = read_history(path)
    assert h.steps.tolist() == list(range(60))
    assert h.losses.tolist() == [row["train_loss"] for row in run.history]
    assert h.lrs.tolist() == [row["lr"] for row in run.history]
    evals = [(row["step"], row["val_loss"]) for row in run.history if "val_loss" in row]
    assert list(zip(h.val_steps.tolist(), h.val_losses.tolist())) == evals and evals


def test_write_history_writes_the_csv_diagnose_reads(run, tmp_path):
    path = run.write_history(tmp_path / "h.csv")
    assert path.read_text().splitlines()[0] == "step,loss,lr,val_loss"
    h = read_history(path)
    assert h.losses.tolist() == [row["train_loss"] for row in run.history]
    assert h.lrs.tolist() == [row["lr"] for row in run.history]
    evals = [(row["step"], row["val_loss"]) for row in run.history if "val_loss" in row]
    assert list(zip(h.val_steps.tolist(), h.val_losses.tolist())) == evals and evals
    with pytest.raises(LRKitError, match=r"`path` of TrainResult.write_history must end in .csv"):
        run.write_history(tmp_path / "h.txt")


def test_a_diverged_runs_history_keeps_its_non_finite_loss(tmp_path):
    r = train("digits-mlp", lr=1e6, optimizer="sgd-plain", budget=20)
    h = read_history(r.write_history(tmp_path / "d.csv"))
    assert not np.isfinite(h.losses[-1])
    assert diagnose(h.losses, h.lrs, steps=h.steps).verdict == "nan"
    (tmp_path / "d.json").write_text(r.to_json())
    assert diagnose(read_history(tmp_path / "d.json").losses).verdict == "nan"


def test_bad_json_histories_are_one_clear_error(tmp_path):
    for text, match in [("{", r"is not valid JSON"), ('{"a": 1}', r"needs a `history` list of rows"),
                        ('{"history": [{"step": 0}]}', r"row 0 has no `loss` or `train_loss`")]:
        (tmp_path / "b.json").write_text(text)
        with pytest.raises(LRKitError, match=match):
            read_history(tmp_path / "b.json")


def test_cli_train_history_then_diagnose(tmp_path):
    csv = tmp_path / "h.csv"
    result = runner.invoke(app, ["train", "--task", "diabetes-linear", "--steps", "40",
                                 "--history", str(csv)])
    assert result.exit_code == 0, result.output
    assert csv.read_text().startswith("step,loss,lr\n0,")
    result = runner.invoke(app, ["diagnose", str(csv), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n_steps"] == 40


def test_cli_diagnose_reads_train_json(tmp_path):
    result = runner.invoke(app, ["train", "--task", "diabetes-linear", "--steps", "40", "--json"])
    assert result.exit_code == 0, result.output
    (tmp_path / "run.json").write_text(result.stdout)
    out = runner.invoke(app, ["diagnose", str(tmp_path / "run.json")])
    assert out.exit_code == 0, out.output
    assert out.stdout.startswith("verdict: ")
    back = TrainResult.from_dict(json.loads(result.stdout))
    assert back.steps == 40


def test_cli_history_path_is_checked_before_training(tmp_path):
    result = runner.invoke(app, ["train", "--task", "diabetes-linear", "--steps", "40",
                                 "--history", str(tmp_path / "h.txt")])
    assert result.exit_code == 2 and "`--history` must end in .csv" in result.stderr


def test_evidence_never_prints_inf_times():
    # Regression: "the last decade of time gained infx as much per decade as the decade before".
    t = np.arange(1000.0)
    rng = np.random.default_rng(0)
    for y in (np.where(t < 800, 1.0, 1.0 - 0.002 * (t - 800)), np.ones(1000)):
        d = diagnose(y + 0.01 * rng.normal(size=1000))
        details = " ".join(e.detail for e in d.evidence)
        assert "infx" not in details and "inf" not in details.replace("infinite", "")
        slow = next(e for e in d.evidence if "the last decade" in e.detail)
        assert "the decade before made none" in slow.detail or "no progress" in slow.detail
