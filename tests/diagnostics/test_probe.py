"""A rate range test at the head of a history is left out (``lrkit.diagnostics._probe``)."""

from __future__ import annotations

import numpy as np
import pytest

import lrkit
from lrkit.diagnostics import DiagnosePolicy
from lrkit.diagnostics._probe import probe_rows

RAMP = 1e-5 * 1.15 ** np.arange(89)  # 1e-5 to 2.2 over 89 rows: 5.3 decades


def _run(head_losses: np.ndarray, head_lrs: np.ndarray, n: int = 300, seed: int = 0):
    """The head, then a run at 0.1 that falls and settles (a plateau: it is never decayed)."""
    t = np.arange(n)
    y = 0.2 + 0.5 * np.exp(-t / 40) + 0.01 * np.random.default_rng(seed).standard_normal(n)
    return np.concatenate([head_losses, y]), np.concatenate([head_lrs, np.full(n, 0.1)])


def _probe_losses(k: int) -> np.ndarray:
    """A range test's losses: flat, falling, then blowing up at its end."""
    y = np.full(k, 2.3)
    y[-20:-5] = np.linspace(2.3, 0.5, 15)
    y[-5:] = [2.0, 5.0, 20.0, 60.0, 200.0]
    return y


def test_a_geometric_ramp_then_a_drop_is_a_range_test():
    assert probe_rows(np.concatenate([RAMP, np.full(50, 0.1)]), 10) == 89


@pytest.mark.parametrize("head", [
    np.linspace(1e-4, 0.1, 89),                 # a linear warmup: its ratio falls step after step
    1e-5 * 1.15 ** np.arange(20),               # geometric, but 1.2 decades: not a sweep
])
def test_a_warmup_is_no_range_test(head):
    assert probe_rows(np.concatenate([head, np.full(50, head[-1] / 10)]), 10) == 0


def test_an_exponential_warmup_that_goes_on_from_its_peak_is_no_range_test():
    decay = RAMP[-1] * np.cos(np.linspace(0, 1.5, 200)) ** 2  # goes on from the peak, decaying smoothly
    assert probe_rows(np.concatenate([RAMP, decay]), 10) == 0


def test_too_few_rows_after_the_ramp_leave_the_history_whole():
    assert probe_rows(np.concatenate([RAMP, np.full(5, 0.1)]), 10) == 0


def test_rates_rounded_to_four_digits_still_read_as_a_ramp():
    rounded = np.array([float(f"{r:.4g}") for r in RAMP])
    assert probe_rows(np.concatenate([rounded, np.full(50, 0.1)]), 10) == 89


def test_diagnose_reads_the_run_after_the_probe():
    y, lr = _run(_probe_losses(89), RAMP)
    d = lrkit.diagnose(y, lr)
    assert d.verdict == "plateau" and d.statistics["probe_rows"] == 89 and d.n_steps == 389
    assert "rate range test" in d.recommendation and "read from step 89" in d.recommendation
    whole = lrkit.diagnose(y, lr, policy=DiagnosePolicy(probe_decades=10.0))  # no ramp that long
    assert "probe_rows" not in whole.statistics and whole.n_steps == 389
    assert whole.verdict == "loss_spikes"  # read as training, the test's blow-up is a fault


def test_a_nan_inside_the_probe_is_the_probe_s_not_the_run_s():
    head = _probe_losses(89)
    head[-1] = np.nan  # the test blew up to NaN; the run rolled back and went on
    y, lr = _run(head, RAMP)
    assert lrkit.diagnose(y, lr).verdict == "plateau"


def test_validation_losses_measured_during_the_probe_are_left_out():
    y, lr = _run(_probe_losses(89), RAMP)
    vs = np.array([50, 150, 250, 388])
    d = lrkit.diagnose(y, lr, val_losses=np.array([9.0, 0.5, 0.4, 0.35]), val_steps=vs)
    assert d.statistics["val_points"] == 3


def test_the_report_draws_the_whole_history_with_its_probe(tmp_path):
    # n_steps counts the losses given, probe included, so a report of the file's losses is accepted.
    y, lr = _run(_probe_losses(89), RAMP)
    d = lrkit.diagnose(y, lr)
    lrkit.report(d, tmp_path / "diagnose.html", losses=y, lrs=lr)
    assert (tmp_path / "diagnose.html").stat().st_size > 0
