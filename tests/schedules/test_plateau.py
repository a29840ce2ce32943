"""``reduce_on_plateau``: hand-worked sequences, torch's ReduceLROnPlateau as oracle, state, apply."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from lrkit.errors import LRKitError
from lrkit.schedules import ReduceOnPlateau, cosine, parse, reduce_on_plateau


def _drive(c: ReduceOnPlateau, metrics) -> tuple[list[float], list[bool]]:
    """The rate used before each observation, and whether each observation cut."""
    lrs, cuts = [], []
    for m in metrics:
        lrs.append(c.lr)
        cuts.append(c.observe(m))
    return lrs, cuts


def test_patience_counts_bad_observations_after_the_best():
    c = reduce_on_plateau(lr=1.0, factor=0.5, patience=2)
    _, cuts = _drive(c, [5, 4, 4, 4, 4, 3, 3, 3, 3])
    # best 4 at obs 2; 3 bad (>2) at obs 5 -> cut; best 3 at obs 6; bad at 7, 8, 9 -> cut at 9.
    assert cuts == [False, False, False, False, True, False, False, False, True]
    assert c.lr == 0.25 and c.multiplier == 0.25


def test_patience_zero_cuts_on_the_first_bad_observation():
    c = reduce_on_plateau(lr=1.0, factor=0.1, patience=0)
    assert _drive(c, [1.0, 2.0, 0.5, 0.5])[1] == [False, True, False, True]


def test_relative_and_absolute_thresholds():
    rel = reduce_on_plateau(lr=1.0, patience=0, threshold=0.1, threshold_mode="rel")
    assert _drive(rel, [10.0, 9.5, 8.9])[1] == [False, True, False]  # 9.5 > 10 * 0.9; 8.9 < 9.0
    absolute = reduce_on_plateau(lr=1.0, patience=0, threshold=0.6, threshold_mode="abs")
    assert _drive(absolute, [10.0, 9.5, 9.3])[1] == [False, True, False]  # 9.5 > 9.4; 9.3 < 9.4


def test_max_mode_wants_increases():
    c = reduce_on_plateau(lr=1.0, patience=0, mode="max", threshold=0.0, threshold_mode="abs")
    assert _drive(c, [0.5, 0.6, 0.6, 0.7, 0.65])[1] == [False, False, True, False, True]


def test_cooldown_ignores_bad_observations():
    c = reduce_on_plateau(lr=1.0, factor=0.5, patience=0, cooldown=2)
    assert _drive(c, [1, 2, 2, 2, 2])[1] == [False, True, False, False, True]
    assert c.in_cooldown and c.state_dict()["cooldown_counter"] == 2 and c.num_bad_epochs == 0


def test_min_lr_floor_and_eps():
    c = reduce_on_plateau(lr=1.0, factor=0.1, patience=0, min_lr=0.05)
    lrs, cuts = _drive(c, [1, 2, 2, 2])
    assert cuts == [False, True, True, False] and lrs == [1.0, 1.0, 0.1, 0.05] and c.lr == 0.05
    tiny = reduce_on_plateau(lr=1e-8, factor=0.5, patience=0)  # a cut of 5e-9 < eps=1e-8 is skipped
    assert _drive(tiny, [1, 2, 2])[1] == [False, False, False] and tiny.lr == 1e-8


def test_nan_is_never_an_improvement():
    c = reduce_on_plateau(lr=1.0, patience=1)
    assert _drive(c, [1.0, math.nan, math.nan])[1] == [False, False, True]
    assert c.best == 1.0


def test_metric_must_be_a_number():
    c = reduce_on_plateau(lr=1.0)
    for bad in ("0.5", None, [1.0], object()):
        with pytest.raises(LRKitError, match=r"`metric` of reduce_on_plateau must be a number"):
            c.observe(bad)
    assert c.observe(np.float32(0.5)) is False and c.observe(np.array(0.4)) is False


def test_apply_is_identity_until_a_cut_then_scales_with_a_floor():
    c = reduce_on_plateau(lr=0.1, factor=0.5, patience=0, min_lr=0.01)
    sched = cosine(lr=0.1, steps=100)
    assert c.apply(sched(99)) == sched(99)  # below min_lr, but nothing cut yet: untouched
    c.observe(1.0)
    c.observe(2.0)
    assert c.multiplier == 0.5
    np.testing.assert_array_equal(
        c.apply(sched(np.arange(100))), np.maximum(sched(np.arange(100)) * 0.5, 0.01)
    )
    assert c.apply(0.1) == c.lr == 0.05
    assert isinstance(c.apply(0.1), float)


def test_calling_the_controller_gives_its_current_rate_at_any_step():
    c = reduce_on_plateau(lr=0.1, factor=0.5, patience=0)
    assert c(0) == 0.1 and c(10**9) == 0.1
    c.observe(1)
    c.observe(1)
    np.testing.assert_array_equal(c(np.arange(3)), [0.05, 0.05, 0.05])
    with pytest.raises(LRKitError, match=r"`t` of reduce_on_plateau must be an integer step in \[0, 2\*\*63"):
        c(-1)
    assert c.horizon is None


def test_state_round_trip_resumes_identically():
    rng = np.random.default_rng(0)
    metrics = list(np.cumsum(rng.normal(0, 1, 400)) / 50 + rng.normal(0, 0.05, 400))
    spec = "reduce_on_plateau(lr=0.1, factor=0.5, patience=3, cooldown=2, min_lr=0.001)"
    full = parse(spec)
    full_lrs, full_cuts = _drive(full, metrics)
    for k in (0, 1, 57, 200, 399):
        first = parse(spec)
        _drive(first, metrics[:k])
        state = json.loads(json.dumps(first.state_dict()))  # plain JSON data
        resumed = parse(spec)
        resumed.load_state_dict(state)
        assert resumed == first
        lrs, cuts = _drive(resumed, metrics[k:])
        assert lrs == full_lrs[k:] and cuts == full_cuts[k:]
    assert sum(full_cuts) >= 3  # the sequence exercises cuts


def test_fresh_state_has_no_best():
    c = reduce_on_plateau(lr=0.1, mode="max")
    assert c.state_dict() == {
        "best": None,
        "num_bad_epochs": 0,
        "cooldown_counter": 0,
        "observations": 0,
        "cuts": 0,
        "multiplier": 1.0,
        "lr": 0.1,
    }
    assert c.best == -math.inf


def test_load_state_dict_validates():
    c = reduce_on_plateau(lr=0.1)
    with pytest.raises(LRKitError, match=r"`state` of reduce_on_plateau must be a dict with keys best, "):
        c.load_state_dict({"best": 1.0})
    c.observe(1.0)
    before = c.state_dict()
    for change, pattern in [
        ({"num_bad_epochs": -1}, r"`num_bad_epochs` of reduce_on_plateau must be an integer >= 0"),
        ({"best": "low"}, r"`best` of reduce_on_plateau state must be a number or None; got 'low'"),
        ({"lr": -0.1}, r"`lr` of reduce_on_plateau must be a finite number >= 0"),
        ({"best": 0.5, "multiplier": 2.0}, r"`multiplier` of reduce_on_plateau must be a number in \[0, 1\]"),
    ]:
        with pytest.raises(LRKitError, match=pattern):
            c.load_state_dict(before | change)
        assert c.state_dict() == before  # a failed load changes nothing


def test_an_infinite_best_survives_a_round_trip():
    c = reduce_on_plateau(lr=0.1, mode="max")
    c.observe(math.inf)
    assert c.best == math.inf and c.state_dict()["best"] == math.inf
    again = reduce_on_plateau(lr=0.1, mode="max")
    again.load_state_dict(c.state_dict())
    assert again.best == math.inf and again == c


def test_equality_includes_state_and_repr_is_the_parameters():
    a, b = reduce_on_plateau(lr=0.1, patience=0), reduce_on_plateau(lr=0.1, patience=0)
    assert a == b
    a.observe(1.0)
    assert a != b and repr(a) == repr(b)
    assert a != cosine(lr=0.1, steps=5)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {
            "mode": "max",
            "threshold_mode": "abs",
            "threshold": 0.05,
            "cooldown": 3,
            "patience": 2,
            "factor": 0.5,
            "min_lr": 0.003,
        },
        {"patience": 0, "factor": 0.7, "min_lr": 0.2, "eps": 0.01},
        {"threshold_mode": "abs", "threshold": 0.0, "patience": 5, "cooldown": 1},
    ],
)
def test_matches_torch_reduce_lr_on_plateau(kwargs):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    metrics = list(np.cumsum(rng.normal(0, 1, 2000)) / 100 + rng.normal(0, 0.05, 2000))
    metrics[50] = float("nan")
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=1.0)
    ref = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    torch_lrs = []
    for m in metrics:
        torch_lrs.append(opt.param_groups[0]["lr"])
        ref.step(m)
    ours, _ = _drive(reduce_on_plateau(lr=1.0, **kwargs), metrics)
    assert ours == torch_lrs  # same float operations: bit-identical
