"""An optimizer whose parameters are all frozen sweeps twice before saying so (twelfth new-user probe, ux;
``/work/notes/ux16/REPORT.md``, L1; ``torch/_finder_checks.py``).

A fine-tune with a frozen body and a new head, the optimizer built from the body by mistake:
``find_lr(model, SGD(body.parameters()))`` ran two sweeps, 200 updates that change nothing (the head
learns no gradient step, the body has ``requires_grad=False``), then "no answer"; the Autopilot refused the
same optimizer in one line. Now both refuse it up front with one check
(:func:`lrkit.torch._groups.check_trainable`): no forward, no batch drawn, the model unchanged.
"""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from lrkit import LRKitError
from lrkit.torch import Autopilot, find_lr


def _frozen_body():
    torch.manual_seed(0)
    body, head = nn.Sequential(nn.Linear(8, 16), nn.ReLU()), nn.Linear(16, 3)
    for p in body.parameters():
        p.requires_grad_(False)
    model = nn.Sequential(body, head)
    x = torch.randn(64, 8)
    batches = [(x[i:i + 16], (x[i:i + 16, 0] > 0).long()) for i in range(0, 64, 16)]
    return model, body, batches


class _Counted:
    """Batches that count how often they were iterated."""

    def __init__(self, batches):
        self.batches, self.drawn = batches, 0

    def __iter__(self):
        self.drawn += 1
        return iter(self.batches)

    def __len__(self):
        return len(self.batches)


def test_find_lr_refuses_an_optimizer_of_frozen_parameters_before_any_update():
    model, body, batches = _frozen_body()
    before = copy.deepcopy(model.state_dict())
    forwards = []
    model.register_forward_hook(lambda *a: forwards.append(1))
    loader = _Counted(batches)
    with pytest.raises(LRKitError, match=r"`optimizer` of find_lr holds 2 parameters and none requires grad"
                       r".*requires_grad=False.*unchanged") as e:
        find_lr(model, torch.optim.SGD(body.parameters(), lr=0.1), nn.functional.cross_entropy, loader,
                progress=False)
    assert "no answer" not in str(e.value)
    assert forwards == [] and loader.drawn == 0
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())


@pytest.mark.parametrize("given_model", [True, False], ids=["model", "no-model"])
def test_the_autopilot_refuses_it_with_the_same_words(given_model):
    model, body, _ = _frozen_body()
    words = r"`optimizer` of Autopilot holds 2 parameters and none requires grad"
    with pytest.raises(LRKitError, match=words):
        Autopilot(torch.optim.SGD(body.parameters(), lr=0.1), budget=100,
                  model=model if given_model else None)


def test_an_optimizer_with_one_trainable_parameter_among_frozen_ones_is_accepted():
    model, body, batches = _frozen_body()
    params = [*body.parameters(), model[1].weight]
    result = find_lr(model, torch.optim.SGD(params, lr=0.1), nn.functional.cross_entropy, batches,
                     progress=False, interval=False)
    assert result.meta["updates"] > 0
    Autopilot(torch.optim.SGD(params, lr=0.1), budget=100)  # built: no refusal
