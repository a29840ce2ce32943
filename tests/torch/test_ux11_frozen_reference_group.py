"""A backbone frozen with ``requires_grad=False`` but still listed in the optimizer is read as the
reference group (session-11 new-user probe, ux; ``/work/notes/ux11/REPORT.md``, D1).

A fine-tune freezes its backbone the usual way (``p.requires_grad_(False)``) and keeps it in the
optimizer at its own small rate beside the head: ``SGD([{backbone, lr 1e-3}, {head, lr 0.1}])``. The
reference group (``torch._groups.group_ratios``: of the groups above 0, the one holding the most
parameters) is then the backbone, which never trains, so the rates swept and reported are in the units
of a group no update moves: digits MLP 64-256-10, SGD momentum 0.9, the Autopilot's head peak 0.168
with the head alone in the optimizer, 0.960 (5.7x) with the frozen backbone listed too, validation loss
0.456 -> 0.610 (``/work/notes/ux11/frozen_ref_measure.py``); ``find_lr``'s suggestion for the head
0.586 -> 0.489 and its advice names group 0, the frozen one, as the group that gets the rate. The
rule's reason ("the kind's band was measured on models whose one group holds every parameter, and
the group holding most of them is the nearest to that") is about the parameters the run trains.
Expected: a group none of whose parameters trains is not the reference; listing it changes nothing.
"""

from __future__ import annotations

import torch
from sklearn.datasets import load_digits
from torch import nn

from lrkit.finder import Sweep
from lrkit.torch import Autopilot, find_lr

_X, _Y = (torch.tensor(a) for a in load_digits(return_X_y=True))
_X = _X.float() / 16.0
_BATCHES = [(_X[i:i + 32], _Y[i:i + 32]) for i in range(0, 1280, 32)]


def _model_and_optimizer(with_frozen: bool) -> tuple[nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
    for p in model[0].parameters():
        p.requires_grad_(False)
    groups = [{"params": model[2].parameters(), "lr": 0.1}]
    if with_frozen:
        groups.insert(0, {"params": model[0].parameters(), "lr": 1e-3})
    return model, torch.optim.SGD(groups, lr=0.1, momentum=0.9)


def _head_suggestion(with_frozen: bool) -> tuple[float, int]:
    model, opt = _model_and_optimizer(with_frozen)
    r = find_lr(model, opt, nn.functional.cross_entropy, _BATCHES, interval=False,
                sweep=Sweep(start=1e-5, end=10.0, num_steps=40))
    head = len(opt.param_groups) - 1
    return r.suggestion * r.meta["group_scales"][head], r.meta["rate_group"] == head


def test_find_lr_reads_the_trained_group_not_a_frozen_one():
    alone, _ = _head_suggestion(False)
    listed, names_the_head = _head_suggestion(True)
    assert names_the_head  # the suggestion is for the group that trains
    assert listed == alone  # the frozen group changes no rate the head sees


def _head_rates(with_frozen: bool) -> list[float]:
    model, opt = _model_and_optimizer(with_frozen)
    ap = Autopilot(opt, budget=60, model=model)
    rates, t = [], 0
    while not ap.done:
        xb, yb = _BATCHES[t % len(_BATCHES)]
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        rates.append(float(opt.param_groups[-1]["lr"]))
        ap.step(loss)
        t += 1
    return rates


def test_the_autopilot_probes_the_trained_group_not_a_frozen_one():
    assert _head_rates(True) == _head_rates(False)  # the head's rate at every update
