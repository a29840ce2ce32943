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


def _run(make, steps=30):
    w = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([w], lr=0.1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sched, lrs = make(opt), []
        for _ in range(steps):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
    return lrs, [str(c.message) for c in caught if "this scheduler wrote" in str(c.message)]


def test_lrkit_members_anywhere_in_sequential_lr_are_not_warned_about():
    tls = torch.optim.lr_scheduler
    firsts = {"lrkit, lrkit": lambda o: LRScheduler(o, "linear(start=0.001, end=0.1, steps=10)"),
              "torch, lrkit": lambda o: tls.LinearLR(o, start_factor=0.01, total_iters=10)}
    # the second member starts away from where the first ends: its step(0) rewrites the group
    cases = {name: lambda o, first=first: tls.SequentialLR(
        o, [first(o), LRScheduler(o, "cosine(lr=0.05, steps=20)")], milestones=[10])
        for name, first in firsts.items()}
    for name, make in cases.items():
        lrs, said = _run(make)
        assert lrs[10:12] == [0.05, pytest.approx(0.05 * (1 + math.cos(math.pi / 20)) / 2)], (name, lrs)
        assert said == [], (name, said)


def test_a_jump_rewrites_without_a_word_and_an_advance_after_it_is_still_checked():
    w = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([w], lr=0.1)
    ours = LRScheduler(opt, "cosine(lr=0.1, steps=100)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        opt.param_groups[0]["lr"] = 0.5
        ours.step(40)  # step(epoch): a jump, written as asked
        opt.param_groups[0]["lr"] = 0.5
        ours.step()  # an advance from t = 40: the 0.5 is another writer's
    said = [str(c.message) for c in caught if issubclass(c.category, RateConflictWarning)]
    assert len(said) == 1 and "lr is 0.5, not the 0.0" in said[0], said
