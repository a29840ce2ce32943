"""Bad arguments found by the session-6 new-user probe (`/work/notes/ux6/`), each checked where the
user gives it: one ``LRKitError`` naming the argument, and nothing of the user's touched first."""

from __future__ import annotations

import pytest
import torch

from lrkit import LRKitError
from lrkit.torch import LRScheduler, Watchdog


def _groups(opt: torch.optim.Optimizer) -> list[dict]:
    return [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]


@pytest.mark.parametrize("report", ["yes", 3, object()])
def test_watchdog_report_must_be_callable_at_construction(report):
    # it was accepted and raised TypeError ('str' object is not callable) at the first diagnosis,
    # inside the user's training loop
    with pytest.raises(LRKitError, match=r"^`report` of Watchdog must be a callable"):
        Watchdog(every=20, report=report)


def test_watchdog_report_callable_or_none_is_called_with_each_new_verdict():
    seen = []
    wd = Watchdog(every=20, report=seen.append)
    for step in range(100):
        wd.observe(step, 1.0 / (1 + step), lr=0.1)
    verdicts = [d.verdict for d in seen]
    assert verdicts and verdicts[-1] == wd.diagnosis.verdict
    assert all(a != b for a, b in zip(verdicts, verdicts[1:]))  # called when the verdict changes
    Watchdog(report=None)  # the default: no report


def test_scheduler_with_a_bad_per_update_leaves_the_optimizer_as_it_was():
    w, b = torch.nn.Parameter(torch.zeros(3)), torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.01}], lr=0.1, momentum=0.9)
    before = _groups(opt)
    with pytest.raises(LRKitError, match=r"^`per_update` of LRScheduler must be True, False or None"):
        LRScheduler(opt, "cosine(lr=0.1, steps=10)", per_update="yes")
    assert _groups(opt) == before  # it added `initial_lr` to every group before raising


@pytest.mark.parametrize("state", [None, "abc", {"x": 1}, {"on_nan": "stop", "monitor": {}}])
def test_watchdog_load_state_dict_names_a_state_that_is_not_one(state):
    wd = Watchdog(on_nan="raise")
    with pytest.raises(LRKitError, match=r"^`state_dict` of Watchdog must be a dict with keys on_nan, "
                                         r"last_verdict, monitor"):
        wd.load_state_dict(state)
    assert wd.on_nan == "raise"


def test_watchdog_state_round_trips():
    wd = Watchdog(every=20, on_nan="ignore")
    for step in range(60):
        wd.observe(step, 1.0 / (1 + step), lr=0.1)
    again = Watchdog()
    again.load_state_dict(wd.state_dict())
    assert again.on_nan == "ignore" and again.diagnosis.verdict == wd.diagnosis.verdict
