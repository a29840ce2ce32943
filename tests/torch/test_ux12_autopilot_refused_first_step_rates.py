"""A first ``Autopilot.step`` refused for its input leaves the optimizer as the user built it (ux12 L7,
``/work/notes/ux12/ap_bad_input_state.py``).

The constructor writes the probe's first rate into the groups (1e-4 for an Adam built at 1e-3). A refused
non-finite first loss put the user's rates back, but a first step refused for a tuple or per-sample loss,
a forgotten ``loss.backward()`` or a param group added after the Autopilot left the probe's rate in the
optimizer, while the guide says a refusal leaves the optimizer's rates as they were. Every refusal before
the first update is applied now leaves every group's ``lr`` (the tensor object too) as built, and the next
good step still runs at the probe's first rate.
"""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from lrkit import LRKitError
from lrkit.torch import Autopilot

_X = torch.randn(16, 4, generator=torch.Generator().manual_seed(0))
_Y = torch.randint(0, 2, (16,), generator=torch.Generator().manual_seed(1))


def _setup():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))
    opt = torch.optim.Adam([{"params": model[0].parameters()},
                            {"params": list(model[1].parameters()) + list(model[2].parameters()),
                             "lr": 3e-3}], lr=1e-3, betas=(0.9, 0.99))
    built = copy.deepcopy(opt.state_dict())
    return model, opt, built, Autopilot(opt, budget=100, model=model)


def _bad_input(kind, model, opt):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(_X), _Y)
    if kind == "no backward":
        return loss
    if kind == "added group":
        opt.add_param_group({"params": [nn.Parameter(torch.ones(1))], "lr": 0.5})
    loss.backward()
    if kind == "tuple":
        return loss, {"acc": 0.5}
    if kind == "vector":
        return nn.functional.cross_entropy(model(_X), _Y, reduction="none")
    return loss


@pytest.mark.parametrize("kind", ["tuple", "vector", "no backward", "added group"])
def test_a_refused_first_step_leaves_every_rate_as_built(kind):
    model, opt, built, ap = _setup()
    with pytest.raises(LRKitError):
        ap.step(_bad_input(kind, model, opt))
    assert [g["lr"] for g in opt.param_groups[:2]] == [1e-3, 3e-3]
    assert repr(opt.state_dict()["param_groups"][:2]) == repr(built["param_groups"])
    assert opt.state_dict()["state"] == {}  # nothing applied


def test_a_good_step_after_a_refused_one_runs_at_the_probes_first_rate():
    model, opt, _, ap = _setup()
    first = ap.lr
    with pytest.raises(LRKitError):
        ap.step(_bad_input("tuple", model, opt))
    for _ in range(2):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(_X), _Y)
        loss.backward()
        assert ap.step(loss) is True
    assert ap.probe_lrs[0] == first and len(ap.probe_lrs) == 2


def test_a_tensor_rate_keeps_its_object_and_value():
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    lr = torch.tensor(1e-3)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    ap = Autopilot(opt, budget=100, model=model)
    with pytest.raises(LRKitError):
        ap.step(_bad_input("tuple", model, opt))
    assert opt.param_groups[0]["lr"] is lr and float(lr) == pytest.approx(1e-3)
