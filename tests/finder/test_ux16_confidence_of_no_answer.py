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
from lrkit.finder import confidence


@pytest.mark.parametrize("noise", [0.0, 0.1])
@pytest.mark.xfail(strict=True, reason="ux16 D3: confidence() of a result with no suggestion says high")
def test_no_suggestion_is_not_read_with_confidence(noise):
    rng = np.random.default_rng(1)
    result = range_test(lambda lr: 1.0 + noise * rng.standard_normal())
    assert result.suggestion is None
    word, why = confidence(result)
    assert word not in ("high", "medium"), (word, why)
