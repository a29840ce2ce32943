"""ux16 D5: the Autopilot reads torch's RMSprop about a decade below where it trains, and ends worse than
RMSprop's own default rate.

Probe (``/work/notes/ux16/apopt.py``, ``rmsprop_grid.py``; three workloads none in the zoo, 300 updates,
seeds 0-1): ``Autopilot(torch.optim.RMSprop(params), budget=300)`` against ``RMSprop`` at its default
``lr=0.01``, constant. Peaks 0.0006-0.0008 / 0.0053-0.0069 / 0.0006-0.0013 on ``frozen`` / ``ordinal`` /
``siamese`` (each read by the ``falling`` rule, "where the valley at half depth begins"), where a
constant-rate grid is best at 0.01 / 0.03-0.1 / 0.003-0.01; validation loss 1.13, 1.22 / 0.54, 0.58 /
0.29, 0.35 against the default's 0.83, 0.82 / 0.455, 0.449 / 0.28, 0.24: behind on 6 of 6 runs (on the
same workloads it is ahead of SGD's, Adam's, AdamW's, NAdam's, RAdam's and Adamax's defaults at budget 300
on every one). RMSprop has no bias correction: its square average starts at 0, so early updates are up to
10x (at 50 updates still 1.6x) larger than at the same rate later, and the probe's ramp, all early
updates, blows up and reads low. The zoo holds two RMSprop workloads (rnn-recall-lstm-rmsprop,
tabular-friedman-rmsprop), so a rule for it can be judged held out. Expected: under RMSprop the Autopilot
ends no worse than RMSprop's default rate on a workload where that default is within half a decade of the
best (the ordinal regression below: default 0.455, best 0.35-0.39).
"""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
datasets = pytest.importorskip("sklearn.datasets")
np = pytest.importorskip("numpy")

from lrkit.torch import Autopilot  # noqa: E402

BUDGET = 300


class Coral(torch.nn.Module):
    """Ordinal regression: one score, four ordered thresholds (CORAL)."""

    def __init__(self) -> None:
        super().__init__()
        self.f = torch.nn.Sequential(torch.nn.Linear(10, 32), torch.nn.ReLU(),
                                     torch.nn.Linear(32, 1, bias=False))
        self.b = torch.nn.Parameter(torch.arange(4, dtype=torch.float32) - 1.5)

    def forward(self, x):
        return self.f(x) - self.b


def _loss(logits, y):
    levels = (y[:, None] > torch.arange(logits.shape[1])[None]).float()
    return torch.nn.functional.binary_cross_entropy_with_logits(logits, levels, reduction="sum") / len(y)


def _val_loss(seed: int, autopilot: bool) -> float:
    x, t = datasets.make_regression(2000, 10, n_informative=6, noise=20.0, random_state=0)
    y = torch.tensor(np.digitize(t, np.quantile(t, [0.2, 0.4, 0.6, 0.8])))
    x = torch.tensor((x - x.mean(0)) / x.std(0), dtype=torch.float32)
    torch.manual_seed(seed)
    model = Coral()
    opt = torch.optim.RMSprop(model.parameters())  # its default rate, 0.01
    ap = Autopilot(opt, budget=BUDGET, model=model) if autopilot else None
    order = torch.randperm(1600, generator=torch.Generator().manual_seed(seed))
    for step in range(BUDGET):
        i = order[(step * 32) % 1600:(step * 32) % 1600 + 32]
        opt.zero_grad()
        loss = _loss(model(x[i]), y[i])
        loss.backward()
        ap.step(loss) if ap else opt.step()
    with torch.no_grad():
        v = float(_loss(model(x[1600:]), y[1600:]))
    assert math.isfinite(v)
    return v


@pytest.mark.xfail(strict=True, reason="ux16 D5: RMSprop read a decade low, behind its default")
@pytest.mark.parametrize("seed", [0, 1])
def test_the_autopilot_is_not_behind_rmsprops_default_rate(seed):
    assert _val_loss(seed, autopilot=True) <= _val_loss(seed, autopilot=False)
