"""Discriminative rates, ``AdamW([{"params": backbone, "lr": 1e-5}, {"params": head, "lr": 1e-3}])``: the
Autopilot drives one rate and keeps the groups' ratios (docs/watch.md), but its probe's band is fixed in
the units of the first positive group (1e-4 to 1 for adaptive optimizers). Listed head first, the head is
ramped over 1e-4..1; backbone first, over 1e-2..100. On a fine-tune whose head takes a high rate the
first ramp never turns (a weak signal, read as "minimum of the curve / 10"), the second blows up inside
its band: the same model, data and ratios get head peaks a decade apart (session-9 new-user probe
``/work/notes/ux9/p10_autopilot_ratio.py``, digits 0-4 pretrained, 5-9 fine-tuned, budget 300, 3 seeds:
head first 0.042 / 0.014 / 0.014 (val 0.15 / 0.34 / 0.33), backbone first 0.27 / 0.24 / 0.50 (val 0.097
/ 0.080 / 0.082); a cosine grid puts the best head peak at 0.32, val 0.078). The order of the groups
carries no information about the rate; expected: the same head peak within a factor 2 either way.

Fixed: the reference group (the band's units, the rate reported) is the group above 0 holding the most
parameters, whatever the order (``lrkit.torch._groups.group_ratios``); the peak is read in the head's units
through the ratio the Autopilot keeps, not by assuming group 0 is the reference."""

from __future__ import annotations

import copy

import pytest
import torch
from sklearn.datasets import load_digits
from torch import nn

from lrkit.torch import Autopilot

_BUDGET = 300


def _data():
    d = load_digits()
    x = torch.tensor(d.data / 16.0, dtype=torch.float32)
    y = torch.tensor(d.target)
    xb, yb = x[y >= 5], y[y >= 5] - 5
    order = torch.randperm(len(xb), generator=torch.Generator().manual_seed(0))
    return (x[y < 5], y[y < 5]), (xb[order][:600], yb[order][:600])


(_XA, _YA), (_XB, _YB) = _data()


def _pretrained() -> dict:
    torch.manual_seed(0)
    backbone = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU())
    head = nn.Linear(64, 5)
    opt = torch.optim.Adam([*backbone.parameters(), *head.parameters()], lr=1e-3)
    for _ in range(15):
        for i in range(0, len(_XA), 64):
            loss = nn.functional.cross_entropy(head(backbone(_XA[i:i + 64])), _YA[i:i + 64])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return {"model": backbone, "state": copy.deepcopy(backbone.state_dict())}


_PRE = _pretrained()


def _fine_tune(backbone_first: bool) -> tuple[float, list[float]]:
    torch.manual_seed(0)
    backbone = copy.deepcopy(_PRE["model"])
    backbone.load_state_dict(_PRE["state"])
    model = nn.Sequential(backbone, nn.Linear(64, 5))
    groups = [{"params": model[0].parameters(), "lr": 1e-5}, {"params": model[1].parameters(), "lr": 1e-3}]
    opt = torch.optim.AdamW(groups if backbone_first else groups[::-1], lr=1e-3, weight_decay=0.01)
    head, back = (1, 0) if backbone_first else (0, 1)
    ap = Autopilot(opt, model=model, budget=_BUDGET)
    to_head = opt.param_groups[head]["lr"] / ap.lr  # the reported rate is the reference group's
    g = torch.Generator().manual_seed(0)
    ratios = []
    for _ in range(_BUDGET):
        i = torch.randint(0, 600, (32,), generator=g)
        loss = nn.functional.cross_entropy(model(_XB[i]), _YB[i])
        opt.zero_grad()
        loss.backward()
        ap.step(loss)
        if opt.param_groups[back]["lr"] > 0:
            ratios.append(opt.param_groups[head]["lr"] / opt.param_groups[back]["lr"])
    return ap.events[0]["peak"] * to_head, ratios


def test_the_ratio_is_kept_whichever_group_comes_first():
    for backbone_first in (False, True):
        _, ratios = _fine_tune(backbone_first)
        assert ratios and all(r == pytest.approx(100.0) for r in ratios)


def test_the_head_peak_does_not_depend_on_the_order_of_the_groups():
    head_first, _ = _fine_tune(False)
    backbone_first, _ = _fine_tune(True)
    assert 0.5 <= backbone_first / head_first <= 2.0, (head_first, backbone_first)

