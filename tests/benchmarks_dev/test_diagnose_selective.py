"""The commit rules of benchmarks/diagnose_selective.py: a NaN is always committed, a verdict outside the
set or under the floor never is, and the rule chosen is the one that commits to the most runs while right
on the targets overall and on every family it commits on (NaN alone when none is)."""

from __future__ import annotations

import numpy as np
import pytest

import diagnose_selective as ds

V = np.array(["nan", "too_low_slow", "too_low_slow", "healthy", "healthy", "plateau"], dtype=object)
C = np.array([1.0, 0.75, 0.5, 0.6, 0.6, 0.3])


def test_a_nan_is_always_committed_and_the_set_and_floor_bound_the_rest():
    rule = (frozenset(("nan", "too_low_slow")), 0.7)
    assert ds.committed(rule, V, C).tolist() == [True, True, False, False, False, False]
    assert ds.committed(ds.NAN_ONLY, V, C).tolist() == [True] + [False] * 5
    assert ds.name(ds.NAN_ONLY) == "nan only" and ds.name(rule) == "nan, too_low_slow; floor 0.7"


def test_the_rule_chosen_commits_most_while_right_overall_and_per_family():
    labels = np.array(["nan", "too_low_slow", "too_low_slow", "healthy", "too_low_slow", "healthy"],
                      dtype=object)
    fams = np.array(["a", "a", "b", "a", "b", "b"], dtype=object)
    mask = np.ones(6, bool)
    rule = ds.choose_rule(ds.rules(), V, C, labels, fams, mask)
    c = ds.committed(rule, V, C)
    # Both healthy verdicts have confidence 0.6 and one is wrong: committing to them is 4 of 5 right (80%,
    # under 90%), so the rule commits to the NaN and both too_low_slow.
    assert c.tolist() == [True, True, True, False, False, False]
    ok, n, share = ds.meets(rule, V, C, labels, fams, mask)
    assert ok and n == 3 and share == 1.0
    assert not ds.meets((frozenset(("nan", "too_low_slow", "healthy")), 0.5), V, C, labels, fams, mask)[0]


def test_nothing_but_nan_when_every_other_verdict_is_wrong_and_nan_only_when_none_meets():
    wrong = np.array(["nan", "healthy", "healthy", "too_low_slow", "too_low_slow", "healthy"], dtype=object)
    fams = np.array(["a"] * 6, dtype=object)
    everything = np.ones(6, bool)
    rule = ds.choose_rule(ds.rules(), V, C, wrong, fams, everything)
    assert ds.committed(rule, V, C).tolist() == [True] + [False] * 5
    no_nan = np.array(["healthy", *wrong[1:]], dtype=object)  # even the NaN is "wrong": no rule meets
    assert ds.choose_rule(ds.rules(), V, C, no_nan, fams, everything) == ds.NAN_ONLY


def test_the_rank_auc_is_scikit_learns_with_ties_counted_half():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    for _ in range(20):
        score, right = rng.integers(0, 5, 40).astype(float), rng.random(40) < 0.5
        assert ds.auc(score, right) == pytest.approx(roc_auc_score(right, score))
    assert np.isnan(ds.auc(np.arange(3.0), np.ones(3, bool)))  # all right: nothing to rank
