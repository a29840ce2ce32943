"""``lrkit.hf.find_lr(trainer, apply=True)`` sets ``learning_rate`` in the units of the group it builds.

The sweep's suggestion is the reference group's rate (of the groups above 0, the one holding the most
trainable parameters: ``meta["rate_group"]``). A Trainer whose ``create_optimizer`` builds head-first
discriminative groups from ``args.learning_rate`` (head at it, body at a hundredth; the body holds the most
parameters) had ``learning_rate`` set to the body's rate, so ``train()`` built head and body 100x below what
the sweep measured (head 0.00368, body 3.7e-05 for a body suggestion of 0.00368), as the Lightning finder did
with its module's ``lr`` (ux11 D10). Expected: ``learning_rate`` is group 0's share of the suggestion,
``suggestion * c_0``, so the optimizer ``train()`` builds runs the rates the sweep measured.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from transformers import Trainer  # noqa: E402

from lrkit.finder import Sweep  # noqa: E402
from lrkit.hf import find_lr  # noqa: E402


class HeadFirst(Trainer):
    """Discriminative rates from ``learning_rate``, the head listed first (the override HF documents)."""

    def create_optimizer(self):
        if self.optimizer is None:
            lr, net = self.args.learning_rate, self.model.net
            groups = [{"params": net[2].parameters(), "lr": lr},
                      {"params": net[0].parameters(), "lr": lr / 100}]
            self.optimizer = torch.optim.SGD(groups, lr=lr, momentum=0.9)
        return self.optimizer


def test_learning_rate_is_group_0s_share_of_the_suggestion(tmp_path, dict_parts):
    torch.manual_seed(0)
    args = dict_parts.args(tmp_path, learning_rate=0.1, per_device_train_batch_size=32, max_steps=20, seed=0)
    rows = dict_parts.rows(640, lambda x: (x[:, 0] > 0).long())
    trainer = HeadFirst(model=dict_parts.model(classes=2, hidden=64), args=args, train_dataset=rows)
    result = find_lr(trainer, apply=True, sweep=Sweep(start=1e-5, end=10.0, num_steps=40), interval=False)
    assert result.meta["rate_group"] == 1 and result.meta["group_scales"] == [100.0, 1.0]
    built = [g["lr"] for g in trainer.create_optimizer().param_groups]
    assert built == pytest.approx([100 * result.suggestion, result.suggestion], rel=1e-9)
