"""One small LightningModule the Watchdog's Lightning tests train: a linear layer learning the sum of
its two inputs by SGD, logging ``val_loss`` after each validation batch (what the callback reads)."""

from __future__ import annotations

import torch


def sum_regression(lr: float, val_name: str = "val_loss"):
    """A fresh module logging its validation loss as ``val_name`` (``lightning.pytorch`` imported here:
    callers skip first when it is missing)."""
    import lightning.pytorch as pl

    class SumRegression(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.layer = torch.nn.Linear(2, 1)

        def _loss(self, batch):
            return (self.layer(batch[0]) - batch[0].sum(1, keepdim=True)).pow(2).mean()

        def training_step(self, batch, batch_idx):
            return self._loss(batch)

        def validation_step(self, batch, batch_idx):
            self.log(val_name, self._loss(batch))

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=lr)

    return SumRegression()
