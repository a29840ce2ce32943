"""``for_run``: run-relative specs bound to a run's quantities, checked against specs written by hand."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrkit import LRKitError
from lrkit.schedules import cosine, for_run, parse, run_names, warmup_cosine


def test_binds_names_and_matches_the_spec_written_out():
    s = for_run("warmup_cosine(lr=lr, warmup=0.06*total, steps=total, min_lr=lr/100)", total=950, lr=3e-4)
    # 0.06 * 950 = 57 steps; min_lr is a rate, the float 3e-4 / 100, never rounded
    assert s == warmup_cosine(lr=3e-4, warmup=57, steps=950, min_lr=3e-4 / 100)
    assert s == parse(f"warmup_cosine(lr=0.0003, warmup=57, steps=950, min_lr={3e-4 / 100!r})")


@pytest.mark.parametrize(
    ("expr", "want"),
    [
        ("0.5*total", 5),
        ("0.25*total", 3),
        ("total*0.35", 4),
        ("total // 3", 3),
        ("total/4", 3),
        ("total - 1", 9),
        ("-(-total)", 10),
        ("epoch*2", 4),
    ],
)
def test_step_counts_round_to_the_nearest_whole_step_halves_up(expr, want):
    # total = 10, epoch = 2: 0.25*10 = 2.5 -> 3 (halves up), 10*0.35 = 3.5000000000000004 -> 4,
    # 10/4 = 2.5 -> 3
    assert for_run(f"cosine(lr=0.1, steps={expr})", total=10, epoch=2) == cosine(lr=0.1, steps=want)


def test_a_quantity_named_like_a_family_stays_a_family_in_call_position():
    s = for_run("warmup(cosine(lr=lr, steps=total - warmup), steps=warmup)", total=100, warmup=10, lr=0.1)
    assert s == warmup_cosine(lr=0.1, warmup=10, steps=100)


def test_plain_specs_and_schedules_pass_through():
    assert for_run("cosine(lr=0.1, steps=5)") == cosine(lr=0.1, steps=5)
    c = cosine(lr=0.1, steps=5)
    assert for_run(c) is c


def test_run_names_lists_only_value_names():
    assert run_names("warmup(cosine(lr=lr, steps=total), steps=10) >> constant(lr=inf)") == {"lr", "total"}


@pytest.mark.parametrize(
    ("spec", "quantities", "match"),
    [
        ("cosine(lr=lr, steps=total)", {"total": 10}, "names lr, which this run does not define; .* total"),
        ("cosine(lr=lr*total, steps=total)", {"total": 10, "lr": 0.1}, "mixes a step count and a rate"),
        ("cosine(lr=0.1, steps=total // 0)", {"total": 10}, "divides by zero"),
        ("cosine(lr=0.1, steps=0.01*total)", {"total": 10}, "`steps` of cosine"),  # rounds to 0
        ("cosine(lr=0.1, steps=total)", {"total": -1}, r"step count in \[0, 2\*\*63 - 1\]; got -1\."),
        ("cosine(lr=0.1, steps=total)", {"total": 10**400}, r"in \[0, 2\*\*63 - 1\]; got an integer of 1329"),
        ("cosine(lr=0.1, steps=total)", {"total": float("nan")}, "finite number"),
        ("cosine(lr=0.1, steps=total", {"total": 10}, "invalid schedule spec"),
        ("", {}, "non-empty"),
    ],
)
def test_bad_specs_and_quantities_raise_naming_the_problem(spec, quantities, match):
    with pytest.raises(LRKitError, match=match):
        for_run(spec, **quantities)


@given(total=st.integers(1, 10**6), frac=st.floats(0.0, 0.5), lr=st.floats(1e-6, 1.0))
def test_warmup_fraction_is_the_rounded_product(total, frac, lr):
    s = for_run(f"warmup_cosine(lr=lr, warmup={frac!r}*total, steps=total)", total=total, lr=lr)
    w = int(frac * total + 0.5)
    assert s == warmup_cosine(lr=lr, warmup=w, steps=total)
    assert s.horizon == total


def test_check_run_spec_returns_the_names_and_refuses_others_before_binding():
    from lrkit.schedules import check_run_spec

    allowed = ("total", "epoch", "lr")
    spec = "warmup(cosine(lr=lr, steps=total - epoch), steps=epoch)"
    assert check_run_spec(spec, allowed, "demo", "this run") == run_names(spec) == {"total", "epoch", "lr"}
    assert check_run_spec(cosine(lr=0.1, steps=10), allowed, "demo", "this run") == set()  # a schedule
    refused = "`spec` of demo names steps, warmup; this run defines total, epoch, lr"
    with pytest.raises(LRKitError, match=refused):
        check_run_spec("warmup(cosine(lr=lr, steps=steps), steps=warmup)", allowed, "demo", "this run")
    for bad in ("", "   ", 3, None):
        with pytest.raises(LRKitError, match="`spec` of demo must be a schedule or a spec string"):
            check_run_spec(bad, allowed, "demo", "this run")
    # only names are checked here: a value that cannot fit the run fails when for_run binds it
    assert check_run_spec("cosine(lr=lr, steps=total - 500)", allowed, "demo", "this run") == {"lr", "total"}
