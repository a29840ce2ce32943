"""One CPU ``Trainer.fit`` the Lightning integration tests make: a seeded toy classification loader (8
features, the label the sign of the first), nothing logged or saved, every warning recorded."""

from __future__ import annotations

import warnings
from typing import Any

import torch


def fit_recording_warnings(module: Any, *, samples: int = 512, batch_size: int = 16, callbacks: tuple = (),
                           **limits: Any) -> tuple[Any, list[str]]:
    """Fit ``module`` on ``samples`` seeded points in batches of ``batch_size`` under ``limits``
    (``max_epochs=``, ``max_steps=``); the trainer and every warning's message, in order
    (``lightning.pytorch`` imported here: callers skip first when it is missing)."""
    import lightning.pytorch as pl

    torch.manual_seed(0)
    x = torch.randn(samples, 8)
    data = torch.utils.data.TensorDataset(x, (x[:, 0] > 0).long())
    loader = torch.utils.data.DataLoader(data, batch_size=batch_size)
    trainer = pl.Trainer(logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, accelerator="cpu", callbacks=list(callbacks), **limits)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trainer.fit(module, loader)
    return trainer, [str(w.message) for w in caught]
