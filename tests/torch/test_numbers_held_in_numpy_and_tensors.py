"""A rate or scale held in a numpy scalar or a 0-d array/tensor is a number, as the schedules' parameters
take it (errors.check_*): ``retune``, ``LRScheduler(group_scales=)`` and ``for_run``'s quantities refused
``np.float32(0.2)`` and ``torch.tensor(0.2)`` ("must be a finite number > 0; got 0.2")."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lrkit import LRKitError
from lrkit.schedules import cosine, for_run
from lrkit.torch import LRScheduler, retune

NUMBERS = [np.float32(0.5), np.array(0.5), torch.tensor(0.5), torch.tensor(0.5, dtype=torch.float64)]


def _opt(groups: int = 1) -> torch.optim.Optimizer:
    net = torch.nn.Linear(2, 1)
    params = [[net.weight], [net.bias]][:groups] if groups > 1 else [net.parameters()]
    return torch.optim.SGD([{"params": p} for p in params], lr=0.1)


@pytest.mark.parametrize("rate", NUMBERS, ids=repr)
def test_retune_takes_a_rate_held_in_numpy_or_torch(rate):
    opt = _opt()
    assert retune(opt, [], rate) == pytest.approx(5.0)
    assert type(opt.param_groups[0]["lr"]) is float and opt.param_groups[0]["lr"] == 0.5


@pytest.mark.parametrize("scale", NUMBERS, ids=repr)
def test_group_scales_held_in_numpy_or_torch(scale):
    opt = _opt(2)
    s = LRScheduler(opt, "constant(lr=0.2)", group_scales=[1.0, scale])
    assert s.group_scales == (1.0, 0.5) and opt.param_groups[1]["lr"] == 0.1


@pytest.mark.parametrize(
    "bad", [torch.tensor([0.5]), torch.tensor(-1.0), np.array(np.nan), torch.tensor(True)], ids=repr
)
def test_what_is_no_number_is_still_refused(bad):
    with pytest.raises(LRKitError, match="`lr` of retune must be a finite number > 0"):
        retune(_opt(), [], bad)
    with pytest.raises(LRKitError, match="`group_scales` of LRScheduler must be a list of 2 finite numbers"):
        LRScheduler(_opt(2), "constant(lr=0.2)", group_scales=[1.0, bad])


def test_for_run_quantities_held_in_numpy_or_torch():
    s = for_run("cosine(lr=lr, steps=total)", total=torch.tensor(10), lr=np.float32(0.25))
    assert s == cosine(lr=0.25, steps=10)  # an integer tensor counts steps, a float one is a rate
    # numpy 2 writes np.float64(0.25) as "np.float64(0.25)": the bound spec read it as a name
    assert for_run("cosine(lr=lr, steps=10)", lr=np.float64(0.25)) == cosine(lr=0.25, steps=10)
    assert for_run("cosine(lr=0.1, steps=0.25*total)", total=np.array(10)) == cosine(lr=0.1, steps=3)
    with pytest.raises(LRKitError, match=r"`total` of for_run must be a finite number; got tensor\(\[10\]\)"):
        for_run("cosine(lr=0.1, steps=total)", total=torch.tensor([10]))
