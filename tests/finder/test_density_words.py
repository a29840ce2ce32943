"""The confidence word at the sweep's density (session-15 finder lane; ``finder/_confidence.py``,
``finder/_density_words.py``).

The words were calibrated on 100-step sweeps over the default range and given at every density. Held out
by family (``benchmarks/finder_confidence_density.py``, ``BENCHMARKS.md#finder_confidence_density``), at
200 steps the answers worded ``medium`` kept 0.65 against the promise's 0.75: a fair reading kept 0.83
(under ``high``'s 0.85) and a loose or weak one 0.62-0.67. Expected: each measured density has its own
calibrated words, a density between two measured ones the lower of their words, a density outside them
``low`` with words saying why, and the default sweep's words exactly as before.
"""

from __future__ import annotations

import numpy as np

from lrkit.finder import (CONFIDENCE_KINDS, CONFIDENCE_WORDS, DENSITY_WORDS, FinderResult, Sweep, advise,
                          confidence, confidence_features, density_words, range_test, synthetic,
                          words_between)
from lrkit.finder._confidence import density_steps

LEVEL = {"low": 0, "medium": 1, "high": 2}


def _sweep(noise: float, seed: int, num_steps: int, **kw):
    sweep = Sweep(num_steps=num_steps, **kw)
    values = iter(synthetic.curve(sweep.schedule()(np.arange(num_steps)), noise=noise, seed=seed))
    return range_test(lambda lr: next(values), sweep=sweep)


def test_a_200_step_fair_reading_is_medium_and_says_its_density_lowered_it():
    r = _sweep(0.15, 0, 200)
    assert confidence_features(r)["kind"] == "fair" and CONFIDENCE_WORDS["fair"] == "high"
    word, why = confidence(r)
    assert word == "medium" == advise(r).confidence
    assert "24.9 rates per decade" in why and "a reading like this one medium, not high" in why, why
    assert "about 3 in 4" in why


def test_a_200_step_weak_reading_is_low():
    r = _sweep(0.12, 1, 200)
    assert confidence_features(r)["kind"] == "weak" and CONFIDENCE_WORDS["weak"] == "medium"
    word, why = confidence(r)
    assert word == "low" and "a reading like this one low, not medium" in why


def test_the_default_sweep_keeps_the_calibrated_words_and_no_density_sentence():
    assert DENSITY_WORDS[Sweep().num_steps] is CONFIDENCE_WORDS
    for noise, seed in ((0.15, 0), (0.12, 1), (0.01, 0)):
        r = _sweep(noise, seed, Sweep().num_steps)
        word, why = confidence(r)
        assert word == CONFIDENCE_WORDS[confidence_features(r)["kind"]]
        assert "At this sweep's density" not in why
    # Lightning's default range, 1e-8 to 1 in 100 steps, is as dense as lrkit's own.
    assert abs(density_steps(_sweep(0.01, 0, 100, start=1e-8, end=1.0)) - 100) < 1e-9


def test_a_sweep_denser_or_sparser_than_every_measured_one_is_low_and_says_so():
    lo, hi = min(DENSITY_WORDS), max(DENSITY_WORDS)
    for steps in (lo - 5, 2 * hi):
        r = _sweep(0.01, 0, steps)
        assert confidence_features(r)["kind"] not in ("coarse", "short", "guess")
        assert density_words(r) is None
        word, why = confidence(r)
        assert word == "low" and why.startswith("Outside the calibration"), why
        assert f"num_steps={steps})" in why and f"{lo} to {hi} steps over the default range" in why
        assert f"--num-steps {lo if steps < lo else hi})" in why


def test_a_density_between_two_measured_ones_gets_the_lower_word_of_each_kind():
    tables = {50: {"tight": "medium", "weak": "medium"}, 100: {"tight": "high", "weak": "medium"},
              200: {"tight": "high", "weak": "low"}}
    assert words_between(75.0, tables) == {"tight": "medium", "weak": "medium"}
    assert words_between(150.0, tables) == {"tight": "high", "weak": "low"}
    assert words_between(200.0 * (1 + 1e-13), tables) == tables[200]
    assert words_between(49.0, tables) is None and words_between(201.0, tables) is None
    r = _sweep(0.15, 0, 100, start=1e-5)  # 99 intervals over 6 decades: as dense as 133 steps
    assert 100 < density_steps(r) < 200
    assert density_words(r) == words_between(density_steps(r), DENSITY_WORDS)


def test_every_density_keeps_the_order_of_kinds_and_the_design_caps():
    for table in DENSITY_WORDS.values():
        assert set(table) == set(CONFIDENCE_KINDS)
        levels = [LEVEL[table[k]] for k in CONFIDENCE_KINDS]
        assert levels == sorted(levels, reverse=True)
        assert all(table[k] == "low" for k in ("rough", "guess", "short", "coarse"))
        assert table["loose"] != "high" and table["sparse"] != "high"


def test_a_second_sweep_is_read_at_its_first_sweeps_density_and_a_linear_one_at_the_default():
    rates = np.geomspace(1e-3, 1.0, 60)
    second = FinderResult(lrs=rates, losses=np.ones_like(rates), smoothed=np.ones_like(rates),
                          stop_reason="completed", suggestion=0.01, interval=None, rule="default", reason="",
                          steps=60, wall_time=0.0,
                          meta={"source": "second sweep", "start": 1e-3, "end": 1.0, "num_steps": 60,
                                "passes": [{"start": 1e-7, "end": 10.0, "num_steps": 200}, {}]})
    assert abs(density_steps(second) - 200) < 1e-9
    linear = _sweep(0.01, 0, 100, mode="linear")
    assert density_steps(linear) is None and density_words(linear) is CONFIDENCE_WORDS
