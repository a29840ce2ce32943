"""ux16 D3: ``lrkit.finder.confidence`` of a result with no suggestion says ``high``: "Fair reading: no
interval was computed. On new workloads, about 9 in 10 readings like this one lost at most a tenth of what
the best rate gains."

Probe (``/work/notes/ux16/f1_frozen_edge.py``): a fine-tune whose optimizer holds only the frozen body
(``SGD(model[0].parameters())``, every parameter ``requires_grad=False``): ``find_lr`` sweeps twice and
answers ``None`` ("no answer: neither sweep showed a descent beyond its noise ..."), and
``confidence(result)`` is ``('high', 'Fair reading: ...')``. The same for ``range_test`` of a constant
loss or of pure noise. docs/find.md names ``lrkit.finder.confidence`` as the word the advice reads
(``high`` = "about 9 in 10 such readings lost at most a tenth of what the best rate gains"); ``advise``
itself says ``none`` for such a result, but the public function a loop calls (``if confidence(r)[0] ==
"high": train at r.suggestion``) promises a rate that does not exist. Expected: no ``high`` / ``medium``
word for a result without a suggestion (its own word, or ``low`` with words saying there is no
suggestion).
"""

from __future__ import annotations

import numpy as np
import pytest

from lrkit import range_test
from lrkit.finder import advise, confidence


@pytest.mark.parametrize("noise", [0.0, 0.1])
def test_no_suggestion_is_not_read_with_confidence(noise):
    rng = np.random.default_rng(1)
    result = range_test(lambda lr: 1.0 + noise * rng.standard_normal())
    assert result.suggestion is None
    word, why = confidence(result)
    assert word not in ("high", "medium"), (word, why)
    # one rule for both: the word and words are the advice's for a result without a rate
    advice = advise(result)
    assert (word, why) == (advice.confidence, advice.confidence_words) == ("none", why)
    assert "Fair reading" not in why and "9 in 10" not in why


def test_a_non_finite_suggestion_is_no_suggestion_for_both():
    import dataclasses

    from lrkit.finder import Sweep, synthetic

    found = range_test(synthetic.quadratic(lipschitz=4.0).step, sweep=Sweep(start=1e-5, num_steps=80))
    assert confidence(found)[0] == "high"
    broken = dataclasses.replace(found, suggestion=float("nan"))
    assert confidence(broken)[0] == advise(broken).confidence == "none"


@pytest.mark.parametrize("noise", [0.0, 0.1])
def test_the_kind_of_a_result_without_a_suggestion_is_none_as_its_word(noise):
    # confidence_features named such a result's kind 'fair' (whose word is high) while confidence() says none
    from lrkit.finder import CONFIDENCE_KINDS, confidence_features

    rng = np.random.default_rng(1)
    result = range_test(lambda lr: 1.0 + noise * rng.standard_normal())
    kind = confidence_features(result)["kind"]
    assert kind == confidence(result)[0] == advise(result).confidence == "none"
    assert kind not in CONFIDENCE_KINDS  # no calibrated kind: there is no reading to be sure of
