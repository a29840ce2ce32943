"""The zoo's dense-network families: tabular MLPs, normalized MLPs, deep/wide plain MLPs, linear
models, regression (MSE and Huber) and autoencoders. Each entry says what it is; docs/zoo.md says
why each family is there."""

from __future__ import annotations

import functools
from typing import Any

from torch import nn

from lrkit.zoo import _data
from lrkit.zoo._models import MLP
from lrkit.zoo._registry import register
from lrkit.zoo._workload import ArrayWorkload, no_decay_groups

__all__: list[str] = []

_p = functools.partial


def _workload(name: str, **kwargs: Any) -> None:
    register(ArrayWorkload(name, **kwargs))


def _autoencode(data: Any) -> _data.Tensors:
    """Inputs as their own targets (flattened)."""
    x, _, xv, _ = data()
    return x.flatten(1), x.flatten(1), xv.flatten(1), xv.flatten(1)


# Shared data: a 10-class make_classification problem (3,000 x 40) for the normalized, deep and wide
# MLPs, so the families differ by architecture on the same rows.
_HARD = _p(_data.classification, 3000, 40, 20, 10, 1.0, 3)
_HARD_DATA = "make_classification 3000x40, 20 informative, 10 classes, 2% label noise"
_SOFT = _p(_data.classification, 3000, 40, 12, 6, 0.8, 4)
_SOFT_DATA = "make_classification 3000x40, 12 informative, 6 classes, class_sep 0.8"

# -- tabular: benchmarks/dev/finder_dev.py's data sets and tanh MLP ----------------------------------
_TAB = dict(family="tabular", loss="cross_entropy")
_workload("tabular-blobs-sgd", summary="tanh MLP 20-64-4 on blobs-clf, plain SGD",
          data="make_classification 1200x20, 4 classes (finder_dev blobs-clf)",
          arrays=_p(_data.finder_dev, "blobs-clf"), model=_p(MLP, (20, 64, 4), "tanh"),
          optimizer="sgd-plain", batch_size=32, budget=300, metric="val_acc", **_TAB)
_workload("tabular-cancer-momentum", summary="tanh MLP 30-64-2 on breast cancer, SGD momentum 0.9",
          data="sklearn breast cancer (finder_dev cancer)", arrays=_p(_data.finder_dev, "cancer"),
          model=_p(MLP, (30, 64, 2), "tanh"), optimizer="sgd", batch_size=16, budget=200,
          metric="val_loss", **_TAB)
_workload("tabular-wine-adam", summary="tanh MLP 13-64-3 on wine, Adam, batch 8",
          data="sklearn wine (finder_dev wine)", arrays=_p(_data.finder_dev, "wine"),
          model=_p(MLP, (13, 64, 3), "tanh"), optimizer="adam", batch_size=8, budget=200,
          metric="val_loss", **_TAB)
_workload("tabular-friedman-rmsprop", summary="tanh MLP 10-64-1 on Friedman #1 regression, RMSprop",
          data="make_friedman1 1200x10, noise 1 (finder_dev friedman)", family="tabular", loss="mse",
          arrays=_p(_data.finder_dev, "friedman"), model=_p(MLP, (10, 64, 1), "tanh"),
          optimizer="rmsprop", batch_size=32, budget=1500, metric="val_mse")

# -- norm-mlp: BatchNorm and LayerNorm -----------------------------------------------------------
_workload("norm-bn-nesterov", summary="BatchNorm MLP 40-128-128-10 (ReLU), Nesterov momentum",
          data=_HARD_DATA, family="norm-mlp", arrays=_HARD, model=_p(MLP, (40, 128, 128, 10), norm="batch"),
          loss="cross_entropy", optimizer="nesterov", batch_size=128, budget=500, metric="val_acc")
_workload("norm-bn-sgd512", summary="BatchNorm MLP 40-128-128-10 (ReLU), plain SGD, batch 512",
          data=_HARD_DATA, family="norm-mlp", arrays=_HARD, model=_p(MLP, (40, 128, 128, 10), norm="batch"),
          loss="cross_entropy", optimizer="sgd-plain", batch_size=512, budget=200, metric="val_acc")
_workload("norm-ln-adamw", summary="LayerNorm MLP 40-128-128-6 (GELU), AdamW weight decay 0.05",
          data=_SOFT_DATA, family="norm-mlp", arrays=_SOFT,
          model=_p(MLP, (40, 128, 128, 6), "gelu", norm="layer"), loss="cross_entropy", optimizer="adamw",
          options={"weight_decay": 0.05}, groups=no_decay_groups, batch_size=64, budget=600, metric="val_acc")

# -- deep-mlp: deep or wide plain networks without normalization --------------------------------
_workload("deep-relu8-sgd", summary="8 hidden ReLU layers of 64 (He init), no normalization, plain SGD",
          data=_HARD_DATA, family="deep-mlp", arrays=_HARD, model=_p(MLP, (40, *(64,) * 8, 10), he_init=True),
          loss="cross_entropy", optimizer="sgd-plain", batch_size=64, budget=1000, metric="val_acc")
_workload("deep-wide-sgd", summary="one hidden ReLU layer of 2048, plain SGD",
          data=_SOFT_DATA, family="deep-mlp", arrays=_SOFT, model=_p(MLP, (40, 2048, 6)),
          loss="cross_entropy", optimizer="sgd-plain", batch_size=128, budget=500, metric="val_acc")
_workload("deep-tanh6-momentum", summary="6 hidden tanh layers of 64, SGD momentum 0.9",
          data=_SOFT_DATA, family="deep-mlp", arrays=_SOFT, model=_p(MLP, (40, *(64,) * 6, 6), "tanh"),
          loss="cross_entropy", optimizer="sgd", batch_size=32, budget=800, metric="val_acc")

# -- linear: models linear in their parameters (convex losses) ----------------------------------
_workload("linear-regression-sgd", summary="least squares nn.Linear(30, 1), plain SGD, batch 8",
          data="make_regression 2000x30, effective rank 10, noise 5", family="linear", arrays=_data.linear,
          model=_p(nn.Linear, 30, 1), loss="mse", optimizer="sgd-plain", batch_size=8, budget=3000,
          metric="val_mse")
_workload("linear-softmax-adagrad", summary="softmax regression nn.Linear(40, 10), Adagrad",
          data=_HARD_DATA, family="linear", arrays=_HARD, model=_p(nn.Linear, 40, 10), loss="cross_entropy",
          optimizer="adagrad", batch_size=32, budget=500, metric="val_loss")
_workload("linear-logistic-sgd512", summary="multinomial logistic regression nn.Linear(40, 6), plain SGD, "
          "batch 512", data=_SOFT_DATA, family="linear", arrays=_SOFT, model=_p(nn.Linear, 40, 6),
          loss="cross_entropy", optimizer="sgd-plain", batch_size=512, budget=300, metric="val_loss")

# -- regression: MSE and Huber -------------------------------------------------------------------
_workload("regression-friedman2-nadam", summary="ReLU MLP 4-64-64-1 on Friedman #2, MSE, NAdam",
          data="make_friedman2 2000x4, 10% noise, z-scored target", family="regression",
          arrays=_data.friedman2, model=_p(MLP, (4, 64, 64, 1)), loss="mse", optimizer="nadam",
          batch_size=64, budget=800, metric="val_mse")
_OUTLIERS = "nonlinear 2000x8 target, 10% gross outliers in training targets, clean validation"
_workload("regression-huber-momentum", summary="ReLU MLP 8-64-64-1, Huber loss, SGD momentum 0.9",
          data=_OUTLIERS, family="regression", arrays=_data.outliers, model=_p(MLP, (8, 64, 64, 1)),
          loss="huber", optimizer="sgd", batch_size=32, budget=600, metric="val_mae")
_workload("regression-huber-adam", summary="ReLU MLP 8-64-64-1, Huber loss, Adam, batch 128",
          data=_OUTLIERS, family="regression", arrays=_data.outliers, model=_p(MLP, (8, 64, 64, 1)),
          loss="huber", optimizer="adam", batch_size=128, budget=400, metric="val_mae")

# -- autoencoder ---------------------------------------------------------------------------------
_workload("autoencoder-digits-adam", summary="ReLU autoencoder 64-32-8-32-64 on digit images, MSE, Adam",
          data="sklearn digits pixels / 16, reconstructed", family="autoencoder",
          arrays=_p(_autoencode, _data.digits), model=_p(MLP, (64, 32, 8, 32, 64)), loss="mse",
          optimizer="adam", batch_size=64, budget=800, metric="val_mse")
_workload("autoencoder-curve-momentum", summary="denoising tanh autoencoder 24-32-2-32-24, SGD momentum",
          data="make_s_curve sheet mapped into 24-D, noise 0.15 (clean target)", family="autoencoder",
          arrays=_data.curve, model=_p(MLP, (24, 32, 2, 32, 24), "tanh"), loss="mse", optimizer="sgd",
          batch_size=32, budget=1000, metric="val_mse")
