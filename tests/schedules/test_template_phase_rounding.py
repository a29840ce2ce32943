"""``for_run``: lengths of phases that follow one another are rounded at their boundaries.

ux11 observation: ``wsd(lr=lr, warmup=0.05*total, stable=0.75*total, decay=0.2*total)`` with
``total=10`` rounded each phase on its own (1 + 8 + 2 = 11), so the run ended at the top of its
cool-down. The rule checked here: the run's positions (running sums of the lengths, in run order)
are rounded to the nearest step, halves up, and each length is the difference of two rounded
positions, so lengths whose exact sum is the run's total sum to it exactly.
"""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from lrkit.schedules import constant, cosine, for_run, warmup, wsd


def _half_up(x: float) -> int:
    return math.floor(x + 0.5)


def test_the_ux11_wsd_spec_at_ten_updates_lasts_ten():
    s = for_run("wsd(lr=lr, warmup=0.05*total, stable=0.75*total, decay=0.2*total)", total=10, lr=0.1)
    # positions 0.5 -> 1 and 8.0 -> 8, end 10: phases 1, 7, 2 (each phase on its own: 1, 8, 2 = 11)
    assert s == wsd(lr=0.1, warmup=1, stable=7, decay=2)
    assert s.horizon == 10


def test_positional_wsd_lengths_follow_the_same_rule():
    assert for_run("wsd(lr, 0.05*total, 0.75*total, 0.2*total)", total=10, lr=0.1) == wsd(
        lr=0.1, warmup=1, stable=7, decay=2
    )


def test_a_sequence_of_phases_lasts_the_run():
    s = for_run("constant(lr=lr, steps=0.05*total) >> cosine(lr=lr, steps=0.95*total)", total=10, lr=0.1)
    assert s == constant(lr=0.1, steps=1) >> cosine(lr=0.1, steps=9)
    assert s.horizon == 10


def test_a_warmup_and_the_schedule_it_wraps_follow_one_another_in_run_order():
    # the warmup runs first although its `steps` is written last: positions 1.5 -> 2, then 15
    s = for_run("warmup(cosine(lr=lr, steps=0.9*total), steps=0.1*total)", total=15, lr=0.1)
    assert s == warmup(cosine(lr=0.1, steps=13), steps=2)
    assert s.horizon == 15


def test_whole_lengths_and_lengths_of_separate_runs_are_untouched():
    # an integer length moves no boundary: 0.06 * 950 = 57 and the cosine keeps its 950
    s = for_run("warmup_cosine(lr=lr, warmup=0.06*total, steps=total)", total=950, lr=3e-4)
    assert s.horizon == 950
    assert for_run("constant(lr=0.1, steps=3) >> cosine(lr=0.1, steps=0.25*total)", total=10) == (
        constant(lr=0.1, steps=3) >> cosine(lr=0.1, steps=3)
    )  # position 3 + 2.5 = 5.5 -> 6: the cosine gets 3, as 2.5 on its own rounds


@st.composite
def _wsd_runs(draw):
    total = draw(st.integers(1, 10**6))
    decay = draw(st.floats(min(1.0, 1.0 / total), 1.0))  # at least one exact step of cool-down
    warm = draw(st.floats(0.0, 1.0 - decay))
    return total, warm, max(0.0, 1.0 - warm - decay), decay


@given(_wsd_runs())
def test_wsd_phases_written_as_fractions_sum_to_the_run_for_every_total(run):
    total, w, s, d = run
    spec = f"wsd(lr=lr, warmup={w!r}*total, stable={s!r}*total, decay={d!r}*total)"
    got = for_run(spec, total=total, lr=0.1)
    assert got.horizon == total
    first, second = _half_up(w * total), _half_up((w + s) * total)
    assert got == wsd(lr=0.1, warmup=first, stable=second - first, decay=total - second)
    for length, exact in ((first, w * total), (second - first, s * total), (total - second, d * total)):
        assert abs(length - exact) < 1 + 1e-6  # every phase within one step of its exact length


@given(st.integers(1, 10**6), st.lists(st.floats(0.01, 1.0), min_size=2, max_size=6))
def test_a_chain_of_fractions_summing_to_one_lasts_the_run(total, weights):
    fractions = [x / sum(weights) for x in weights]
    chain = " >> ".join(f"constant(lr=0.1, steps={f!r}*total)" for f in fractions)
    bounds = [_half_up(sum(fractions[: i + 1]) * total) for i in range(len(fractions))]
    if min(b - a for a, b in zip([0, *bounds], bounds)) < 1:
        return  # a phase under one step is refused by constant, as it would be on its own
    assert for_run(chain, total=total).horizon == total
