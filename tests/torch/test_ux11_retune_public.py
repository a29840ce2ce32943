"""docs/find.md tells the reader to put a suggestion in place with ``retune(optimizer, schedulers,
result.suggestion)``, but no public module exported it (session-11 new-user probe, ux;
``/work/notes/ux11/REPORT.md``, D8): ``from lrkit.torch import retune`` raised ImportError, and the
only way in was the private ``lrkit.torch._retune``. Made public, its bad inputs are one ``LRKitError``
(``schedulers=None`` and a non-optimizer raised ``TypeError`` / ``AttributeError``).
"""

from __future__ import annotations

import pytest
import torch

from lrkit import LRKitError
from lrkit.torch import find_lr, retune


def test_a_suggestion_goes_in_with_the_public_retune():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100)
    x = torch.randn(640, 3)
    batches = [(x[i:i + 32], x[i:i + 32].sum(1, keepdim=True)) for i in range(0, 640, 32)]
    r = find_lr(model, opt, torch.nn.functional.mse_loss, batches, interval=False)
    retune(opt, [sched], r.suggestion)
    assert sched.base_lrs == [r.suggestion] and opt.param_groups[0]["lr"] == r.suggestion


@pytest.mark.parametrize("optimizer, schedulers",
                         [("opt", []), (None, []), ("sgd", None), ("sgd", 3), ("sgd", "x")])
def test_bad_input_is_one_error_and_nothing_moves(optimizer, schedulers):
    w = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([w], lr=0.1)
    with pytest.raises(LRKitError, match="of retune must be"):
        retune(opt if optimizer == "sgd" else optimizer, schedulers, 0.2)
    assert opt.param_groups[0]["lr"] == 0.1
