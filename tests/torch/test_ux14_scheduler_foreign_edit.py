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

from lrkit.torch import LRScheduler  # noqa: E402


@pytest.mark.xfail(strict=True, reason="ux14 D6: a foreign scheduler's cuts are undone silently")
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
