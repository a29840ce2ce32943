"""lrkit schedules, driven through ``lrkit.torch.LRScheduler``, against torch's own schedulers.

``COUNTERPARTS`` is the one table of (torch scheduler, lrkit spec) pairs: the
tests drive both sides of every row the same way (record each group's lr,
``optimizer.step()``, ``scheduler.step()``) for at least 2,000 steps and require
a relative error <= 1e-9 at every step and in every param group; docs/schedule.md
shows the same table (``test_docs_show_the_table`` keeps it current).

The torch side of a row is a Python expression, evaluated with only ``opt``
and torch's scheduler classes in scope, so the table in the docs is exactly
the code that was tested. The lrkit side is a spec, read by ``parse``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch.optim import lr_scheduler  # noqa: E402

from lrkit.torch import LRScheduler  # noqa: E402

# torch's OneCycleLR and CyclicLR set the rate from max_lr / base_lr whatever the optimizer was built
# with, and the oracle builds both sides alike: lrkit's RateConflictWarning there is expected.
pytestmark = pytest.mark.filterwarnings("ignore::lrkit.errors.RateConflictWarning")

RTOL = 1e-9
N_STEPS = 2000
DOCS = Path(__file__).resolve().parents[2] / "docs" / "schedule.md"
Params = dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Counterpart:
    """One row: a torch scheduler and the lrkit spec that reproduces it.

    ``torch(p)`` and ``lrkit(p)`` render the two sides for a parameter set
    ``p``; ``p["groups"]`` (default ``[1.0]``) are the param groups' lr ratios
    and ``p["lr"]`` group 0's lr. ``plateau(p)``, when set, is a
    ``reduce_on_plateau`` spec passed as ``plateau=``; ``metric_driven`` rows
    are fed the metric curve ``_metrics(p["seed"])``.
    """

    name: str
    torch: Callable[[Params], str]
    lrkit: Callable[[Params], str]
    cases: tuple[Params, ...]
    plateau: Callable[[Params], str] | None = None
    metric_driven: bool = False
    note: str = ""


def _per_group(p: Params, value: float) -> str:
    """A per-group list for torch when there are several groups (torch's own form), else the scalar."""
    ratios = p.get("groups", [1.0])
    return repr(value) if len(ratios) == 1 else repr([value * r for r in ratios])


def _metrics(seed: int, n: int = N_STEPS, *, maximize: bool = False) -> list[float]:
    """A validation curve that improves, stalls and wobbles, so plateaus are detected."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    curve = 1.0 / (1.0 + t / 40.0) + np.where((t // 150) % 2 == 1, 0.02, 0.0)
    values = np.round(curve + 0.004 * rng.standard_normal(n), 4)
    return (-values if maximize else values).tolist()


G3 = [1.0, 0.1, 3.0]  # three param groups with different lrs


def _plateau_torch(p: Params) -> str:
    return (
        f"ReduceLROnPlateau(opt, mode={p['mode']!r}, factor={p['factor']}, patience={p['patience']}, "
        f"threshold={p['threshold']}, threshold_mode={p['threshold_mode']!r}, cooldown={p['cooldown']}, "
        f"min_lr={_per_group(p, p['min_lr'])})"
    )


def _plateau_spec(p: Params) -> str:
    return (
        f"reduce_on_plateau(lr={p['lr']}, mode={p['mode']!r}, factor={p['factor']}, "
        f"patience={p['patience']}, "
        f"threshold={p['threshold']}, threshold_mode={p['threshold_mode']!r}, cooldown={p['cooldown']}, "
        f"min_lr={p['min_lr']})"
    )


PLATEAU_CASES: tuple[Params, ...] = (
    dict(
        lr=0.1,
        mode="min",
        factor=0.1,
        patience=10,
        threshold=1e-4,
        threshold_mode="rel",
        cooldown=0,
        min_lr=0.0,
        seed=1,
    ),
    dict(
        lr=0.1,
        mode="min",
        factor=0.5,
        patience=3,
        threshold=1e-3,
        threshold_mode="abs",
        cooldown=5,
        min_lr=1e-3,
        seed=2,
    ),
    dict(
        lr=1.0,
        mode="max",
        factor=0.7,
        patience=0,
        threshold=0.0,
        threshold_mode="rel",
        cooldown=2,
        min_lr=0.0,
        seed=3,
    ),
    dict(
        lr=0.05,
        mode="min",
        factor=0.3,
        patience=20,
        threshold=0.01,
        threshold_mode="rel",
        cooldown=1,
        min_lr=1e-4,
        seed=4,
        groups=G3,
    ),
)

COUNTERPARTS: tuple[Counterpart, ...] = (
    Counterpart(
        "StepLR",
        lambda p: f"StepLR(opt, step_size={p['step_size']}, gamma={p['gamma']})",
        lambda p: f"step(lr={p['lr']}, step_size={p['step_size']}, gamma={p['gamma']})",
        (
            dict(lr=0.1, step_size=30, gamma=0.1),
            dict(lr=1.0, step_size=1, gamma=0.999),
            dict(lr=0.05, step_size=700, gamma=0.5, groups=G3),
            dict(lr=3e-4, step_size=2001, gamma=0.1),
        ),
    ),
    Counterpart(
        "MultiStepLR",
        lambda p: f"MultiStepLR(opt, milestones={p['milestones']}, gamma={p['gamma']})",
        lambda p: f"multistep(lr={p['lr']}, milestones={p['milestones']}, gamma={p['gamma']})",
        (
            dict(lr=0.1, milestones=[500, 1000, 1500], gamma=0.1),
            dict(lr=0.3, milestones=[1], gamma=0.5),
            dict(lr=0.02, milestones=[3, 1998, 1999], gamma=0.3, groups=G3),
            dict(lr=1.0, milestones=[100, 200, 5000], gamma=0.9),
        ),
    ),
    Counterpart(
        "ExponentialLR",
        lambda p: f"ExponentialLR(opt, gamma={p['gamma']})",
        lambda p: f"exponential(lr={p['lr']}, gamma={p['gamma']})",
        (
            dict(lr=0.1, gamma=0.999),
            dict(lr=1.0, gamma=0.99),
            dict(lr=0.5, gamma=0.9),
            dict(lr=0.01, gamma=1.0, groups=G3),
            dict(lr=0.2, gamma=0.9995, groups=[1.0, 0.5]),
        ),
    ),
    Counterpart(
        "LinearLR",
        lambda p: (
            f"LinearLR(opt, start_factor={p['start_factor']}, end_factor={p['end_factor']}, "
            f"total_iters={p['total_iters']})"
        ),
        lambda p: (
            f"linear(start={p['lr'] * p['start_factor']!r}, end={p['lr'] * p['end_factor']!r}, "
            f"steps={p['total_iters']})"
        ),
        (
            dict(lr=0.1, start_factor=0.25, end_factor=1.0, total_iters=100),
            dict(lr=0.3, start_factor=1 / 3, end_factor=1.0, total_iters=5),
            dict(lr=1.0, start_factor=1.0, end_factor=0.05, total_iters=1500),
            dict(lr=0.01, start_factor=0.01, end_factor=0.5, total_iters=2500, groups=G3),
        ),
        note="torch's factors times the optimizer's lr",
    ),
    Counterpart(
        "PolynomialLR",
        lambda p: f"PolynomialLR(opt, total_iters={p['total_iters']}, power={p['power']})",
        lambda p: f"polynomial(lr={p['lr']}, steps={p['total_iters']}, power={p['power']})",
        (
            dict(lr=0.1, total_iters=1000, power=1.0),
            dict(lr=0.5, total_iters=1999, power=2.0),
            dict(lr=1.0, total_iters=500, power=0.5),
            dict(lr=0.05, total_iters=2000, power=3.0, groups=G3),
        ),
    ),
    Counterpart(
        "CosineAnnealingLR",
        lambda p: f"CosineAnnealingLR(opt, T_max={p['T_max']}, eta_min={p['eta_min']})",
        lambda p: f"cosine(lr={p['lr']}, steps={p['T_max']}, min_lr={p['eta_min']})",
        (
            dict(lr=0.1, T_max=2000, eta_min=0.0),
            dict(lr=0.1, T_max=2000, eta_min=1e-4),
            dict(lr=0.05, T_max=1999, eta_min=0.01),
            dict(lr=0.3, T_max=4000, eta_min=0.0, groups=G3),
        ),
        note="up to T_max; past it lrkit holds min_lr where torch climbs back",
    ),
    Counterpart(
        "CosineAnnealingWarmRestarts",
        lambda p: (
            f"CosineAnnealingWarmRestarts(opt, T_0={p['T_0']}, T_mult={p['T_mult']}, eta_min={p['eta_min']})"
        ),
        lambda p: (
            f"cosine_restarts(lr={p['lr']}, period={p['T_0']}, mult={p['T_mult']}, min_lr={p['eta_min']})"
        ),
        (
            dict(lr=0.1, T_0=100, T_mult=1, eta_min=0.0),
            dict(lr=0.1, T_0=10, T_mult=2, eta_min=1e-3),
            dict(lr=1.0, T_0=1, T_mult=1, eta_min=0.0),
            dict(lr=0.02, T_0=7, T_mult=3, eta_min=0.0, groups=G3),
            dict(lr=0.5, T_0=500, T_mult=1, eta_min=0.05),
        ),
    ),
    Counterpart(
        "CyclicLR",
        lambda p: (
            f"CyclicLR(opt, base_lr={_per_group(p, p['base_lr'])}, max_lr={_per_group(p, p['max_lr'])}, "
            f"step_size_up={p['up']}, step_size_down={p['down']}, mode={p['mode']!r}, gamma={p['gamma']})"
        ),
        lambda p: (
            f"cyclic(base_lr={p['base_lr']}, max_lr={p['max_lr']}, step_size_up={p['up']}, "
            f"step_size_down={p['down']}, mode={p['mode']!r}, gamma={p['gamma']})"
        ),
        (
            dict(base_lr=0.001, max_lr=0.1, up=200, down=None, mode="triangular", gamma=1.0),
            dict(base_lr=0.01, max_lr=0.05, up=150, down=50, mode="triangular", gamma=1.0),
            dict(base_lr=1e-4, max_lr=1e-2, up=100, down=300, mode="triangular2", gamma=1.0),
            dict(base_lr=0.001, max_lr=0.1, up=150, down=None, mode="exp_range", gamma=0.9995),
            dict(base_lr=0.002, max_lr=0.2, up=37, down=91, mode="exp_range", gamma=0.999, groups=G3),
            dict(base_lr=0.0, max_lr=1.0, up=1, down=1, mode="triangular2", gamma=1.0, groups=[1.0, 0.5]),
        ),
    ),
    Counterpart(
        "OneCycleLR",
        lambda p: (
            f"OneCycleLR(opt, max_lr={_per_group(p, p['max_lr'])}, total_steps={p['steps']}, "
            f"pct_start={p['pct_start']}, anneal_strategy={p['anneal']!r}, div_factor={p['div']}, "
            f"final_div_factor={p['final_div']}, three_phase={p['three_phase']})"
        ),
        lambda p: (
            f"one_cycle(max_lr={p['max_lr']}, steps={p['steps']}, pct_start={p['pct_start']}, "
            f"anneal={p['anneal']!r}, div_factor={p['div']}, final_div_factor={p['final_div']}, "
            f"three_phase={p['three_phase']})"
        ),
        (
            dict(
                max_lr=0.1,
                steps=2000,
                pct_start=0.3,
                anneal="cos",
                div=25.0,
                final_div=1e4,
                three_phase=False,
            ),
            dict(
                max_lr=0.1,
                steps=2000,
                pct_start=0.25,
                anneal="linear",
                div=25.0,
                final_div=1e4,
                three_phase=False,
            ),
            dict(
                max_lr=0.01,
                steps=2500,
                pct_start=0.3,
                anneal="cos",
                div=25.0,
                final_div=1e4,
                three_phase=True,
            ),
            dict(
                max_lr=1.0,
                steps=2000,
                pct_start=0.1,
                anneal="linear",
                div=10.0,
                final_div=100.0,
                three_phase=True,
            ),
            dict(
                max_lr=0.4,
                steps=2001,
                pct_start=0.45,
                anneal="cos",
                div=4.0,
                final_div=1e3,
                three_phase=False,
                groups=G3,
            ),
        ),
        note="torch stops after `total_steps`; lrkit holds the final rate",
    ),
    Counterpart(
        "ReduceLROnPlateau",
        _plateau_torch,
        _plateau_spec,
        PLATEAU_CASES,
        metric_driven=True,
        note="call `scheduler.observe(metric)` where torch calls `step(metric)`",
    ),
    Counterpart(
        "ReduceLROnPlateau",
        _plateau_torch,
        lambda p: f"constant(lr={p['lr']})",
        PLATEAU_CASES[1:],
        plateau=_plateau_spec,
        metric_driven=True,
        note="the same, as a schedule with `plateau=` (any schedule combines)",
    ),
    Counterpart(
        "SequentialLR(LinearLR, CosineAnnealingLR)",
        lambda p: (
            f"SequentialLR(opt, [LinearLR(opt, start_factor={p['start_factor']}, total_iters={p['warmup']}), "
            f"CosineAnnealingLR(opt, T_max={p['T_max']}, eta_min={p['eta_min']})], "
            f"milestones=[{p['warmup']}])"
        ),
        lambda p: (
            f"linear(start={p['lr'] * p['start_factor']!r}, end={p['lr']}, steps={p['warmup']}) "
            f">> cosine(lr={p['lr']}, steps={p['T_max']}, min_lr={p['eta_min']})"
        ),
        (
            dict(lr=0.1, start_factor=0.01, warmup=100, T_max=1900, eta_min=0.0),
            dict(lr=0.5, start_factor=0.1, warmup=1, T_max=2000, eta_min=1e-3),
            dict(lr=0.02, start_factor=0.5, warmup=1000, T_max=1000, eta_min=0.0, groups=G3),
        ),
    ),
    Counterpart(
        "SequentialLR(LinearLR, CosineAnnealingLR)",
        lambda p: (
            f"SequentialLR(opt, [LinearLR(opt, start_factor={p['start_factor']}, total_iters={p['warmup']}), "
            f"CosineAnnealingLR(opt, T_max={p['T_max']}, eta_min={p['eta_min']})], "
            f"milestones=[{p['warmup']}])"
        ),
        lambda p: (
            f"warmup(cosine(lr={p['lr']}, steps={p['T_max']}, min_lr={p['eta_min']}), steps={p['warmup']}, "
            f"start={p['lr'] * p['start_factor']!r})"
        ),
        (
            dict(lr=0.1, start_factor=0.01, warmup=100, T_max=1900, eta_min=0.0),
            dict(lr=0.3, start_factor=0.25, warmup=500, T_max=1600, eta_min=0.0, groups=G3),
            dict(lr=0.3, start_factor=0.3, warmup=7, T_max=1993, eta_min=1e-4),
        ),
        note="the same, with the `warmup` composite",
    ),
    Counterpart(
        "ConstantLR",
        lambda p: f"ConstantLR(opt, factor={p['factor']}, total_iters={p['total_iters']})",
        lambda p: (
            f"linear(start={p['lr'] * p['factor']!r}, end={p['lr'] * p['factor']!r}, "
            f"steps={p['total_iters']}) >> constant(lr={p['lr']})"
        ),
        (
            dict(lr=0.1, factor=0.5, total_iters=5),
            dict(lr=0.3, factor=0.25, total_iters=1500, groups=G3),
        ),
    ),
)


# -- drive both sides ----------------------------------------------------------
def _optimizer(p: Params) -> torch.optim.Optimizer:
    # Parameters without gradients: optimizer.step() is cheap and changes nothing,
    # but it is called, so torch's ordering check sees the usual loop.
    lr = p.get("lr", 0.1)
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr * r} for r in p.get("groups", [1.0])]
    return torch.optim.SGD(groups, lr=lr, momentum=0.9)


def _torch_scheduler(expr: str, opt: torch.optim.Optimizer) -> Any:
    """Build torch's side of a row from its table text, with only ``opt`` and torch's schedulers in scope."""
    namespace = {"opt": opt, **{name: getattr(lr_scheduler, name) for name in lr_scheduler.__all__}}
    return eval(expr, {"__builtins__": {}}, namespace)  # the table's own text; see module docstring


def _drive(opt: torch.optim.Optimizer, step: Callable[[int], None], n: int) -> np.ndarray:
    lrs = np.empty((n, len(opt.param_groups)))
    for i in range(n):
        lrs[i] = [g["lr"] for g in opt.param_groups]
        opt.step()
        step(i)
    return lrs


def run_both(row: Counterpart, p: Params, n: int = N_STEPS) -> tuple[np.ndarray, np.ndarray]:
    """The lr of every group at steps 0..n-1, from torch's scheduler and from lrkit's."""
    metrics = _metrics(p["seed"], n, maximize=p["mode"] == "max") if row.metric_driven else None
    opt_t, opt_l = _optimizer(p), _optimizer(p)
    ref = _torch_scheduler(row.torch(p), opt_t)
    ours = LRScheduler(opt_l, row.lrkit(p), plateau=row.plateau(p) if row.plateau else None)
    if metrics is None:
        theirs = _drive(opt_t, lambda i: ref.step(), n)
        mine = _drive(opt_l, lambda i: ours.step(), n)
    else:
        theirs = _drive(opt_t, lambda i: ref.step(metrics[i]), n)
        mine = _drive(opt_l, lambda i: (ours.observe(metrics[i]), ours.step()), n)
    return mine, theirs


def assert_same_lrs(mine: np.ndarray, theirs: np.ndarray, what: str) -> None:
    """Relative error <= RTOL everywhere; the failure names step, group, expected, actual."""
    err = np.abs(mine - theirs)
    bad = np.argwhere(err > RTOL * np.abs(theirs))
    if bad.size:
        t, g = bad[0]
        pytest.fail(
            f"{what}: {len(bad)} mismatches; first at step {t}, group {g}: torch {theirs[t, g]!r}, "
            f"lrkit {mine[t, g]!r} (rel. error {err[t, g] / max(abs(theirs[t, g]), 1e-300):.3g})"
        )


def _case_id(row: Counterpart, i: int) -> str:
    family = row.lrkit(row.cases[i]).split("(")[0]  # the two SequentialLR rows differ here
    return f"{row.name.split('(')[0]}-{family}-{i}"


CASES = [pytest.param(row, p, id=_case_id(row, i)) for row in COUNTERPARTS for i, p in enumerate(row.cases)]


@pytest.mark.parametrize(("row", "p"), CASES)
def test_matches_torch(row: Counterpart, p: Params) -> None:
    n = max(N_STEPS, p.get("steps", 0))
    mine, theirs = run_both(row, p, n)
    assert mine.shape == (n, len(p.get("groups", [1.0])))
    assert_same_lrs(mine, theirs, f"{row.torch(p)} vs {row.lrkit(p)}")


def test_the_plateau_cases_do_cut() -> None:
    """Guard against a vacuous plateau oracle: every case reduces the rate at least twice."""
    for row in (r for r in COUNTERPARTS if r.metric_driven):
        for p in row.cases:
            mine, _ = run_both(row, p)
            assert len(np.unique(mine[:, 0])) >= 3, p


@pytest.mark.parametrize(
    ("torch_expr", "epoch_spec"),
    [
        ("StepLR(opt, step_size=7, gamma=0.5)", "step(lr=0.1, step_size=7, gamma=0.5)"),
        (
            "MultiStepLR(opt, milestones=[10, 30, 45], gamma=0.3)",
            "multistep(lr=0.1, milestones=[10, 30, 45], gamma=0.3)",
        ),
        ("CosineAnnealingLR(opt, T_max=60, eta_min=0.001)", "cosine(lr=0.1, steps=60, min_lr=0.001)"),
    ],
)
def test_per_epoch_matches_torch_stepped_once_per_epoch(torch_expr: str, epoch_spec: str) -> None:
    """Time units: torch stepped at epoch ends == lrkit's per_epoch stepped every update."""
    epochs, per_epoch = 60, 37  # 2,220 updates
    opt_t, opt_l = _optimizer({}), _optimizer({})
    ref = _torch_scheduler(torch_expr, opt_t)
    ours = LRScheduler(opt_l, f"per_epoch({epoch_spec}, steps_per_epoch={per_epoch})")
    theirs, mine = [], []
    for _ in range(epochs):
        for _ in range(per_epoch):
            theirs.append([g["lr"] for g in opt_t.param_groups])
            mine.append([g["lr"] for g in opt_l.param_groups])
            opt_t.step()
            opt_l.step()
            ours.step()
        ref.step()
    assert_same_lrs(np.array(mine), np.array(theirs), f"{torch_expr} per epoch vs per_epoch({epoch_spec})")


def test_cosine_past_t_max_holds_min_lr_where_torch_climbs_back() -> None:
    # docs/schedule.md, "past the end": lrkit holds the final value; torch's CosineAnnealingLR is periodic.
    row = next(r for r in COUNTERPARTS if r.name == "CosineAnnealingLR")
    p = dict(lr=0.1, T_max=500, eta_min=1e-3)
    mine, theirs = run_both(row, p, n=2000)
    assert_same_lrs(mine[:501], theirs[:501], "within T_max")
    assert np.all(mine[500:, 0] == 1e-3)
    assert theirs[1000, 0] == pytest.approx(0.1, rel=1e-9)  # torch is back at the peak after 2 T_max


# -- Hypothesis-drawn parameters ------------------------------------------------
def _row(name: str) -> Counterpart:
    return next(r for r in COUNTERPARTS if r.name == name)


LRS = st.sampled_from([1e-4, 3e-3, 0.01, 0.1, 0.5, 1.0])
GROUPS = st.sampled_from([[1.0], [1.0, 0.1], G3])


@settings(max_examples=15)
@given(lr=LRS, step_size=st.integers(1, 2500), gamma=st.floats(0.05, 1.0), groups=GROUPS)
def test_step_lr_drawn(lr: float, step_size: int, gamma: float, groups: list[float]) -> None:
    p = dict(lr=lr, step_size=step_size, gamma=gamma, groups=groups)
    assert_same_lrs(*run_both(_row("StepLR"), p), str(p))


@settings(max_examples=15)
@given(lr=LRS, t_max=st.integers(1999, 5000), frac=st.floats(0.0, 1.0))
def test_cosine_drawn(lr: float, t_max: int, frac: float) -> None:
    p = dict(lr=lr, T_max=t_max, eta_min=lr * frac)
    assert_same_lrs(*run_both(_row("CosineAnnealingLR"), p), str(p))


@settings(max_examples=15)
@given(
    base=LRS,
    ratio=st.floats(1.5, 100.0),
    up=st.integers(1, 400),
    down=st.one_of(st.none(), st.integers(1, 400)),
    mode=st.sampled_from(["triangular", "triangular2", "exp_range"]),
    gamma=st.floats(0.99, 1.0),
    groups=GROUPS,
)
def test_cyclic_drawn(
    base: float, ratio: float, up: int, down: int | None, mode: str, gamma: float, groups: list[float]
) -> None:
    gamma = gamma if mode == "exp_range" else 1.0  # lrkit rejects a gamma that its mode ignores
    p = dict(base_lr=base, max_lr=base * ratio, up=up, down=down, mode=mode, gamma=gamma, groups=groups)
    assert_same_lrs(*run_both(_row("CyclicLR"), p), str(p))


@settings(max_examples=15)
@given(
    max_lr=LRS,
    steps=st.integers(2000, 3000),
    pct=st.floats(0.05, 0.45),
    anneal=st.sampled_from(["cos", "linear"]),
    div=st.floats(2.0, 100.0),
    final_div=st.floats(10.0, 1e5),
    three_phase=st.booleans(),
)
def test_one_cycle_drawn(
    max_lr: float, steps: int, pct: float, anneal: str, div: float, final_div: float, three_phase: bool
) -> None:
    p = dict(
        max_lr=max_lr,
        steps=steps,
        pct_start=pct,
        anneal=anneal,
        div=div,
        final_div=final_div,
        three_phase=three_phase,
    )
    assert_same_lrs(*run_both(_row("OneCycleLR"), p, n=steps), str(p))


@settings(max_examples=15)
@given(
    seed=st.integers(0, 10_000),
    mode=st.sampled_from(["min", "max"]),
    factor=st.floats(0.05, 0.9),
    patience=st.integers(0, 30),
    threshold=st.sampled_from([0.0, 1e-4, 1e-3, 0.01]),
    threshold_mode=st.sampled_from(["rel", "abs"]),
    cooldown=st.integers(0, 10),
    min_lr=st.sampled_from([0.0, 1e-5, 1e-3]),
)
def test_plateau_drawn(
    seed: int,
    mode: str,
    factor: float,
    patience: int,
    threshold: float,
    threshold_mode: str,
    cooldown: int,
    min_lr: float,
) -> None:
    p = dict(
        lr=0.1,
        mode=mode,
        factor=factor,
        patience=patience,
        threshold=threshold,
        threshold_mode=threshold_mode,
        cooldown=cooldown,
        min_lr=min_lr,
        seed=seed,
    )
    assert_same_lrs(*run_both(_row("ReduceLROnPlateau"), p), str(p))


# -- the table, as the docs show it ---------------------------------------------------
def counterparts_markdown() -> str:
    """The table of docs/schedule.md: each row's first parameter set, optimizer lr as in that set."""
    lines = ["| torch (`opt` built with `lr=0.1`) | lrkit spec | note |", "|---|---|---|"]
    for row in COUNTERPARTS:
        p = row.cases[0]
        assert p.get("lr", 0.1) == 0.1, "the header promises lr=0.1"
        plateau = f"<br>`plateau={row.plateau(p)}`" if row.plateau else ""
        lines.append(f"| `{row.torch(p)}` | `{row.lrkit(p)}`{plateau} | {row.note} |")
    return "\n".join(lines)


def test_docs_show_the_table() -> None:
    table = counterparts_markdown()
    assert DOCS.exists(), "docs/schedule.md is missing"
    assert table in DOCS.read_text(), f"docs/schedule.md must contain the current oracle table:\n\n{table}\n"


def test_every_row_has_cases_and_multi_group_coverage() -> None:
    assert len({r.name for r in COUNTERPARTS}) >= 11
    for row in COUNTERPARTS:
        assert len(row.cases) >= 2, row.name
    multi = [r.name for r in COUNTERPARTS if any(len(p.get("groups", [1.0])) > 1 for p in r.cases)]
    assert len(multi) == len(COUNTERPARTS), "every row needs a case with several param groups"
