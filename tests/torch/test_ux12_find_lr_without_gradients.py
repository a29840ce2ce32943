"""``find_lr`` called where no gradient can flow points at the batches (session-12 new-user probe, ux;
``/work/notes/ux12/REPORT.md``, L4; ``torch/_first_update.py``).

Inside ``torch.no_grad()`` / ``torch.inference_mode()`` (an evaluation block the call was pasted into),
or with every parameter frozen, the first update fails with torch's "element 0 of tensors does not
require grad", and the way out read "check that the batches of `train_loader` fit the model and
`loss_fn` (shapes, dtypes, class indices)": the batches are fine. Now the way out names the cause;
nothing is changed either way.
"""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from lrkit import LRKitError
from lrkit.torch import find_lr


def _parts(frozen=False):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
    for p in model.parameters():
        p.requires_grad_(not frozen)
    x = torch.randn(64, 8)
    batches = [(x[i:i + 16], (x[i:i + 16, 0] > 0).long()) for i in range(0, 64, 16)]
    return model, torch.optim.SGD(model.parameters(), lr=0.1), batches


@pytest.mark.parametrize("context", [torch.no_grad, torch.inference_mode], ids=["no_grad", "inference_mode"])
def test_a_call_where_gradients_are_off_is_told_so(context):
    model, opt, batches = _parts()
    before = copy.deepcopy(model.state_dict())
    with context(), pytest.raises(LRKitError, match=r"gradients are off.*torch.no_grad\(\).*outside") as e:
        find_lr(model, opt, nn.functional.cross_entropy, batches)
    assert "shapes, dtypes" not in str(e.value)
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())


def test_an_optimizer_whose_parameters_are_all_frozen_is_told_so():
    model, opt, batches = _parts(frozen=True)
    # refused before any update since ux16 L1 (test_ux16_frozen_only_optimizer.py)
    with pytest.raises(LRKitError, match=r"`optimizer` of find_lr holds 4 parameters and none requires grad"
                       ) as e:
        find_lr(model, opt, nn.functional.cross_entropy, batches)
    assert "shapes, dtypes" not in str(e.value)
