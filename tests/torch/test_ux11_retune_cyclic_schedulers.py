"""A found rate put into a run whose torch scheduler is OneCycleLR, CyclicLR or SequentialLR does not
become the schedule's peak (session-11 new-user probe, ux; ``/work/notes/ux11/REPORT.md``, D7).

``lrkit.lightning.LearningRateFinder`` and ``lrkit.hf.find_lr(apply=True)`` (with ``optimizers=``)
apply their suggestion with ``retune``; docs/integrations.md: "lrkit moves every group ..., torch
schedulers' ``base_lrs`` and lrkit schedules together, so the schedule's peak becomes the suggestion".
That holds for closed-form schedulers (cosine, step, linear, exponential), not for the three a Lightning
recipe most often attaches, measured against the same scheduler built at the new rate (0.1 -> 1.0, at
step 0; ``/work/notes/ux11/retune_torch.py``):

* ``OneCycleLR(max_lr=0.1)``: its rates live in the groups' ``max_lr``/``initial_lr``/``min_lr``, and the
  rate read as the configured one is ``initial_lr`` = max_lr/25, so the factor was 250x: the run started
  at 1.0 and "warmed up" down to the old peak 0.1 (1.0, 0.76, 0.10 at +1, +10, +30 where the run built at
  1.0 has 0.043, 0.30, 1.0);
* ``CyclicLR(base_lr=0.001, max_lr=0.1)``: ``max_lrs`` kept, so the cycle's top stayed 0.1 (built at
  10x: 1.0);
* ``SequentialLR([LinearLR warmup, CosineAnnealingLR])``: its children's ``base_lrs`` kept, so after the
  warmup the cosine restarted from the old 0.1 (built at 10x: 1.0 at +10).

Expected: after ``retune`` to ``s``, the run's rates are those of the same scheduler built with its
peak at ``s``.
"""

from __future__ import annotations

import pytest
import torch
from torch.optim import lr_scheduler as tls

from lrkit.torch._retune import retune


def _run(make, lr: float, retune_to: float | None = None, steps: int = 120) -> list[float]:
    w = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([w], lr=lr, momentum=0.9)
    sched = make(opt, lr)
    if retune_to is not None:
        retune(opt, [sched], retune_to)
    rates = []
    for _ in range(steps):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return rates


SCHEDULERS = {
    "OneCycleLR": lambda o, lr: tls.OneCycleLR(o, max_lr=lr, total_steps=200),
    "CyclicLR": lambda o, lr: tls.CyclicLR(o, base_lr=lr / 100, max_lr=lr, step_size_up=10),
    "SequentialLR": lambda o, lr: tls.SequentialLR(
        o, [tls.LinearLR(o, start_factor=0.1, total_iters=10), tls.CosineAnnealingLR(o, T_max=90)],
        milestones=[10]),
    "ChainedScheduler": lambda o, lr: tls.ChainedScheduler(
        [tls.LinearLR(o, start_factor=0.1, total_iters=10), tls.ExponentialLR(o, gamma=0.99)]),
    "CosineAnnealingLR": lambda o, lr: tls.CosineAnnealingLR(o, T_max=100),  # worked before: a guard
}


@pytest.mark.filterwarnings("ignore::UserWarning")  # torch's own deprecation notes
@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_the_peak_becomes_the_new_rate(name):
    make = SCHEDULERS[name]
    assert _run(make, 0.1, retune_to=1.0) == pytest.approx(_run(make, 1.0), rel=1e-9)
