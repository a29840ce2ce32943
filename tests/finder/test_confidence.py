"""The confidence word: one per kind of reading, ordered, and each sentence says what the word promises."""

from __future__ import annotations

import numpy as np

from lrkit.finder import (CONFIDENCE_KINDS, CONFIDENCE_PROMISE, CONFIDENCE_WORDS, Sweep, confidence,
                          confidence_features, range_test, synthetic)

LEVEL = {"low": 0, "medium": 1, "high": 2}


def test_every_kind_has_a_word_and_a_clearer_kind_never_gets_a_lower_one():
    assert set(CONFIDENCE_WORDS) == set(CONFIDENCE_KINDS)
    levels = [LEVEL[CONFIDENCE_WORDS[k]] for k in CONFIDENCE_KINDS]
    assert levels == sorted(levels, reverse=True)
    assert CONFIDENCE_WORDS["guess"] == "low" and CONFIDENCE_WORDS["loose"] != "high"
    assert 0 < CONFIDENCE_PROMISE["medium"] < CONFIDENCE_PROMISE["high"] < 1
    assert CONFIDENCE_PROMISE["keep_gap"] == 10.0


def _sweep(noise: float, seed: int = 0):
    lrs = np.geomspace(1e-7, 10.0, 100)
    values = iter(synthetic.curve(lrs, noise=noise, seed=seed))
    return range_test(lambda lr: next(values), sweep=Sweep(start=1e-7, end=10.0, num_steps=100))


def test_the_kind_follows_the_drop_and_the_word_follows_the_kind():
    clear, weak = _sweep(0.01), _sweep(0.15, seed=1)
    fc, fw = confidence_features(clear), confidence_features(weak)
    assert fc["signal"] > 8 > fw["signal"] and fw["kind"] == "weak" and fc["kind"] in ("tight", "fair")
    for r, f in ((clear, fc), (weak, fw)):
        word, words = confidence(r)
        assert word == CONFIDENCE_WORDS[f["kind"]]
        assert "a tenth of what the best rate gains" in words


def test_the_words_can_be_varied_as_an_argument():
    weak = _sweep(0.15, seed=1)
    for word in ("high", "medium", "low"):
        assert confidence(weak, words={**CONFIDENCE_WORDS, "weak": word})[0] == word
