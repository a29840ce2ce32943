"""``Monitor.last_diagnosis``: the diagnosis as of the last refresh, read without diagnosing again.

The Watchdog reports a verdict when a refresh makes it; it reads this (it read the Monitor's private
attribute before), so what it reports and when is the refresh rule's, not each read's.
"""

from __future__ import annotations

import math

import torch

from lrkit.diagnostics import Monitor
from lrkit.torch import Watchdog


def test_it_is_the_last_refresh_and_reading_it_diagnoses_nothing():
    m = Monitor(every=10)
    assert m.last_diagnosis is None
    for t in range(10):
        m.observe(t, 1.0 / (1 + t))
    refreshed = m.last_diagnosis
    assert refreshed is not None and refreshed.verdict == m.update().verdict
    m.observe(10, 1.0 / 11)
    assert m.last_diagnosis is m.last_diagnosis  # no new diagnosis per read
    now = m.diagnosis  # the whole run, observed since included
    assert now is not refreshed and m.last_diagnosis is now


def test_a_non_finite_loss_refreshes_it_at_once():
    m = Monitor(every=50)
    for t in range(12):
        m.observe(t, 1.0)
    assert m.last_diagnosis is None  # no refresh yet: 12 observations, every=50
    m.observe(12, math.nan)
    assert m.last_diagnosis.verdict == "nan"


def test_the_watchdog_reports_what_a_refresh_made_when_it_made_it():
    seen = []
    w = torch.nn.Parameter(torch.ones(3))
    wd = Watchdog(every=10, optimizer=torch.optim.SGD([w], lr=0.1),
                  report=lambda d: seen.append((d, wd.monitor.last_diagnosis, wd.monitor.last_step)))
    for t in range(40):
        wd.observe(t, 1.0 / (1 + t / 5), lr=0.1)
    assert [step for _, _, step in seen] == [9]  # the first refresh; the verdict did not change after it
    assert all(d is last for d, last, _ in seen)
