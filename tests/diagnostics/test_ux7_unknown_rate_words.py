"""``diagnose`` takes a NaN learning rate as an unknown one (``Monitor`` logs NaN where ``observe`` got no
``lr``), but its advice then quoted it: "the loss turned upward at step 144 (the rate there was nan)",
"current rate nan", "divide the rate to about nan". An infinite rate is no rate a run can log, yet it
was accepted and quoted ("the rate there was inf"). Session-7 new-user probe,
``/work/notes/ux7/p4_odd_histories.py``. Strict xfails, owner diag (``diagnostics/_advice.py``
``_rate_at`` and its siblings; ``_diagnose._as_rates``)."""

from __future__ import annotations

import numpy as np
import pytest

from lrkit import LRKitError, diagnose


def _turns_up() -> np.ndarray:
    rng = np.random.default_rng(0)
    b = np.concatenate([2.0 * np.exp(-np.arange(150) / 30) + 0.3, 0.3 * np.exp(np.arange(150) / 20)])
    return b * (1 + 0.02 * rng.standard_normal(300))


def test_known_rates_are_quoted():
    d = diagnose(_turns_up(), lrs=np.full(300, 0.1))
    assert d.verdict == "too_high_diverging" and "(the rate there was 0.1)" in d.recommendation


@pytest.mark.xfail(strict=True, reason="owner diag: an unknown (NaN) rate is quoted in the advice as "
                   "'the rate there was nan'")
@pytest.mark.parametrize("where", ["all", "from step 100"])
def test_an_unknown_rate_is_not_quoted(where):
    lrs = np.full(300, np.nan) if where == "all" else np.where(np.arange(300) < 100, 0.1, np.nan)
    d = diagnose(_turns_up(), lrs=lrs)
    assert d.verdict == "too_high_diverging"
    assert "nan" not in d.recommendation.lower()


@pytest.mark.xfail(strict=True, reason="owner diag: an infinite rate is accepted and quoted ('the rate "
                   "there was inf'); it should be one LRKitError naming `lrs`")
def test_an_infinite_rate_is_refused():
    with pytest.raises(LRKitError, match=r"^`lrs` of diagnose"):
        diagnose(_turns_up(), lrs=np.full(300, np.inf))
