"""Table-driven conformance over every registered schedule family.

Adding a family to the registry adds it to every test here: it must build from
its example spec, evaluate scalar == vectorized (up to t = 10**9), pickle,
round-trip its spec and ``to_dict``, hash, and reject bad input with a clear
message. ``INVALID`` below must hold at least one case per registered name.
"""

from __future__ import annotations

import copy
import json
import pickle
import re

import numpy as np
import pytest

import lrkit.schedules as S
from lrkit.errors import LRKitError
from lrkit.schedules import ReduceOnPlateau, Schedule, from_dict, parse, registry

NAMES = sorted(registry)
SCHEDULE_NAMES = [n for n in NAMES if not registry[n].stateful]
FINITE_NAMES = [n for n in SCHEDULE_NAMES if parse(registry[n].example).horizon is not None]
STEPS = np.array([0, 1, 2, 3, 7, 10, 99, 100, 101, 250, 999, 1000, 1001, 12345, 10**6, 10**9])

# (spec, regex the message must match): at least one per registered name.
INVALID = [
    ("constant(lr=-1)", r"`lr` of constant must be a finite number >= 0; got -1\."),
    ("constant(lr=0.1, steps=0)", r"`steps` of constant must be a positive integer; got 0\."),
    ("cosine(lr=0.1, steps=-5)", r"`steps` of cosine must be a positive integer; got -5\."),
    ("cosine(lr=0.1, steps=10, min_lr=0.2)", r"`min_lr` of cosine must be in \[0, lr=0\.1\]; got 0\.2\."),
    ("cosine_restarts(lr=0.1, period=0)", r"`period` of cosine_restarts must be a positive integer; got 0\."),
    (
        "cosine_restarts(lr=0.1, period=10, mult=1.5)",
        r"`mult` of cosine_restarts must be a positive integer; got 1\.5\.",
    ),
    (
        "cosine_restarts(lr=0.1, period=10, decay=0)",
        r"`decay` of cosine_restarts must be a number in \(0, 1\]; got 0\.",
    ),
    ("step(lr=0.1, step_size=0)", r"`step_size` of step must be a positive integer; got 0\."),
    ("step(lr=0.1, step_size=10, gamma=1.5)", r"`gamma` of step must be a number in \(0, 1\]; got 1\.5\."),
    (
        "multistep(lr=0.1, milestones=[])",
        r"`milestones` of multistep must be a non-empty list of positive integers",
    ),
    (
        "multistep(lr=0.1, milestones=[10, -3])",
        r"`milestones` of multistep must be a positive integer; got -3\.",
    ),
    ("multistep(lr=0.1, milestones=10)", r"`milestones` of multistep must be a non-empty list"),
    ("exponential(lr=0.1, gamma=0)", r"`gamma` of exponential must be a number in \(0, 1\]; got 0\."),
    ("exponential(lr=nan, gamma=0.9)", r"`lr` of exponential must be a finite number >= 0; got nan\."),
    (
        "inverse_time(lr=0.1, decay_rate=-1)",
        r"`decay_rate` of inverse_time must be a finite number >= 0; got -1\.",
    ),
    (
        "inverse_time(lr=0.1, decay_rate=1, staircase=1)",
        r"`staircase` of inverse_time must be True or False; got 1\.",
    ),
    ("inverse_sqrt(lr=0.1, warmup=-1)", r"`warmup` of inverse_sqrt must be an integer >= 0; got -1\."),
    (
        "inverse_sqrt(lr=0.1, warmup=10, timescale=0)",
        r"`timescale` of inverse_sqrt must be a positive integer; got 0\.",
    ),
    ("linear(start=0, end=0.1, steps=2.5)", r"`steps` of linear must be a positive integer; got 2\.5\."),
    ("linear(start=-0.1, end=0.1, steps=10)", r"`start` of linear must be a finite number >= 0; got -0\.1\."),
    ("polynomial(lr=0.1, steps=10, power=0)", r"`power` of polynomial must be a finite number > 0; got 0\."),
    ("polynomial(lr=0.1, steps=10, end=0.5)", r"`end` of polynomial must be in \[0, lr=0\.1\]; got 0\.5\."),
    (
        "one_minus_sqrt(lr=0.1, steps=10, min_lr=1)",
        r"`min_lr` of one_minus_sqrt must be in \[0, lr=0\.1\]; got 1\.",
    ),
    ("geometric(start=0, end=0.1, steps=10)", r"`start` of geometric must be a finite number > 0; got 0\."),
    ("exp_sweep(start=1e-7, end=10, steps=1)", r"`steps` of exp_sweep must be an integer >= 2; got 1\."),
    ("exp_sweep(start=0, end=10, steps=100)", r"`start` of exp_sweep must be a finite number > 0; got 0\."),
    (
        "linear_sweep(start=0, end=-1, steps=100)",
        r"`end` of linear_sweep must be a finite number >= 0; got -1\.",
    ),
    (
        "cyclic(base_lr=0.1, max_lr=0.01, step_size_up=10)",
        r"`max_lr` of cyclic must be >= base_lr \(0\.1\); got 0\.01\.",
    ),
    (
        "cyclic(base_lr=0.01, max_lr=0.1, step_size_up=10, mode='tri')",
        r"`mode` of cyclic must be one of 'triangular', 'triangular2', 'exp_range'; got 'tri'\.",
    ),
    (
        "cyclic(base_lr=0.01, max_lr=0.1, step_size_up=10, gamma=0.9)",
        r"`gamma` of cyclic is only used by mode='exp_range'; got 0\.9 with mode='triangular'\.",
    ),
    (
        "cyclic(base_lr=0.01, max_lr=0.1, step_size_up=10, step_size_down=0)",
        r"`step_size_down` of cyclic must be a positive integer; got 0\.",
    ),
    (
        "one_cycle(max_lr=0.1, steps=100, pct_start=1.5)",
        r"`pct_start` of one_cycle must be a number in \[0, 1\]; got 1\.5\.",
    ),
    (
        "one_cycle(max_lr=0.1, steps=100, pct_start=0.6, three_phase=True)",
        r"`pct_start` of one_cycle must be a number in \[0, 0\.5\]; got 0\.6\.",
    ),
    (
        "one_cycle(max_lr=0.1, steps=100, div_factor=0)",
        r"`div_factor` of one_cycle must be a finite number > 0; got 0\.",
    ),
    (
        "one_cycle(max_lr=0.1, steps=100, anneal='cosine')",
        r"`anneal` of one_cycle must be one of 'cos', 'linear'; got 'cosine'\.",
    ),
    ("one_cycle(max_lr=0, steps=100)", r"`max_lr` of one_cycle must be a finite number > 0; got 0\."),
    (
        "warmup(schedule=cosine(lr=0.1, steps=10), steps=-1)",
        r"`steps` of warmup must be an integer >= 0; got -1\.",
    ),
    (
        "warmup(schedule=cosine(lr=0.1, steps=10), steps=5, shape='cubic')",
        r"`shape` of warmup must be one of 'linear', 'exponential'; got 'cubic'\.",
    ),
    (
        "warmup(schedule=cosine(lr=0.1, steps=10), steps=5, start=0.5)",
        r"`start` of warmup must be <= schedule\(0\) = 0\.1; got 0\.5\.",
    ),
    (
        "warmup(schedule=cosine(lr=0.1, steps=10), steps=5, shape='exponential')",
        r"`start` of warmup must be a finite number > 0; got 0\.0\.",
    ),
    ("warmup(schedule=0.1, steps=5)", r"`schedule` of warmup must be a schedule; got 0\.1\."),
    (
        "warmup_cosine(lr=0.1, warmup=100, steps=100)",
        r"`warmup` of warmup_cosine must be an integer in \[0, 99\]; got 100\.",
    ),
    (
        "warmup_cosine(lr=0.1, warmup=10, steps=100, min_lr=1)",
        r"`min_lr` of warmup_cosine must be in \[0, lr=0\.1\]; got 1\.",
    ),
    ("wsd(lr=0.1, warmup=10, stable=10, decay=0)", r"`decay` of wsd must be a positive integer; got 0\."),
    (
        "wsd(lr=0.1, warmup=10, stable=10, decay=10, shape='exp')",
        r"`shape` of wsd must be one of 'linear', 'cosine', '1-sqrt'; got 'exp'\.",
    ),
    (
        "sequence(phases=[cosine(lr=0.1, steps=10)])",
        r"`phases` of sequence must be a list of at least 2 schedules",
    ),
    (
        "sequence(phases=[constant(lr=0.1), cosine(lr=0.1, steps=10)])",
        r"must have a finite horizon except the last; got constant\(lr=0\.1\)",
    ),
    (
        "scale(schedule=constant(lr=0.1), factor=-2)",
        r"`factor` of scale must be a finite number >= 0; got -2\.",
    ),
    ("clip(schedule=constant(lr=0.1), lo=0.5, hi=0.1)", r"`hi` of clip must be >= lo \(0\.5\); got 0\.1\."),
    (
        "per_epoch(schedule=constant(lr=0.1), steps_per_epoch=0)",
        r"`steps_per_epoch` of per_epoch must be a positive integer; got 0\.",
    ),
    (
        "reduce_on_plateau(lr=0.1, factor=1.0)",
        r"`factor` of reduce_on_plateau must be a number in \(0, 1\); got 1\.0\.",
    ),
    (
        "reduce_on_plateau(lr=0.1, mode='minimum')",
        r"`mode` of reduce_on_plateau must be one of 'min', 'max'; got 'minimum'\.",
    ),
    (
        "reduce_on_plateau(lr=0.1, threshold_mode='relative')",
        r"`threshold_mode` of reduce_on_plateau must be one of 'rel', 'abs'",
    ),
    (
        "reduce_on_plateau(lr=0.1, patience=-1)",
        r"`patience` of reduce_on_plateau must be an integer >= 0; got -1\.",
    ),
    (
        "reduce_on_plateau(lr=0.1, min_lr=0.5)",
        r"`min_lr` of reduce_on_plateau must be in \[0, lr=0\.1\]; got 0\.5\.",
    ),
]


def _example(name: str):
    return parse(registry[name].example)


@pytest.mark.parametrize("name", NAMES)
def test_registry_record_is_complete(name):
    info = registry[name]
    assert info.name == name
    assert info.summary and info.example, f"{name} needs a summary and an example spec"
    assert callable(info.factory)


@pytest.mark.parametrize("name", NAMES)
def test_every_factory_is_exported_under_its_name(name):
    assert name in S.__all__ and callable(getattr(S, name))
    factory = registry[name].factory
    if isinstance(factory, type):  # families: the lowercase name is the class or a thin wrapper of it
        assert getattr(S, factory.__name__) is factory


@pytest.mark.parametrize("name", NAMES)
def test_example_builds_the_family(name):
    s = _example(name)
    info = registry[name]
    if info.stateful:
        assert isinstance(s, ReduceOnPlateau)
    elif info.composite:
        assert isinstance(s, Schedule) and s.name == "sequence", (
            f"composite {name} must be built from primitives"
        )
    else:
        assert type(s) is info.factory and s.name == name


@pytest.mark.parametrize("name", SCHEDULE_NAMES)
def test_scalar_equals_vectorized(name):
    s = _example(name)
    vec = s(STEPS)
    assert vec.shape == STEPS.shape and vec.dtype == np.float64
    for t, v in zip(STEPS, vec):
        scalar = s(int(t))
        assert isinstance(scalar, float)
        assert scalar == v, f"{name}: step {t}: scalar {scalar!r} != vectorized {v!r}"
    # 2-D input keeps its shape; numpy integer and float-integral steps are steps.
    grid = STEPS[:12].reshape(3, 4)
    np.testing.assert_array_equal(s(grid), vec[:12].reshape(3, 4))
    assert s(np.int64(7)) == s(7.0) == s(7)


@pytest.mark.parametrize("name", SCHEDULE_NAMES)
def test_values_are_finite_and_non_negative(name):
    vals = _example(name)(np.concatenate([np.arange(3000), STEPS]))
    assert np.all(np.isfinite(vals)) and np.all(vals >= 0)


@pytest.mark.parametrize("name", FINITE_NAMES)
def test_past_the_horizon_holds_the_final_value(name):
    s = _example(name)
    h = s.horizon
    tail = s(np.array([h, h + 1, 10 * h, 10**9]))
    np.testing.assert_array_equal(tail, np.full(4, tail[0]), err_msg=f"{name} must hold after t={h}")


@pytest.mark.parametrize("name", NAMES)
def test_pickle_and_copy_round_trip(name):
    s = _example(name)
    for clone in (pickle.loads(pickle.dumps(s)), copy.deepcopy(s)):
        assert clone == s and type(clone) is type(s)
        if not registry[name].stateful:
            np.testing.assert_array_equal(clone(STEPS), s(STEPS))


@pytest.mark.parametrize("name", NAMES)
def test_spec_round_trip(name):
    s = _example(name)
    assert parse(repr(s)) == s
    assert parse(s.to_spec()) == s
    assert parse(str(s)) == s
    assert parse(s) is s


@pytest.mark.parametrize("name", NAMES)
def test_dict_round_trip_through_json(name):
    s = _example(name)
    data = s.to_dict()
    assert json.loads(json.dumps(data)) == data, "to_dict must be plain JSON data"
    assert from_dict(json.loads(json.dumps(data))) == s


@pytest.mark.parametrize("name", SCHEDULE_NAMES)
def test_schedules_are_hashable_values(name):
    a, b = _example(name), _example(name)
    assert a == b and hash(a) == hash(b)
    assert len({a, b}) == 1
    with pytest.raises(AttributeError):
        a.steps = 1  # frozen


def test_the_stateful_controller_is_not_hashable():
    c = _example("reduce_on_plateau")
    with pytest.raises(TypeError):
        hash(c)


@pytest.mark.parametrize("name", SCHEDULE_NAMES)
def test_bad_steps_are_rejected(name):
    s = _example(name)
    for bad in (-1, 1.5, float("nan"), float("inf"), "3", True, np.array([0, -2])):
        with pytest.raises(LRKitError, match=r"`t` of \w+ must be an integer step in \[0, 2\*\*63 - 1\]"):
            s(bad)


@pytest.mark.parametrize(("spec", "pattern"), INVALID, ids=[c[0][:60] for c in INVALID])
def test_invalid_input_raises_lrkit_error_with_message(spec, pattern):
    with pytest.raises(LRKitError) as info:
        parse(spec)
    assert re.search(pattern, str(info.value)), f"message {str(info.value)!r} does not match {pattern!r}"


def test_every_registered_name_has_an_invalid_case():
    covered = {re.match(r"(\w+)\(", spec).group(1) for spec, _ in INVALID}
    missing = sorted(set(registry) - covered)
    assert not missing, f"add invalid-input cases for: {missing}"


def test_unknown_parameter_lists_the_valid_ones_for_every_family():
    for name in NAMES:
        with pytest.raises(LRKitError, match=rf"unknown parameter of {name} 'bogus'.* Valid: "):
            parse(f"{name}(bogus=1)")
