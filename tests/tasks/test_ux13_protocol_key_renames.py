"""ux13 L4: a task script that returns the PyTorch tutorials' names (``criterion``, ``net``, ``opt``,
``train_dataloader``) was told "must return the keys ['loss_fn']; got ['criterion', ...]" without saying
that ``criterion`` is the one to rename; now the message names each rename."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from lrkit import LRKitError  # noqa: E402
from lrkit.tasks._protocol import check_parts  # noqa: E402


def _parts():
    m = torch.nn.Linear(2, 1)
    data = [(torch.ones(1, 2), torch.ones(1, 1))]
    return m, torch.optim.SGD(m.parameters(), lr=0.1), torch.nn.MSELoss(), data


def test_a_tutorials_names_are_told_which_key_to_rename():
    m, opt, loss, data = _parts()
    with pytest.raises(LRKitError, match=r"must return the keys \['loss_fn'\]; got \['criterion', "
                                         r"'model', 'optimizer', 'train_loader'\]: "
                                         r"rename 'criterion' to 'loss_fn'\.$"):
        check_parts({"model": m, "optimizer": opt, "criterion": loss, "train_loader": data}, "f")
    with pytest.raises(LRKitError, match=r": rename 'net' to 'model', 'opt' to 'optimizer', "
                                         r"'train_dataloader' to 'train_loader'\.$"):
        check_parts({"net": m, "opt": opt, "loss_fn": loss, "train_dataloader": data}, "f")


def test_a_key_with_no_known_other_name_gets_no_rename():
    m, opt, loss, data = _parts()
    with pytest.raises(LRKitError, match=r"must return the keys \['loss_fn'\]; got \['model', 'optimizer', "
                                         r"'train_loader', 'xyz'\]\.$"):
        check_parts({"model": m, "optimizer": opt, "xyz": loss, "train_loader": data}, "f")
