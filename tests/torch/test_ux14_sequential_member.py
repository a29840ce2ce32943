"""``LRScheduler`` as a member of torch's ``SequentialLR`` runs without a false "something else writes it"
(session-14 new-user probe, ux; ``/work/notes/ux14/REPORT.md`` D9).

Since ux14 D6 (1111743) ``LRScheduler.step`` warns when group 0's rate is not the one it wrote last. A
torch user's ``SequentialLR(opt, [LRScheduler(opt, "linear(start=0.001, end=0.1, steps=10)"),
CosineAnnealingLR(opt, T_max=20)], milestones=[10])`` runs exactly warmup >> cosine (max error 1.4e-17),
yet its first step warns "param group 0's lr is 0.1, not the 0.001 this scheduler wrote at its last step:
something else writes it (torch's ReduceLROnPlateau or another scheduler stepped beside this one ...)":
``SequentialLR``'s constructor builds the later members (which write their own first rate) and resets the
group, all before the first step. The same with two lrkit members; with an lrkit member second, nothing.
Expected: no warning where nothing is overwritten; D6's warning kept (``test_ux14_scheduler_foreign_edit``).
"""

from __future__ import annotations

import math
import warnings

import pytest

torch = pytest.importorskip("torch")

from lrkit import RateConflictWarning  # noqa: E402
from lrkit.torch import LRScheduler  # noqa: E402


@pytest.mark.xfail(strict=True, reason="ux14 D9: a false RateConflictWarning inside SequentialLR")
def test_an_lrkit_first_member_of_sequential_lr_is_not_warned_about():
    w = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([w], lr=0.1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        seq = torch.optim.lr_scheduler.SequentialLR(
            opt, [LRScheduler(opt, "linear(start=0.001, end=0.1, steps=10)"),
                  torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=20)], milestones=[10])
        lrs = []
        for _ in range(30):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            seq.step()
    want = [0.001 + 0.0099 * t for t in range(10)]
    want += [0.05 * (1 + math.cos(math.pi * t / 20)) for t in range(20)]
    assert max(abs(a - b) for a, b in zip(lrs, want)) < 1e-12
    said = [str(c.message) for c in caught if issubclass(c.category, RateConflictWarning)]
    assert said == [], said
