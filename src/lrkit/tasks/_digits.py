"""``digits-mlp`` and ``digits-cnn``: scikit-learn's 8x8 handwritten digits.

Data: ``sklearn.datasets.load_digits`` (1,797 images, 10 classes; ships with
scikit-learn, no download), one fixed stratified 80/20 split
(:func:`~lrkit.tasks._supervised.split` with seed 0: 1,438 train / 359 validation), each pixel
z-scored with training statistics. The split never depends on the run's seed;
the seed sets the weight initialisation and the batch order.
"""

from __future__ import annotations

import functools

import numpy as np
from torch import nn

from lrkit.tasks._base import register
from lrkit.tasks._supervised import VAL_FRACTION, Arrays, SupervisedTask, split, standardize

__all__ = ["digits_arrays", "DigitsMLP", "DigitsCNN"]


@functools.lru_cache(maxsize=1)
def digits_arrays() -> Arrays:
    """The fixed, standardized digits split (cached)."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x, y = bunch.data.astype(np.float64), bunch.target.astype(np.int64)
    return standardize(split(x, y, VAL_FRACTION, stratify=True))


class DigitsMLP(nn.Sequential):
    """64 -> 128 (ReLU) -> 10, torch's default initialisation."""

    def __init__(self) -> None:
        super().__init__(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))


class DigitsCNN(nn.Sequential):
    """Two 3x3 conv layers (16, 32 channels, ReLU), 2x2 max-pool, linear classifier on 32x4x4."""

    def __init__(self) -> None:
        super().__init__(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(32 * 4 * 4, 10),
        )


DIGITS = "sklearn load_digits 8x8, stratified 80/20 split, z-scored pixels"

register(
    SupervisedTask(
        "digits-mlp",
        summary="MLP 64-128-10 on handwritten digits (classification)",
        data=DIGITS,
        arrays=digits_arrays,
        model=DigitsMLP,
        task_type="classification",
        defaults=dict(default_optimizer="sgd", default_lr=0.01, budget=920, batch_size=64, cost=0.4),
    )
)

register(
    SupervisedTask(
        "digits-cnn",
        summary="small CNN (conv16-conv32-pool-linear) on digits as 1x8x8 images",
        data=DIGITS + ", as 1x8x8 images",
        arrays=digits_arrays,
        model=DigitsCNN,
        task_type="classification",
        defaults=dict(default_optimizer="adam", default_lr=5e-3, budget=460, batch_size=64, cost=1.9),
        input_shape=(1, 8, 8),
    )
)
