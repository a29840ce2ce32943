"""``FinderResult.is_guess`` (true exactly for the blow-up fallback's answer) and ``group_0_factor``."""

from __future__ import annotations

import pytest

from lrkit.finder import GUESS_SOURCE, SOURCES, FinderResult


def _result(**meta) -> FinderResult:
    return FinderResult(lrs=[1e-3, 1e-2], losses=[1.0, 2.0], smoothed=[1.0, 2.0], stop_reason="diverged",
                        suggestion=1e-4, interval=None, rule="default", reason="r", steps=2, wall_time=0.0,
                        meta=meta)


@pytest.mark.parametrize("source", [*SOURCES, None])
def test_is_guess_only_for_the_blow_up_fallback(source):
    assert _result(source=source).is_guess is (source == GUESS_SOURCE)


def test_a_result_without_a_source_is_no_guess_and_the_flag_survives_json():
    assert _result().is_guess is False
    guess = _result(source=GUESS_SOURCE)
    assert FinderResult.from_dict(guess.to_dict()).is_guess is True


@pytest.mark.parametrize(("meta", "factor"), [({}, 1.0), ({"group_scales": [1.0, 0.01]}, 1.0),
                                              ({"rate_group": 1, "group_scales": [100.0, 1.0]}, 100.0),
                                              ({"rate_group": 1, "group_scales": [0.0, 1.0]}, 1.0)])
def test_group_0_factor_is_group_0s_scale_unless_frozen(meta, factor):
    """``FinderResult.group_0_factor``: the rate group's suggestion times it is group 0's rate."""
    assert _result(**meta).group_0_factor == factor
