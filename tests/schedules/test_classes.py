"""The schedule classes, built directly (as a config loader or a subclass would), against closed forms.

Each factory validates and returns its class; the classes are public too (``isinstance`` checks,
dataclass fields, subclassing). Here each class is constructed with keywords and must (1) be the
type, and equal the value, its factory returns, and (2) give, on t = 0..T+20, the closed form its
docstring states, computed independently with NumPy / ``math``; CosineRestarts, Cyclic and
OneCycle are checked against torch's own schedulers instead, their formulas being torch's.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import lrkit.schedules as S

T = np.arange(60)


def _closed_forms() -> list[tuple[type, dict[str, Any], Any, Any]]:
    """(class, keyword fields, factory, closed form of t) per class with a formula of its own."""
    return [
        (S.Step, dict(lr=0.1, step_size=7, gamma=0.5), S.step, lambda t: 0.1 * 0.5 ** (t // 7)),
        (S.MultiStep, dict(lr=0.1, milestones=(5, 12, 30), gamma=0.3), S.multistep,
         lambda t: 0.1 * 0.3 ** ((t >= 5).astype(int) + (t >= 12) + (t >= 30))),
        (S.Exponential, dict(lr=0.2, gamma=0.95), S.exponential, lambda t: 0.2 * 0.95 ** t),
        (S.Polynomial, dict(lr=0.1, steps=40, power=2.0, end=0.01), S.polynomial,
         lambda t: (0.1 - 0.01) * (1 - np.minimum(t, 40) / 40) ** 2 + 0.01),
        (S.OneMinusSqrt, dict(lr=0.1, steps=40, min_lr=0.02), S.one_minus_sqrt,
         lambda t: 0.02 + 0.08 * (1 - np.sqrt(np.minimum(t, 40) / 40))),
        (S.Geometric, dict(start=1e-4, end=1e-1, steps=40), S.geometric,
         lambda t: 1e-4 * (1e-1 / 1e-4) ** (np.minimum(t, 40) / 40)),
        (S.InverseTime, dict(lr=0.1, decay_rate=0.5, decay_steps=10, staircase=True), S.inverse_time,
         lambda t: 0.1 / (1 + 0.5 * (t // 10))),
        (S.InverseSqrt, dict(lr=0.1, warmup=16, timescale=None), S.inverse_sqrt,
         lambda t: np.where(t < 16, 0.1 * t / 16, 0.1 * np.sqrt(16 / np.maximum(t, 1)))),
        (S.Cosine, dict(lr=0.1, steps=40, min_lr=0.001), S.cosine,
         lambda t: 0.001 + (0.1 - 0.001) * (1 + np.cos(math.pi * np.minimum(t, 40) / 40)) / 2),
        (S.ExpSweep, dict(start=1e-5, end=1.0, steps=41), S.exp_sweep,
         lambda t: np.geomspace(1e-5, 1.0, 41)[np.minimum(t, 40)]),
        (S.LinearSweep, dict(start=0.0, end=2.0, steps=41), S.linear_sweep,
         lambda t: np.linspace(0.0, 2.0, 41)[np.minimum(t, 40)]),
    ]


@pytest.mark.parametrize("cls, fields, factory, closed", _closed_forms(),
                         ids=lambda v: getattr(v, "__name__", ""))
def test_class_matches_factory_and_closed_form(cls: type, fields: dict, factory: Any, closed: Any) -> None:
    built = cls(**fields)
    assert type(factory(**fields)) is cls
    assert factory(**fields) == built
    np.testing.assert_allclose(built(T), closed(T), rtol=1e-12, atol=1e-15)
    assert S.parse(repr(built)) == built


def test_wrappers_scale_clip_per_epoch_against_the_wrapped_values() -> None:
    base = S.Cosine(lr=0.1, steps=40, min_lr=0.0)
    ref = base(T)
    scaled = S.Scale(schedule=base, factor=0.5)
    assert S.scale(base, 0.5) == scaled
    np.testing.assert_allclose(scaled(T), 0.5 * ref, rtol=1e-12)
    clipped = S.Clip(schedule=base, lo=0.01, hi=0.08)
    assert S.clip(base, lo=0.01, hi=0.08) == clipped
    np.testing.assert_allclose(clipped(T), np.clip(ref, 0.01, 0.08), rtol=1e-12)
    by_epoch = S.PerEpoch(schedule=S.Step(lr=0.1, step_size=2, gamma=0.5), steps_per_epoch=5)
    assert S.per_epoch(S.step(lr=0.1, step_size=2, gamma=0.5), 5) == by_epoch
    np.testing.assert_allclose(by_epoch(T), 0.1 * 0.5 ** ((T // 5) // 2), rtol=1e-12)


def _torch_rates(make: Any, lr: float, n: int) -> np.ndarray:
    torch = pytest.importorskip("torch")
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    sched = make(opt)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.asarray(out)


@pytest.mark.parametrize("cls, fields, make", [
    (S.CosineRestarts, dict(lr=0.1, period=10, mult=2, min_lr=0.001, decay=1.0),
     lambda o, ls: ls.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2, eta_min=0.001)),
    (S.Cyclic, dict(base_lr=0.01, max_lr=0.1, step_size_up=6, step_size_down=9, mode="triangular2",
                    gamma=1.0),
     lambda o, ls: ls.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=6, step_size_down=9,
                               mode="triangular2", cycle_momentum=False)),
    (S.OneCycle, dict(max_lr=0.1, steps=60, pct_start=0.25, anneal="cos", div_factor=25.0,
                      final_div_factor=1e4, three_phase=False),
     lambda o, ls: ls.OneCycleLR(o, max_lr=0.1, total_steps=60, pct_start=0.25, anneal_strategy="cos",
                                 div_factor=25.0, final_div_factor=1e4, cycle_momentum=False)),
])
def test_torch_formula_classes_match_torch(cls: type, fields: dict, make: Any) -> None:
    torch = pytest.importorskip("torch")
    built = cls(**fields)
    start = fields.get("lr", fields.get("base_lr", 0.1))
    ref = _torch_rates(lambda o: make(o, torch.optim.lr_scheduler), start, len(T))
    np.testing.assert_allclose(built(T), ref, rtol=1e-9)
    assert S.parse(repr(built)) == built
