"""ux13 L1-L3: three likely mistakes at ``find_lr``'s call, each one line naming the argument.

L1: the model passed where the optimizer goes: the message quoted the module's multi-line ``str``
(eleven lines for a small MLP); ``errors.shown`` now puts any value on one line.
L2: ``loss_fn=nn.CrossEntropyLoss`` (the class): the first update failed inside torch and the message
blamed the batches' shapes and dtypes; now it says to pass an instance.
L3: an optimizer built on another model's parameters (a model re-created after the optimizer): two full
sweeps ran and ended in "no answer: ... flat curve"; now refused before anything is touched.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from lrkit import LRKitError  # noqa: E402
from lrkit.finder import Sweep  # noqa: E402
from lrkit.torch import find_lr  # noqa: E402


def _setup():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    x = torch.randn(64, 8)
    data = torch.utils.data.TensorDataset(x, (x[:, 0] > 0).long())
    loader = torch.utils.data.DataLoader(data, batch_size=16)
    return model, torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9), loader


def _refused(call, match):
    with pytest.raises(LRKitError, match=match) as info:
        call()
    assert "\n" not in str(info.value)


def test_the_model_passed_as_the_optimizer_is_named_on_one_line():
    model, _, loader = _setup()
    _refused(lambda: find_lr(model, model, torch.nn.CrossEntropyLoss(), loader),
             r"`optimizer` of find_lr must be an Optimizer; got Sequential\( \(0\): Linear")


def test_a_loss_class_is_told_to_be_an_instance():
    model, opt, loader = _setup()
    _refused(lambda: find_lr(model, opt, torch.nn.CrossEntropyLoss, loader),
             r"`loss_fn` of find_lr .* pass an instance, CrossEntropyLoss\(\)")


def test_an_optimizer_over_another_models_parameters_is_refused_before_any_sweep():
    model, _, loader = _setup()
    other, opt, _ = _setup()
    before = [p.detach().clone() for p in [*model.parameters(), *other.parameters()]]
    steps = []
    _refused(lambda: find_lr(model, opt, torch.nn.CrossEntropyLoss(), loader, sweep=Sweep(num_steps=20),
                             on_step=lambda *a: steps.append(a)),
             r"`optimizer` of find_lr updates none of `model`'s 4 parameters")
    after = list(model.parameters()) + list(other.parameters())
    assert not steps and all(torch.equal(a, b) for a, b in zip(before, after))
    assert not opt.state  # no update was made
