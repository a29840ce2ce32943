"""A rate another scheduler wrote is not overwritten in silence (session-14 new-user probe, ux;
``/work/notes/ux14/REPORT.md`` D6).

A student porting a torch loop keeps ``torch.optim.lr_scheduler.ReduceLROnPlateau`` beside
``lrkit.torch.LRScheduler(opt, "constant(lr=0.1)")`` (or chains lrkit's warmup with ``ExponentialLR`` in
a ``ChainedScheduler``). torch's plateau cuts group 0 to 0.05 after three flat epochs; at the next
``step()`` the adapter writes 0.1 back ("recomputes, never multiplies"), so every cut is undone and the
run trains at 0.1 throughout: rates at steps 0/5/10/20/29 were 0.1/0.1/0.05/0.1/0.1, no word. The
ChainedScheduler run sat at 0.09 forever after its warmup instead of decaying. Overwriting is by
design (docs/schedule.md: "whatever ... a manual edit in between"), the silence is not: the Autopilot
already says "param group 0's lr is X, not the Y the Autopilot set". Expected: one warning naming the
value found and the value written (and ``plateau=`` / one schedule as the way to combine).
"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")

from lrkit import RateConflictWarning  # noqa: E402
from lrkit.torch import LRScheduler  # noqa: E402


def test_torch_plateau_beside_the_adapter_is_said():
    w = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([w], lr=0.1)
    ours = LRScheduler(opt, "constant(lr=0.1)")
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(12):
            opt.step()
            ours.step()
            theirs.step(1.0)  # a flat metric: torch cuts 0.1 -> 0.05 after three epochs
    said = [str(c.message) for c in caught if "0.05" in str(c.message)]
    assert said, [str(c.message) for c in caught]


def _said(caught) -> list[str]:
    return [str(c.message) for c in caught if "this scheduler wrote" in str(c.message)]


def test_the_warning_names_group_found_and_written_and_is_said_once():
    w = torch.nn.Parameter(torch.zeros(1))
    v = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([{"params": [w]}, {"params": [v], "lr": 0.01}], lr=0.1)
    ours = LRScheduler(opt, "constant(lr=0.1)")
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2)
    lrs = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(30):
            opt.step()
            ours.step()
            theirs.step(1.0)
            lrs.append(opt.param_groups[0]["lr"])
    said = _said(caught)
    assert len(said) == 1, said  # once, though every cut is undone
    assert said[0].startswith("LRScheduler.step: param group 0's lr is 0.05, not the 0.1 this scheduler "
                              "wrote")
    assert "writes 0.1 now" in said[0] and "plateau=" in said[0]
    assert issubclass(next(c.category for c in caught if "this scheduler wrote" in str(c.message)),
                      RateConflictWarning)
    assert max(lrs) == 0.1  # the adapter still wins: it recomputes, never multiplies (docs/schedule.md)


def test_a_chained_scheduler_multiplying_after_the_adapter_is_said():
    w = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([w], lr=0.1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chain = torch.optim.lr_scheduler.ChainedScheduler(
            [LRScheduler(opt, "warmup(constant(lr=0.1), steps=2)"),
             torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)])
        for _ in range(6):
            opt.step()
            chain.step()
    said = _said(caught)
    assert len(said) == 1 and "lr is 0.045, not the 0.05" in said[0], said  # warmup's 0.05 times 0.9


def test_no_word_when_only_the_adapter_writes():
    """Its own writes (group ratios, plateau cuts, a float32 tensor rate, resume in either load order) are
    never taken for another writer's."""
    def run(opt, sched, steps):
        for _ in range(steps):
            opt.step()
            sched.step()

    a, b = torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(1))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        opt = torch.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.03}], lr=0.1)
        sched = LRScheduler(opt, "cosine(lr=0.1, steps=50)", plateau="reduce_on_plateau(lr=0.1, patience=1)")
        run(opt, sched, 10)
        for metric in (1.0, 1.0, 1.0, 1.0):
            sched.observe(metric)
            run(opt, sched, 3)
        saved = opt.state_dict(), sched.state_dict()
        for order in ("optimizer first", "scheduler first"):
            opt2 = torch.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.03}], lr=0.1)
            sched2 = LRScheduler(opt2, "cosine(lr=0.1, steps=50)",
                                 plateau="reduce_on_plateau(lr=0.1, patience=1)")
            loads = [lambda: opt2.load_state_dict(saved[0]), lambda: sched2.load_state_dict(saved[1])]
            for load in loads if order == "optimizer first" else loads[::-1]:
                load()
            run(opt2, sched2, 5)
        opt3 = torch.optim.Adam([a], lr=torch.tensor(0.01))  # a tensor rate holds float32
        run(opt3, LRScheduler(opt3, "cosine(lr=0.01, steps=20)"), 20)
        opt4 = torch.optim.Adam([a], lr=0.01)
        run(opt4, LRScheduler(opt4, "linear(start=0.95, end=0.85, steps=20)", key="betas[0]"), 20)
    assert not _said(caught), _said(caught)
