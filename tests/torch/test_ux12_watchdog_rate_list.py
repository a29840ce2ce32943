"""``Watchdog.observe(step, loss, lr=scheduler.get_last_lr())`` (session-12 new-user probe, ux;
``/work/notes/ux12/REPORT.md``, L1; ``diagnostics/_monitor.py``).

torch's ``get_last_lr()`` returns one rate per param group, a list; passed as ``lr=`` it raised
Python's bare ``TypeError: float() argument must be a string or a real number, not 'list'`` from inside
the Monitor. Now a one-group list is read as its one rate, and several rates (or a word) are one
``LRKitError`` naming ``lr`` and the way out, before anything is recorded.
"""

from __future__ import annotations

import math

import pytest
import torch

from lrkit import LRKitError
from lrkit.diagnostics import Monitor
from lrkit.torch import Watchdog


@pytest.mark.parametrize("rate", [[0.1, 0.01], torch.tensor([0.1, 0.01]), "fast", "0.1", []],
                         ids=["get_last_lr-two-groups", "tensor", "word", "number-as-text", "empty"])
def test_a_rate_that_is_not_one_number_is_one_error_naming_lr(rate):
    said = r"`lr` of Watchdog.observe must be one learning rate.*get_last_lr\(\)\[0\]"
    with pytest.raises(LRKitError, match=said):
        Watchdog(every=50, report=None).observe(0, torch.tensor(1.0), lr=rate)
    with pytest.raises(LRKitError, match=r"`lr` of Monitor.observe must be one learning rate"):
        Monitor(every=50).observe(0, 1.0, lr=rate)


@pytest.mark.parametrize("rate", [[0.1], (0.1,), torch.tensor([0.1], dtype=torch.float64),
                                  torch.tensor(0.1, dtype=torch.float64)],
                         ids=["get_last_lr-one-group", "tuple", "tensor-1", "tensor-0d"])
def test_one_groups_rate_in_a_list_or_tensor_is_read_as_that_rate(rate):
    a, b = Monitor(every=10), Monitor(every=10)
    for step in range(12):
        a.observe(step, 1.0 / (1 + step), lr=rate)
        b.observe(step, 1.0 / (1 + step), lr=0.1)
    assert a.state_dict() == b.state_dict()


def test_a_refused_rate_records_nothing():
    mon, ref = Monitor(every=10), Monitor(every=10)
    mon.observe(0, 1.0, lr=0.1)
    ref.observe(0, 1.0, lr=0.1)
    with pytest.raises(LRKitError):
        mon.observe(1, 0.9, lr=[0.1, 0.01])
    mon.observe(1, 0.9, lr=0.1)  # the same step again: the refused call left no trace
    ref.observe(1, 0.9, lr=0.1)
    assert mon.state_dict() == ref.state_dict()
