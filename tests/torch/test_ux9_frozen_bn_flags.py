"""Fine-tuning a head on a frozen backbone whose BatchNorm layers the user put in ``eval()`` (so they
normalise with the pretrained statistics; torchvision's and mmdet's ``norm_eval`` recipe for small
batches). ``find_lr`` calls ``model.train()`` before the sweep, so it sweeps another model: the frozen BN
layers normalise each batch with its own statistics (and move their running averages; all restored
after). Session-9 new-user probe ``/work/notes/ux9/p9_frozen_bn.py`` (digits MLP with BN pretrained on
0-4, head fine-tuned on 5-9 at batch 4, 3 seeds): grid-best head rate 0.1 (val loss 0.18); find_lr
0.0027 / 0.0036 / 0.0063 (val 0.77 / 0.72 / 0.55); the same sweep with the user's flags kept 0.021 /
0.0097 / 0.016 (val 0.31 / 0.47 / 0.36). When the flags are mixed (some modules in eval, others in
train), the user chose them; when all are in eval, ``train()`` is the right guess (a model just
evaluated). The test accepts keeping mixed flags, or a warning that names the modules switched.

The validation read (``Validation(loader)``) goes further: before each read it resets every BatchNorm
layer's running statistics and re-estimates them on the validation batches, the frozen backbone's
pretrained statistics included, so each validation loss is read from a model the user never trains."""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

from lrkit.torch import Validation, find_lr

_X = torch.randn(256, 16, generator=torch.Generator().manual_seed(0))
_Y = (_X[:, :3].sum(1) > 0).long()
_LOADER = [(_X[i:i + 8], _Y[i:i + 8]) for i in range(0, 256, 8)]


def _model() -> nn.Sequential:
    torch.manual_seed(0)
    backbone = nn.Sequential(nn.Linear(16, 32), nn.BatchNorm1d(32), nn.ReLU())
    for p in backbone.parameters():
        p.requires_grad_(False)
    return nn.Sequential(backbone, nn.Linear(32, 2))


def _sweep(model: nn.Sequential) -> tuple[list[bool], list[str]]:
    seen: list[bool] = []
    hook = model[0][1].register_forward_pre_hook(lambda mod, args: seen.append(mod.training))
    opt = torch.optim.SGD(model[1].parameters(), lr=0.01, momentum=0.9)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        find_lr(model, opt, nn.functional.cross_entropy, _LOADER, interval=False)
    hook.remove()
    return seen, [str(w.message) for w in caught]


def test_a_model_left_in_eval_is_swept_in_train_mode_and_its_flags_restored():
    model = _model()
    model.eval()
    seen, _ = _sweep(model)
    assert seen and all(seen)
    assert not any(m.training for m in model.modules())


def test_a_frozen_batchnorm_left_in_eval_by_the_user_is_swept_as_it_trains():
    model = _model()
    model.train()
    model[0].eval()
    seen, said = _sweep(model)
    kept = seen and not any(seen)
    assert kept or any("eval" in s and ("BatchNorm" in s or "0.1" in s or "module" in s) for s in said), said
    assert not model[0][1].training and model[1].training


def test_the_validation_read_keeps_a_frozen_batchnorm_s_statistics():
    model = _model()
    model.train()
    model[0].eval()
    bn = model[0][1]
    pretrained = bn.running_mean.clone()
    read_with: list[torch.Tensor] = []
    hook = bn.register_forward_pre_hook(
        lambda mod, args: None if mod.training else read_with.append(mod.running_mean.clone()))
    opt = torch.optim.SGD(model[1].parameters(), lr=0.01, momentum=0.9)
    find_lr(model, opt, nn.functional.cross_entropy, _LOADER, interval=False,
            validation=Validation(_LOADER[:4], every=10))
    hook.remove()
    assert read_with and all(torch.equal(m, pretrained) for m in read_with)
    assert torch.equal(bn.running_mean, pretrained)
