"""The zoo ground truth's machinery (benchmarks/dev/zoo_grid.py, zoo_runs.py): grid rates and
extension, scoring and regret units, the stored files, and run_at's cache."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest

from dev import zoo_grid as zg
from dev.zoo_runs import Run, read_npz, run_one, write_npz


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.setattr(zg, "GRID_FILE", tmp_path / "zoo_grid.json")
    monkeypatch.setattr(zg, "HISTORY_DIR", tmp_path / "zoo_histories")
    monkeypatch.setattr(zg, "RUNS_DIR", tmp_path / "zoo_runs")
    zg._CACHE.clear()
    yield tmp_path
    zg._CACHE.clear()


def test_rates_are_three_per_decade_and_round_trip():
    assert zg.rate(-3) == 0.1 and zg.rate(0) == 1.0 and zg.rate(1) == 2.154
    assert all(zg.exponent(zg.rate(k)) == k for k in range(-25, 10))


def _curve(ks, best_k, depth=5.0):
    """An accuracy curve (fraction) peaking at exponent best_k, falling by `depth` points per step."""
    return {zg.rate(k): [0.9 - depth * abs(k - best_k) / 100] * len(zg.SEEDS) for k in ks}


def test_extensions_start_then_widen_where_the_best_is_at_an_edge():
    start = zg.extensions("w", "adam", {}, True)
    assert start == list(range(-15, 1)) and len(start) == 16  # five decades
    assert zg.extensions("w", "adam", _curve(range(-15, 1), -7), True) == []  # interior, clearly worse
    assert zg.extensions("w", "adam", _curve(range(-15, 1), 0), True) == [1, 2, 3]  # best at the top
    flat_low = _curve(range(-15, 1), -7)
    for k in range(-15, -7):
        flat_low[zg.rate(k)] = [0.895] * 3  # within CLEARLY_WORSE of the best: not clearly worse
    assert zg.extensions("w", "adam", flat_low, True) == [-18, -17, -16]


def _run(name, lr, seed, metric, diverged=False):
    return Run(name, lr, seed, None, metric, metric, 1.0, diverged, 10, 0.5,
               {"loss": np.ones(10, np.float32), "lr": np.full(10, lr, np.float32),
                "grad_norm": np.ones(10, np.float32), "eval_step": np.array([10], np.int32),
                "eval_val_loss": np.ones(1, np.float32), "eval_metric": np.array([metric], np.float32)})


def _store(name, metric, higher, untrained, curve):
    meta = {"family": "f", "metric": metric, "higher_is_better": higher, "untrained": untrained,
            "optimizer": "adam", "batch_size": 8, "budget": 10, "options": {}}
    zg.save_workload(name, meta, [_run(name, lr, s, m) for lr, ms in curve.items() for s, m in enumerate(ms)])


def test_best_regret_band_and_status_of_a_stored_grid(files):
    _store("acc", "val_acc", True, 0.1, _curve(range(-15, 1), -7))
    lr, mean = zg.best("acc")
    assert lr == zg.rate(-7) and mean == pytest.approx(0.9)
    assert zg.regret("acc", 0.88) == pytest.approx(2.0)  # points
    assert zg.regret("acc", 0.1, unit="gap") == pytest.approx(100.0)  # the untrained model: all of the gap
    assert zg.band("acc", tol=5.5) == (zg.rate(-8), zg.rate(-6)) and zg.band("acc", tol=4.0) == (lr, lr)
    assert zg.status("acc") == "ok"
    g = zg.load("acc")
    assert g.metrics.shape == (16, 3) and g.seeds == zg.SEEDS and not g.diverged.any()

    loss = {zg.rate(k): [0.5 * (1 + 0.1 * abs(k + 4))] * 3 for k in range(-10, 6)}
    _store("loss", "val_mse", False, 2.0, loss)
    assert zg.best("loss") == (zg.rate(-4), 0.5)
    assert zg.regret("loss", 0.55) == pytest.approx(10.0)  # percent of the best loss
    assert zg.regret("loss", 2.0, unit="gap") == pytest.approx(100.0)
    assert np.allclose(zg.regret("loss", np.array([0.5, 1.0])), [0.0, 100.0])
    with pytest.raises(ValueError, match="unit"):
        zg.regret("loss", 0.5, unit="points")


def test_status_names_an_unfinished_grid_and_bests_leaves_it_out(files):
    _store("edge", "val_acc", True, 0.1, _curve(range(-15, 1), 0))
    assert zg.status("edge") == "best at an edge"
    _store("short", "val_acc", True, 0.1, _curve(range(-9, 1), -5))
    assert zg.status("short").startswith("spans 3.00 decades")
    _store("fine", "val_acc", True, 0.1, _curve(range(-15, 1), -7))
    assert zg.bests() == {"fine": (zg.rate(-7), pytest.approx(0.9))}


def test_a_diverged_run_scores_the_untrained_model_and_keeps_its_history():
    from lrkit import zoo

    run = run_one("linear-regression-sgd", 50.0, 0)
    untrained = zoo.get("linear-regression-sgd").worst()["val_mse"]
    assert run.diverged and run.metric == untrained and run.steps < 3000
    h = run.history
    assert len(h["loss"]) == run.steps + 1 and not math.isfinite(h["loss"][-1])  # the loss that stopped it
    assert len(h["grad_norm"]) == len(h["lr"]) - 1 == run.steps


def test_run_at_runs_once_then_reads_its_file(files):
    a = zg.run_at("tabular-blobs-sgd", 0.1, 1)
    assert not a.diverged and 0.3 < a.metric <= 1 and a.steps == 300
    h = a.history
    assert len(h["loss"]) == len(h["lr"]) == len(h["grad_norm"]) == 300 and np.all(h["lr"] == np.float32(0.1))
    assert list(h["eval_step"]) == [18 * i for i in range(1, 17)] + [300]
    files_written = list((files / "zoo_runs" / "tabular-blobs-sgd").glob("*.npz"))
    assert len(files_written) == 1
    b = zg.run_at("tabular-blobs-sgd", 0.1, 1)  # from the file: the same record and history
    assert b.record() == a.record() and all(np.array_equal(a.history[k], b.history[k]) for k in h)
    c = zg.run_at("tabular-blobs-sgd", 0.1, 1, schedule="cosine(lr=1.0, steps=300)")
    assert c.history["lr"][0] == np.float32(0.1) and c.history["lr"][-1] < 0.001 and c.metric != a.metric
    zg.save_workload("tabular-blobs-sgd", {"family": "tabular", "metric": "val_acc", "higher_is_better": True,
                                           "untrained": 0.16, "optimizer": "sgd-plain", "batch_size": 32,
                                           "budget": 300, "options": {}}, [a])
    files_written[0].unlink()
    assert zg.run_at("tabular-blobs-sgd", 0.1, 1).record() == a.record()  # the grid's stored copy


def test_npz_files_are_byte_reproducible(tmp_path):
    arrays = {"b": np.arange(5, dtype=np.float32), "a/x": np.array("text")}
    write_npz(tmp_path / "1.npz", arrays)
    write_npz(tmp_path / "2.npz", arrays)
    digest = [hashlib.sha256((tmp_path / f"{i}.npz").read_bytes()).hexdigest() for i in (1, 2)]
    assert digest[0] == digest[1]
    back = read_npz(tmp_path / "1.npz")
    assert np.array_equal(back["b"], arrays["b"]) and str(back["a/x"]) == "text"
    assert read_npz(tmp_path / "missing.npz") == {}
