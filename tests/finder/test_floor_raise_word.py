"""A reading the descent floor raised by more than ``LOOSE_SPREAD`` is ``loose``: its word is a loose
reading's, and its words name the reading before the raise to try as well (ux15 D8;
``BENCHMARKS.md#finder_floor_word``).

The floor raises a reading on the flat start below a wide descent, reading that start as a plateau of the
rate; a sweep that has not trained yet (one update per rate) is flat there too, and the curve cannot tell
the two apart. A synthetic curve whose descent starts 1.5 decades under the blow-up is raised by a factor
3.8 (the anchored reading 0.21 to the valley's own, 0.80).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from lrkit.finder import (CONFIDENCE_WORDS, DENSITY_WORDS, LOOSE_SPREAD, FinderPolicy, Sweep, advise,
                          confidence, confidence_features, range_test, synthetic)
from lrkit.finder._confidence import raise_factor
from lrkit.finder._density import at_calibrated_density


def _replayed(lr_fast: float, policy: FinderPolicy = FinderPolicy(), num_steps: int = 100):
    """A range test of a recorded synthetic curve (descent at ``lr_fast``, blow-up at 10)."""
    lrs = np.logspace(-7, 1, num_steps)
    recorded = iter(synthetic.curve(lrs, lr_fast=lr_fast, lr_blow=10.0, noise=0.01, seed=0).tolist())
    return range_test(lambda lr: next(recorded), sweep=Sweep(1e-7, 10.0, num_steps), policy=policy)


def test_a_reading_raised_by_more_than_the_loose_factor_is_loose_and_names_the_reading_before():
    r = _replayed(0.3)
    below = r.meta["raised_from"]
    assert raise_factor(r) == pytest.approx(r.suggestion / below) and raise_factor(r) > LOOSE_SPREAD
    f = confidence_features(r)
    assert f["kind"] == "loose" and f["raised"] == raise_factor(r) and f["spread"] <= LOOSE_SPREAD
    word, why = confidence(r)
    assert word == CONFIDENCE_WORDS["loose"] == "medium"
    assert f"try {below:.3g} as well" in why and f"a factor of {raise_factor(r):.1f}" in why
    assert any(f"try {below:.3g} as well" in line for line in advise(r).lines())


def test_the_answer_itself_does_not_move_and_the_floor_off_raises_nothing():
    r, off = _replayed(0.3), _replayed(0.3, FinderPolicy(descent_floor=0.0))
    assert off.meta["raised_from"] is None and raise_factor(off) == 1.0
    assert off.suggestion == pytest.approx(r.meta["raised_from"])  # the floor off answers the reading before
    assert confidence_features(off)["kind"] == "tight" and confidence(off)[0] == "high"


def test_a_reading_not_raised_or_raised_less_keeps_its_word():
    r = _replayed(0.1)
    assert r.meta["raised_from"] is None and confidence_features(r)["kind"] == "tight"
    a = _replayed(0.3)
    little = dataclasses.replace(a, meta={**a.meta, "raised_from": a.suggestion / 2.0})
    assert confidence_features(little)["kind"] == "tight" and confidence(little)[0] == "high"


def test_a_loose_reading_at_another_density_gets_that_densitys_loose_word():
    r = _replayed(0.3, num_steps=200)
    moved = at_calibrated_density(r)
    assert moved.suggestion != r.suggestion  # the density move moved the answer...
    assert raise_factor(moved) == pytest.approx(raise_factor(r))  # ...and the reading before it alike
    assert raise_factor(moved) > LOOSE_SPREAD
    assert confidence(moved)[0] == DENSITY_WORDS[200]["loose"] == "low"
