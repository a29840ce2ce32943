"""torch's ``OneCycleLR`` cycles momentum (``cycle_momentum=True``, its default); docs/schedule.md gives the
companion as a second adapter on ``key="momentum"`` (``"betas[0]"`` for Adam): ``one_cycle`` run the other
way round (``max_lr=base_momentum``, ``div_factor=base_momentum / max_momentum``, ``final_div_factor=1``),
which follows torch's momentum step for step (ux14 L9: the guide's linear companion was up to 0.0116
off torch's cosine one).
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from lrkit.schedules import one_cycle  # noqa: E402
from lrkit.torch import LRScheduler  # noqa: E402


def _values(opt, key):
    group = opt.param_groups[0]
    return group["lr"], (group["betas"][0] if key == "betas[0]" else group["momentum"])


@pytest.mark.parametrize("key", ["momentum", "betas[0]"])
@pytest.mark.parametrize(("steps", "pct", "anneal", "three", "base", "top"), [
    (100, 0.3, "cos", False, 0.85, 0.95),
    (1000, 0.25, "linear", True, 0.85, 0.95),
    (37, 0.4, "cos", True, 0.8, 0.9),
    (500, 0.3, "linear", False, 0.9, 0.99),
])
def test_the_companion_is_torchs_momentum_step_for_step(key, steps, pct, anneal, three, base, top):
    def run(make):
        w = torch.nn.Parameter(torch.zeros(1))
        opt = (torch.optim.SGD([w], lr=0.1, momentum=0.9) if key == "momentum"
               else torch.optim.Adam([w], lr=0.1, betas=(0.9, 0.999)))
        scheds, out = make(opt), []
        for _ in range(steps + 5 if isinstance(scheds[0], LRScheduler) else steps):  # torch raises past it
            out += _values(opt, key)
            opt.step()
            for s in scheds:
                s.step()
        return out

    theirs = run(lambda o: [torch.optim.lr_scheduler.OneCycleLR(
        o, max_lr=0.1, total_steps=steps, pct_start=pct, anneal_strategy=anneal, three_phase=three,
        base_momentum=base, max_momentum=top)])
    ours = run(lambda o: [
        LRScheduler(o, one_cycle(max_lr=0.1, steps=steps, pct_start=pct, anneal=anneal, three_phase=three)),
        LRScheduler(o, one_cycle(max_lr=base, steps=steps, pct_start=pct, anneal=anneal, three_phase=three,
                                 div_factor=base / top, final_div_factor=1.0), key=key)])
    assert ours[:2 * steps] == pytest.approx(theirs, rel=1e-12, abs=0)  # (lr, momentum) pairs, flat
    assert ours[-1] == pytest.approx(top, rel=1e-12)  # past the end it holds max_momentum
