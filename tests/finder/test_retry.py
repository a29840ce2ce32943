"""No signal is not an answer: the second pass's sweep, the choice between passes, the stated fallback."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from lrkit.finder import (
    SOURCES, FinderPolicy, Sweep, blow_up_rate, descent, range_test, second_sweep, settle, signal,
    start_level, synthetic, valley_geometry,
)
from lrkit.finder._anchor import blow_up_x
from lrkit.finder._retry import SECOND_PASS_COVERS

LRS = np.geomspace(1e-7, 10.0, 100)


def _sweep_of(losses, lrs=LRS, rule="falling", interval=False):
    """The range test of a recorded curve (its losses replayed as the step function's)."""
    values = iter(losses)
    sweep = Sweep(start=float(lrs[0]), end=float(lrs[-1]), num_steps=len(lrs))
    return range_test(lambda lr: next(values), sweep=sweep, rule=rule, interval=interval)


def _flat_then_blow_up(seed=0):
    rng = np.random.default_rng(seed)
    y = 2.3 + 0.05 * rng.standard_normal(100)
    y[80:] = 2.3 * np.exp(np.arange(20))  # blows up from step 80 (lr 0.025)
    return y


def test_a_clear_signal_needs_no_second_pass():
    first = _sweep_of(synthetic.curve(LRS, noise=0.02, seed=1))
    assert signal(first) > FinderPolicy().retry_sigmas
    assert second_sweep(first, Sweep()) is None
    out = settle(first, None)
    assert out.meta["source"] == "sweep" and out.suggestion == first.suggestion
    assert out.meta["updates"] == first.steps and len(out.meta["passes"]) == 1


def test_no_signal_sweeps_the_decade_below_the_blow_up_again():
    first = _sweep_of(_flat_then_blow_up())
    assert first.suggestion is None
    top = blow_up_rate(first)
    assert top == pytest.approx(LRS[82])  # where the stop rule fired: the second of two losses above its bar
    # the anchor's definition, the same one
    assert blow_up_x(first.lrs, first.losses) == (pytest.approx(np.log10(top)), True)
    plan = second_sweep(first, Sweep(), FinderPolicy(retry_steps=120, retry_decades=2.0))
    assert plan.end == pytest.approx(top) and plan.start == pytest.approx(top / 100)
    assert plan.num_steps == 120 and plan.mode == "exp"


def test_a_weak_signal_gets_a_second_pass_too_unless_the_policy_says_otherwise():
    y = synthetic.curve(LRS, noise=0.08, drop=0.2, seed=2)
    first = _sweep_of(y)
    assert first.suggestion is not None and 0 < signal(first) < 4
    assert second_sweep(first, Sweep()) is not None
    assert second_sweep(first, Sweep(), FinderPolicy(retry_sigmas=0.0)) is None


def test_the_clearer_pass_answers_and_the_reason_says_how():
    first = _sweep_of(_flat_then_blow_up())
    lrs2 = np.geomspace(2.5e-3, 2.5e-2, 100)
    second = _sweep_of(synthetic.curve(lrs2, lr_fast=6e-3, lr_blow=1e-1, noise=0.02, seed=2), lrs2)
    out = settle(first, second, updates=first.steps + second.steps)
    assert out.meta["source"] == "second sweep" and out.suggestion == second.suggestion
    assert out.reason.startswith("second sweep answered") and "carried no signal" in out.reason
    assert out.meta["updates"] == first.steps + second.steps
    assert [p["steps"] for p in out.meta["passes"]] == [first.steps, second.steps]
    assert np.array_equal(out.lrs, second.lrs)


def test_no_descent_in_either_pass_gives_a_stated_guess_below_the_blow_up():
    first = _sweep_of(_flat_then_blow_up(0))
    second = _sweep_of(_flat_then_blow_up(1))
    out = settle(first, second, FinderPolicy(fallback_divisor=4.0, anchor_weight=0.0))
    assert out.meta["source"] == "blow-up fallback"
    assert out.suggestion == pytest.approx(blow_up_rate(first) / 4.0)
    assert out.interval is None and out.reason.startswith("a guess, not a measurement")


def test_with_the_anchor_on_the_stated_guess_is_the_anchor_alone():
    # No reading to average: the anchor, anchor_decades below the blow-up, is the whole estimate, and the
    # divisor (the guess with the anchor off) plays no part.
    first = _sweep_of(_flat_then_blow_up(0))
    second = _sweep_of(_flat_then_blow_up(1))
    for divisor in (3.0, 4.0):
        policy = FinderPolicy(fallback_divisor=divisor, anchor_decades=2.25)
        out = settle(first, second, policy)
        x_blow, seen = blow_up_x(first.lrs, first.losses, policy=policy)
        assert seen and out.suggestion == pytest.approx(10.0 ** (x_blow - 2.25), rel=1e-12)
        assert out.meta["source"] == "blow-up fallback" and "1/10^2.25 of" in out.reason


def test_no_descent_and_no_blow_up_is_no_answer_with_what_to_check():
    first = _sweep_of(np.full(100, 2.3))  # a loss that does not depend on the parameters
    second = _sweep_of(np.full(100, 2.3), np.geomspace(1.0, 10.0, 100))
    assert blow_up_rate(first) is None
    out = settle(first, second)
    assert out.suggestion is None and out.meta["source"] is None
    assert "never blew up" in out.reason and "check that the optimizer updates" in out.reason


def test_a_sweep_the_caller_stopped_is_not_retried():
    stopped = range_test(lambda lr: 2.3, sweep=Sweep(num_steps=20), on_step=lambda t, lr, loss: t == 12)
    assert stopped.stop_reason == "callback" and second_sweep(stopped, Sweep()) is None


def test_sources_are_named():
    assert SOURCES == ("sweep", "second sweep", "blow-up fallback")


def test_the_advice_calls_a_guess_a_guess_and_names_the_second_sweep():
    from lrkit.finder import advise

    guess = settle(_sweep_of(_flat_then_blow_up(0)), _sweep_of(_flat_then_blow_up(1)))
    a = advise(guess)
    assert a.lr is not None and a.confidence == "low" and a.confidence_words.startswith("A guess")
    first = _sweep_of(_flat_then_blow_up())
    lrs2 = np.geomspace(2.5e-3, 2.5e-2, 100)
    curve = synthetic.curve(lrs2, lr_fast=6e-3, lr_blow=1e-1, noise=0.02, seed=2)
    second = settle(first, _sweep_of(curve, lrs2))
    assert any("second sweep" in c for c in advise(second).caveats)
    none = settle(_sweep_of(np.full(100, 2.3)), _sweep_of(np.full(100, 2.3), np.geomspace(1.0, 10.0, 100)))
    assert advise(none).headline.startswith("No suggestion: neither the sweep nor a second")


def test_a_second_pass_answer_says_its_interval_does_not_cover_a_rerun():
    first = _sweep_of(_flat_then_blow_up())
    lrs2 = np.geomspace(2.5e-3, 2.5e-2, 100)
    y2 = synthetic.curve(lrs2, lr_fast=6e-3, lr_blow=1e-1, noise=0.02, seed=2)
    out = settle(first, _sweep_of(y2, lrs2, interval=True))
    assert out.meta["source"] == "second sweep" and out.interval is not None
    assert out.meta["interval_covers"] == SECOND_PASS_COVERS == out.to_dict()["interval_covers"]
    clear = settle(_sweep_of(synthetic.curve(LRS, noise=0.02, seed=1), interval=True), None)
    assert clear.interval is not None and clear.meta["interval_covers"] != SECOND_PASS_COVERS


HUBER = json.loads((Path(__file__).parent / "data" / "huber_adam_second_pass.json").read_text())


def _recorded(which, rule="falling"):
    return _sweep_of(HUBER[which]["losses"], np.array(HUBER[which]["lrs"]), rule=rule)


def test_a_second_pass_that_jumps_above_the_start_and_recovers_is_not_a_valley():
    # Regression (issue 13): zoo regression-huber-adam, seed 2. The first sweep never blew up, so the
    # second pass swept its top decade (1 to 10) from the starting state; Adam's first update there moved
    # every weight by the rate and the loss jumped from 1.2 to 1,360, then recovered towards the start.
    # Read as a valley, the recovery suggested 0.26 (grid-best constant rate 0.002). Both passes start
    # from the same state, so a descent counts only below the starting level; the jump is a blow-up at
    # the pass's first rates, which bounds the answer from above.
    first, second = _recorded("first"), _recorded("second")
    assert first.suggestion is None and second.suggestion is not None  # the recovery reads as a valley
    out = settle(first, second)
    assert out.meta["source"] != "second sweep"
    assert out.suggestion is not None and out.suggestion < float(second.lrs[0]) / 10.0
    assert out.meta["source"] == "blow-up fallback" and "second sweep" in out.reason


def test_a_second_pass_descent_counts_only_below_the_starting_level():
    first = _sweep_of(_flat_then_blow_up())
    lrs2 = np.geomspace(2.5e-3, 2.5e-2, 100)
    y2 = synthetic.curve(lrs2, lr_fast=6e-3, lr_blow=1e-1, noise=0.02, seed=2)
    start = float(np.median(first.losses[:10]))
    lifted = start + 3.0 * (y2 - y2.min()) / np.ptp(y2[:60])  # the same shape, its bottom at the start level
    assert _sweep_of(lifted, lrs2).suggestion is not None
    assert settle(first, _sweep_of(lifted, lrs2)).meta["source"] != "second sweep"
    lowered = lifted - 1.0  # the same pass, now falling a whole unit below where the model started
    assert settle(first, _sweep_of(lowered, lrs2)).meta["source"] == "second sweep"


def test_start_level_is_the_median_of_the_stop_rules_warm_up_and_descent_is_measured_from_it():
    first = _sweep_of(_flat_then_blow_up())
    assert start_level(first) == pytest.approx(float(np.median(first.losses[:10])))
    expected = float(np.median(first.losses[:20]))
    assert start_level(first, FinderPolicy(stop_warmup=20)) == pytest.approx(expected)
    lrs2 = np.geomspace(2.5e-3, 2.5e-2, 100)
    second = _sweep_of(synthetic.curve(lrs2, lr_fast=6e-3, lr_blow=1e-1, noise=0.02, seed=2), lrs2)
    v = valley_geometry(second.lrs, second.losses)
    assert descent(second, v.top) == pytest.approx((v.top - v.bottom) / v.noise)  # from its own top
    assert descent(second, v.bottom) == 0.0 and descent(first, start_level(first)) == 0.0  # none below
    assert descent(second, 1e9) == descent(second, v.top)  # a start above the valley's top: its own top


@pytest.mark.parametrize("policy, words", [
    (FinderPolicy(fallback_divisor=4.0, anchor_decades=2.25), "1/10^2.25"),
    (FinderPolicy(fallback_divisor=4.0, anchor_weight=0.0), "1/4")])
def test_the_advice_on_a_stated_guess_names_the_rule_that_made_it(policy, words):
    # The advice said "1/{fallback_divisor} of where the loss blew up" whatever made the guess; with
    # the anchor on (the default) the guess is 10^-anchor_decades of it, as the result's reason says.
    from lrkit.finder import advise

    out = settle(_sweep_of(_flat_then_blow_up(0)), _sweep_of(_flat_then_blow_up(1)), policy)
    advice = advise(out, policy=policy)
    assert advice.confidence == "low" and f"{words} of where the loss blew up" in advice.confidence_words
    assert f"{words} of" in out.reason


def test_the_advice_on_a_weak_valley_reads_as_one_sentence():
    # "... to pin the value down; repeat the sweep ..." read as two broken clauses (ux finding).
    from lrkit.finder import advise

    sweep = Sweep(start=float(LRS[0]), end=float(LRS[-1]), num_steps=len(LRS))
    values = iter(synthetic.curve(LRS, noise=0.15, seed=1))
    result = range_test(lambda lr: next(values), sweep=sweep)
    advice = advise(result)
    assert result.reason.startswith("weak signal") and advice.confidence == "medium"
    assert "to pin the value down, repeat the sweep" in advice.confidence_words
    assert "down;" not in advice.confidence_words and "it;" not in advice.confidence_words
    # The low words read as one sentence too.
    from lrkit.finder import CONFIDENCE_WORDS, confidence

    word, words = confidence(result, words={**CONFIDENCE_WORDS, "weak": "low"})
    assert word == "low" and "before relying on it, repeat the sweep" in words and "it;" not in words
