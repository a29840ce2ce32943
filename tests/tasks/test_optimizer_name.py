"""``optimizer_name``: a torch optimizer's lrkit name, the inverse of ``make_optimizer`` (ux14 D10).

``tune`` on a task function whose space samples optimizers queues the range test's rate with the
optimizer the test swept; that optimizer is the user's own torch object, so its lrkit name is read
from it: the torch class and the settings that tell one class's names apart (SGD's momentum and
nesterov), whatever the rest (rate, weight decay, betas) is.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from lrkit.tasks import OPTIMIZERS, make_optimizer, optimizer_name  # noqa: E402


def _params():
    return torch.nn.Linear(3, 2).parameters()


@pytest.mark.parametrize(("build", "name"), [
    (lambda p: torch.optim.SGD(p, lr=0.1), "sgd-plain"),
    (lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9), "sgd"),
    (lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=5e-4), "sgd"),
    (lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True), "nesterov"),
    (lambda p: torch.optim.Adam(p, lr=1e-3), "adam"),
    (lambda p: torch.optim.Adam(p, lr=1e-3, betas=(0.9, 0.98), weight_decay=1e-4), "adam"),
    (lambda p: torch.optim.AdamW(p, lr=1e-3), "adamw"),
    (lambda p: torch.optim.AdamW(p, lr=1e-3, weight_decay=0.1), "adamw"),
    (lambda p: torch.optim.RMSprop(p, lr=1e-3), "rmsprop"),
])
def test_a_torch_optimizer_reads_as_its_lrkit_name(build, name):
    assert optimizer_name(build(_params())) == name


@pytest.mark.parametrize("build", [
    lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.95),  # lrkit's sgd is momentum 0.9
    lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.5, nesterov=True),
    lambda p: torch.optim.Adamax(p, lr=1e-3),  # no lrkit name
    lambda p: torch.optim.LBFGS(p, lr=1.0),
])
def test_an_optimizer_lrkit_does_not_name_reads_as_none(build):
    assert optimizer_name(build(_params())) is None


def test_a_subclass_is_not_its_base_classes_name():
    class Clipped(torch.optim.SGD):  # its step may differ from SGD's
        pass

    assert optimizer_name(Clipped(_params(), lr=0.1, momentum=0.9)) is None


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_name_made_reads_back_as_itself(name):
    """The round trip through the table: independent of how the names are matched."""
    assert optimizer_name(make_optimizer(name, _params(), 0.01)) == name


def test_group_0_names_it_and_nothing_is_changed():
    net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 1))
    opt = torch.optim.SGD([{"params": net[0].parameters(), "momentum": 0.9},
                           {"params": net[1].parameters()}], lr=0.1)
    before = [dict((k, v) for k, v in g.items() if k != "params") for g in opt.param_groups]
    assert optimizer_name(opt) == "sgd"  # the trial's `lr` is group 0's
    assert [dict((k, v) for k, v in g.items() if k != "params") for g in opt.param_groups] == before
    assert not opt.state
