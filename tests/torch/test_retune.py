"""``lrkit.torch._retune.retune``: a found rate moves the groups (ratios kept) and every scheduler
with them."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from lrkit import LRKitError  # noqa: E402
from lrkit.torch import LRScheduler  # noqa: E402
from lrkit.torch._retune import configured_rate, retune  # noqa: E402


def _opt(lr: float = 0.1) -> torch.optim.Optimizer:
    a, b = torch.zeros(2, requires_grad=True), torch.zeros(1, requires_grad=True)
    return torch.optim.SGD([{"params": [a]}, {"params": [b], "lr": lr / 10}], lr=lr)


def test_a_torch_closed_form_scheduler_follows_through_its_base_lrs():
    opt = _opt()
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 1.0 / (1 + t))
    for _ in range(3):
        opt.step()
        sched.step()
    assert configured_rate(opt) == 0.1  # initial_lr, not the decayed 0.025
    assert retune(opt, [sched, None], 0.2) == 2.0
    opt.step()
    sched.step()
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([0.2 / 5, 0.02 / 5])


def test_an_lrkit_schedule_is_scaled_at_its_current_step():
    opt = _opt()
    sched = LRScheduler(opt, "cosine(lr=0.1, steps=10)")
    for _ in range(4):
        opt.step()
        sched.step()
    before = sched.get_last_lr()
    retune(opt, [sched], 0.05)
    assert sched.t == 4 and sched.get_last_lr() == pytest.approx([v / 2 for v in before])
    assert sched.schedule(0) == pytest.approx(0.05)


def test_without_a_scheduler_the_groups_keep_their_ratio():
    opt = _opt()
    retune(opt, [], 0.3)
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([0.3, 0.03])


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), True, "0.1"])
def test_a_bad_rate_is_refused_before_anything_changes(bad):
    opt = _opt()
    with pytest.raises(LRKitError, match="`lr` of retune must be a finite number > 0"):
        retune(opt, [], bad)
    assert opt.param_groups[0]["lr"] == 0.1


def test_every_group_at_rate_zero_has_no_ratio_to_keep():
    opt = _opt(lr=0.0)
    with pytest.raises(LRKitError, match="positive configured rate in some group"):
        retune(opt, [], 0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.0, 0.0]


def test_a_frozen_first_group_stays_at_zero_and_the_next_group_carries_the_rate():
    a, b, c = (torch.zeros(1, requires_grad=True) for _ in range(3))
    opt = torch.optim.SGD([{"params": [a], "lr": 0.0}, {"params": [b]}, {"params": [c], "lr": 0.01}], lr=0.1)
    assert configured_rate(opt) == 0.1
    assert retune(opt, [], 0.3) == pytest.approx(3.0)
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([0.0, 0.3, 0.03])


@given(old=st.floats(1e-6, 10.0), new=st.floats(1e-6, 10.0))
@example(old=1e-3, new=0.1386864881446409)  # 1e-3 * (new / 1e-3) is new less an ulp (a Lightning doctest)
def test_group_zero_carries_the_new_rate_exactly(old, new):
    """The found rate, not ``old * (new / old)``, which can miss it by an ulp; the other groups keep their
    ratio (to within rounding) and a torch scheduler's base rate of group 0 is the rate too."""
    opt = _opt(old)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 1.0)
    retune(opt, [sched], new)
    g0, g1 = opt.param_groups
    assert g0["lr"] == g0["initial_lr"] == sched.base_lrs[0] == new
    assert g1["lr"] == pytest.approx(new / 10, rel=1e-12)
