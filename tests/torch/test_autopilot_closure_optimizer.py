"""A closure optimizer (LBFGS) is one LRKitError at construction, and its rate is left as it was.

Found by the session 6 ux probe: the Autopilot took it and failed mid-run, as follows.

`Autopilot(torch.optim.LBFGS(...), budget=60, model=model)` is accepted; the first
`ap.step(loss)` raises torch's own `TypeError: LBFGS.step() missing 1 required positional argument:
'closure'` (a traceback, not one line), and leaves group 0's rate at the probe's first rate (1e-05
where the user built it with 1.0). docs/watch.md promises "Bad input is one line, and nothing
changes": an optimizer whose `step` needs a closure should be an `LRKitError` naming `optimizer` of
Autopilot at construction. Repro: `/work/notes/ux6/ap_lbfgs.py`.
"""

from __future__ import annotations

import pytest
import torch

from lrkit import LRKitError
from lrkit.torch import Autopilot


def _lbfgs():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    return model, torch.optim.LBFGS(model.parameters(), lr=1.0)


def test_a_closure_optimizer_is_one_error_at_construction():
    model, opt = _lbfgs()
    with pytest.raises(LRKitError, match=r"^`optimizer` of Autopilot must take a step without a "
                                         r"closure .*got LBFGS"):
        Autopilot(opt, budget=60, model=model)


def test_a_closure_optimizer_leaves_the_rate_as_it_was():
    model, opt = _lbfgs()
    x, y = torch.randn(16, 3), torch.randn(16, 1)
    try:
        ap = Autopilot(opt, budget=60, model=model)
        torch.nn.functional.mse_loss(model(x), y).backward()
        ap.step(torch.nn.functional.mse_loss(model(x), y))
    except Exception:  # noqa: BLE001 - whatever it raises, the rate must be the user's
        pass
    assert opt.param_groups[0]["lr"] == 1.0
