"""``find_lr``'s word on workloads it never saw (session-15 new-user probe, ux;
``/work/notes/ux15/REPORT.md`` D8, D9).

D8. A multi-label classifier as a user writes it (20 features, 6 labels, ``BCEWithLogitsLoss``, MLP
20-64-6, SGD momentum 0.9, batch 32; ``/work/notes/ux15/workloads.py`` ``multilabel``), 300 updates at a
constant rate: grid (seeds 0-1, half decades) 0.0318: val 0.208, 0.1: **0.123** (best), 0.318: 0.147, 1:
0.384, 3.18: 0.731 (untrained 0.709). ``find_lr`` answers 1.00 / 1.13 / 0.95 / 1.18 at seeds 0-3, each
``high`` ("Clear reading: the loss fell 36 times its batch-to-batch noise ... about 9 in 10 readings like
this one lost at most a tenth of what the best rate gains"); trained at it (seeds 0, 1): 34% and 62% of
the gain lost, a decade above the best. Each reason ends "raised to the valley's own reading by the
default rule, 1 ...: below it the sweep's loss sat on its plateau and made no measured progress": the
descent floor (shipped since 3698ba9) lifted the anchored reading 0.21-0.26
(``FinderPolicy(descent_floor=0)``: also ``high``, and it keeps, 4% at 0.318) to the top of the sweep's
descent. The sweep's flat start is a sweep that has not yet trained (one update per rate), not a plateau
of the rate. Expected: an answer said ``high`` keeps (here: between about 0.04 and 0.4), or the word is
lower. Fixed as a word: a reading the floor raised by more than ``LOOSE_SPREAD`` is ``loose`` (``medium``)
and its words say to try the reading before the raise as well (``BENCHMARKS.md#finder_floor_word``).

D9. An optimizer that has an ``lr`` in its groups but never reads it (a user's fixed-step update, ``p -=
0.05 * grad``; ``/work/notes/ux15/ignores_lr.py`` on ``scripts/base.py``): ``find_lr`` sweeps 1e-7 to 10,
the loss falls the same at every rate (from the first, 5e-6, where no SGD rate moves anything), and the
answer is 0.0145, ``high`` ("Fair reading: the loss fell 15 times its batch-to-batch noise"; on this
test's multi-label data: 0.353, ``medium``); the Autopilot reads a peak of 0.018 from its ramp, no
warning. Rprop, which reads ``lr`` only once, is refused ("must read the rate it is given"); one that
never reads it gets no word of doubt. Expected: the finder says it cannot tell (the loss does not follow
the rate), a ``low`` word at least.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import lrkit  # noqa: E402
from lrkit.finder import confidence  # noqa: E402
from lrkit.torch import find_lr  # noqa: E402


def _multilabel(seed: int) -> dict:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3000, 20, generator=g)
    w = torch.randn(20, 6, generator=g)
    y = ((x @ w + 0.5 * torch.randn(3000, 6, generator=g)) > 0.3).float()
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(20, 64), torch.nn.ReLU(), torch.nn.Linear(64, 6))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x[:2500], y[:2500]), batch_size=32,
                                         shuffle=True, generator=torch.Generator().manual_seed(seed),
                                         drop_last=True)
    return dict(model=model, optimizer=torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                loss_fn=torch.nn.BCEWithLogitsLoss(), train_loader=loader)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_high_answer_on_a_multilabel_mlp_keeps(seed):
    torch.set_num_threads(1)
    p = _multilabel(seed)
    r = find_lr(p["model"], p["optimizer"], p["loss_fn"], p["train_loader"], seed=seed)
    word, why = confidence(r)
    assert word != "high" or 0.04 <= r.suggestion <= 0.4, (word, r.suggestion, r.reason)
    # Fixed as a word (the answer stands): raised by more than a factor 3, the reading is loose, and its
    # words name the reading before the raise, which keeps (0.21-0.26).
    below = r.meta["raised_from"]
    assert word == "medium" and 0.04 <= below <= 0.4 and f"try {below:.3g} as well" in why


class _FixedStep(torch.optim.Optimizer):
    """Has an ``lr`` (the constructor's default) but steps by a fixed 0.05."""

    def __init__(self, params, lr=0.1):
        super().__init__(params, dict(lr=lr))

    @torch.no_grad()
    def step(self, closure=None):
        for g in self.param_groups:
            for p in g["params"]:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-0.05)


def test_a_rate_the_optimizer_ignores_is_not_read_with_confidence():
    torch.set_num_threads(1)
    p = _multilabel(0)
    opt = _FixedStep(p["model"].parameters())
    try:
        r = find_lr(p["model"], opt, p["loss_fn"], p["train_loader"])
    except lrkit.LRKitError:
        return
    assert confidence(r)[0] == "low", (r.suggestion, confidence(r))
