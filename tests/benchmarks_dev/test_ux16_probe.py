"""The twelfth new-user probe's frozen grid histories (benchmarks/dev/ux16_probe.py), read by
benchmarks/diagnose_live_onset.py as a held-out set: the ViT run of ux16 D7 is the test data's history, and
each workload's best rate is the probe report's."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from dev import ux16_probe

VIT = Path(__file__).resolve().parents[1] / "diagnostics" / "data" / "ux16_vit_adamw_lr0.0316_s0.csv"


def test_the_probe_histories_load_with_their_best_rates():
    runs = ux16_probe.load()
    assert len(runs) == 90
    best = {r["workload"]: r["lr"] for r in runs if r["decades_from_best"] == 0.0}
    assert best == {"vit": 0.003162, "cnn1d": 0.3162, "graphmlp": 0.001, "siamese": 0.03162, "ordinal": 0.1,
                    "frozen": 0.03162}
    assert sum(r["loss"].size < 300 for r in runs) == 1  # a siamese run stopped on a non-finite loss
    assert all(np.all(r["lrs"] == r["lr"]) and r["lrs"].size == r["loss"].size for r in runs)


def test_the_vit_run_is_d7s_history():
    vit = next(r for r in ux16_probe.load() if r["workload"] == "vit" and r["lr"] == 0.03162)
    stored = np.array([float(row["loss"]) for row in csv.DictReader(VIT.open())])
    assert np.array_equal(vit["loss"], stored)
