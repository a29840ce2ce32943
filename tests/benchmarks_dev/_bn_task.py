"""A protocol task with BatchNorm (digits through a BatchNorm MLP), and one whose loss turns NaN."""

from __future__ import annotations

import torch

from lrkit.tasks import Task, get_task


class Wrapped(Task):
    """``digits-mlp`` with another model or a loss that is NaN from update ``nan_from`` on."""

    def __init__(self, name: str, *, batchnorm: bool = False, nan_from: int | None = None) -> None:
        self.name, self.inner = name, get_task("digits-mlp")
        self.batchnorm, self.nan_from = batchnorm, nan_from

    def _make_info(self):
        return self.inner.info

    def build(self, seed: int = 0, **kw):
        parts = self.inner.build(seed, **kw)
        if self.batchnorm:
            torch.manual_seed(seed)
            model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.BatchNorm1d(32), torch.nn.ReLU(),
                                        torch.nn.Linear(32, 10))
            parts["model"] = model
            parts["optimizer"] = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True,
                                                 weight_decay=5e-4)
        if self.nan_from is not None:
            inner_loss, calls = parts["loss_fn"], [0]

            def loss_fn(out, y):
                calls[0] += 1
                loss = inner_loss(out, y)
                return loss * float("nan") if calls[0] > self.nan_from else loss

            parts["loss_fn"] = loss_fn
        return parts

    def evaluate(self, model, val_loader):
        return self.inner.evaluate(model, val_loader)

    def worst(self):
        return self.inner.worst()
