"""Public names of ``lrkit.diagnostics`` that no other test reached, against independent references.

``Measurements`` against the robust units written out with NumPy (median, 5-95% range) and the
history it was given; ``Evidence`` of a blow-up against where it was put and the strength's
closed form; ``MIN_POINTS`` by the shortest history
``diagnose`` and ``measure`` accept; ``History`` against the CSV file written with ``csv``.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

from lrkit import LRKitError
from lrkit.diagnostics import (
    MIN_POINTS,
    Evidence,
    History,
    Measurements,
    decide,
    diagnose,
    measure,
    read_history,
)


def _history(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return 2.0 * np.exp(-np.arange(n) / 90.0) + 0.3 + 0.02 * rng.normal(size=n), np.full(n, 0.05)


def test_measurements_hold_the_history_in_robust_units() -> None:
    y, lrs = _history()
    m = measure(y, lrs)
    assert isinstance(m, Measurements)
    lo, hi = np.percentile(y, [5, 95])
    np.testing.assert_allclose(m.y, (y - np.median(y)) / (hi - lo), rtol=1e-12)
    np.testing.assert_array_equal(m.lrs, lrs)
    assert not m.decayed  # a constant rate
    assert decide(m).to_dict() == diagnose(y, lrs).to_dict()


def test_evidence_records_locate_and_weigh_the_blow_up() -> None:
    y = np.concatenate([_history(300)[0], np.geomspace(0.5, 500.0, 40)])  # a blow-up from step 300
    d = diagnose(y)
    assert d.verdict == "too_high_diverging"
    assert d.evidence and all(isinstance(e, Evidence) for e in d.evidence)
    (peak,) = [e for e in d.evidence if e.statistic == "peak_excess"]
    assert peak.fired and peak.value > peak.threshold
    assert peak.steps[0] <= 300 and peak.steps[-1] == y.size - 1  # the span holds the blow-up
    for e in d.evidence:  # "fires when above" statistics: s = 1 / (1 + (threshold / value)^2)
        if e.statistic in ("peak_excess", "oscillation_q") and e.value > 0 and e.threshold > 0:
            assert e.strength == pytest.approx(1 / (1 + (e.threshold / e.value) ** 2), abs=1e-6)
        assert 0.0 <= e.strength <= 1.0 and e.detail
        assert all(0 <= step < y.size for step in e.steps)


def test_min_points_is_the_shortest_history_accepted() -> None:
    y = _history(MIN_POINTS)[0]
    assert diagnose(y).n_steps == MIN_POINTS and isinstance(measure(y), Measurements)
    with pytest.raises(LRKitError, match=f"at least {MIN_POINTS} finite values; got {MIN_POINTS - 1}"):
        diagnose(y[:-1])
    with pytest.raises(LRKitError, match=f"at least {MIN_POINTS} values; got {MIN_POINTS - 1}"):
        measure(y[:-1])


def test_history_holds_the_csv_rows_sorted_by_step(tmp_path) -> None:
    rows = [(3, 1.5, 0.1), (0, 2.0, 0.1), (2, 1.7, 0.1), (1, 1.9, 0.1)]  # out of order, as a merged log is
    path = tmp_path / "run.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["step", "loss", "lr"])
        writer.writerows(rows)
    h = read_history(path)
    assert isinstance(h, History)
    ordered = sorted(rows)
    assert h.steps.tolist() == [r[0] for r in ordered]
    assert h.losses.tolist() == [r[1] for r in ordered]
    assert h.lrs.tolist() == [r[2] for r in ordered]
    assert h.val_losses is None and h.grad_norms is None
