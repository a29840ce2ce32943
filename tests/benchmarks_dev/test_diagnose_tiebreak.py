"""The tie-break measured by benchmarks/diagnose_tiebreak.py (benchmarks/dev/diagnose_tiebreak*.py): the
guard's hard facts stay above the model, a run where nothing moved stays uncertain, the record reads a
run as scikit-learn's fitted model does, the settings are chosen safety first, and the nested choice
reads each family with a model fitted without it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dev import diagnose_tiebreak as dt
from dev.diagnose_tiebreak_model import TOO_HIGH, TieBreak, allowed, inputs, probabilities, tie_break

SMALL = dt.FEATURES["small"]
SETTINGS = {"C": 0.1, "features": "small", "val": False, "commit": 0.6, "veto_high": 0.05, "raise": True,
            "high_needs_above": False}


def _rule(bias: dict[str, float], **kw) -> TieBreak:
    """A one-input model whose class probabilities are fixed by its intercepts."""
    return TieBreak(features=("rise",), val=False, classes=tuple(bias), mean=(0.0,), scale=(1.0,),
                    weights=tuple((0.0,) for _ in bias), intercepts=tuple(bias.values()), **kw)


def _stats(above: float = 0.0, spiked: float = 0.0, moved: float = -2.0) -> dict[str, float]:
    return {"rise": 0.2, "ended_above_start": above, "spiked_over_descent": spiked, "end_vs_first_z": moved}


def test_a_run_above_its_start_gets_a_too_high_verdict_or_none():
    assert allowed(_stats(above=1.0), ()) == set(TOO_HIGH) == allowed(_stats(spiked=1.0), ())
    assert "too_low_slow" not in allowed(_stats(), ("too_high_oscillating",))
    keep = _rule({"healthy": 5.0, "too_high_diverging": 0.0, "too_low_slow": 0.0})
    assert tie_break(_stats(), (), keep)[0] == "healthy"
    assert tie_break(_stats(above=1.0), (), keep) is None


def test_it_commits_only_above_its_probability_and_below_the_too_high_veto():
    sure = _rule({"too_low_slow": 4.0, "healthy": 0.0, "too_high_diverging": 0.0})
    assert tie_break(_stats(), (), sure)[0] == "too_low_slow"
    assert tie_break(_stats(), (), _rule({"too_low_slow": 4.0, "healthy": 0.0}, allow_raise=False)) is None
    torn = _rule({"too_low_slow": 2.0, "healthy": 0.0, "too_high_diverging": 0.5}, commit=0.5)
    assert tie_break(_stats(), (), torn) is None  # the too-high share is past the veto
    high = _rule({"too_high_diverging": 3.0, "healthy": 0.0}, high_needs_above=True)
    assert tie_break(_stats(), (), high) is None and tie_break(_stats(above=1.0), (), high)[0] in TOO_HIGH


def test_a_run_where_nothing_moved_stays_uncertain_unless_opened():
    sure = _rule({"too_high_diverging": 4.0, "healthy": 0.0})
    assert tie_break(_stats(above=1.0, moved=0.3), (), sure) is None
    opened = _rule({"too_high_diverging": 4.0, "healthy": 0.0}, moved_only=False)
    assert tie_break(_stats(above=1.0, moved=0.3), (), opened)[0] == "too_high_diverging"


@given(st.dictionaries(st.sampled_from(SMALL), st.floats(-1e6, 1e6)),
       st.sampled_from([(), ("too_high_diverging",), ("uncertain",)]))
def test_no_keep_decay_or_raise_on_a_run_above_its_start_whatever_the_model(stats, fired):
    eager = _rule({"healthy": 1.0, "too_low_slow": 1.0, "too_high_diverging": 0.0}, commit=0.0, veto_high=1.0)
    got = tie_break({**stats, "ended_above_start": 1.0}, fired, eager)
    assert got is None or got[0] in TOO_HIGH
    got = tie_break(stats, ("too_high_oscillating", *fired), eager)
    assert got is None or got[0] != "too_low_slow"


@given(st.floats(0.01, 100.0), st.floats(-50.0, 50.0))
def test_the_inputs_of_a_scaled_and_shifted_loss_are_the_inputs_of_the_loss(a, b):
    from lrkit.diagnostics import diagnose

    t = np.arange(240)
    y = np.exp(-t / 60) + 0.02 * np.random.default_rng(0).normal(size=t.size)
    one, two = diagnose(y).statistics, diagnose(a * y + b).statistics
    np.testing.assert_allclose(inputs(one, SMALL, False), inputs(two, SMALL, False), rtol=1e-6, atol=1e-6)


def _runs(n: int, seed: int = 0) -> tuple[list[dict], np.ndarray]:
    """Statistics of made-up runs whose label follows their rise and late share."""
    rng = np.random.default_rng(seed)
    stats, labels = [], []
    for i in range(n):
        label = ("too_low_slow", "healthy", "too_high_diverging")[i % 3]
        shift = {"too_low_slow": -1.0, "healthy": 0.0, "too_high_diverging": 1.0}[label]
        s = {k: float(rng.normal()) for k in SMALL}
        s["rise"], s["late_share"] = shift + 0.3 * rng.normal(), -shift + 0.3 * rng.normal()
        s["end_vs_first_z"] = -abs(s["end_vs_first_z"]) - 0.1  # every run moved
        stats.append(s)
        labels.append(label)
    return stats, np.array(labels, dtype=object)


def test_the_record_reads_a_run_as_the_fitted_model_does():
    sklearn = pytest.importorskip("sklearn.linear_model")
    stats, y = _runs(90)
    X = np.array([inputs(s, SMALL, False) for s in stats])
    rule = dt.rule(dt.fit(X, y, SETTINGS["C"]), SETTINGS)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    ref = sklearn.LogisticRegression(C=SETTINGS["C"], max_iter=5000).fit((X - mean) / scale, y)
    want = ref.predict_proba((X - mean) / scale)
    got = np.array([[probabilities(s, rule)[k] for k in ref.classes_] for s in stats])
    np.testing.assert_allclose(got, want, atol=1e-6)


def test_safety_comes_before_accuracy_in_the_choice():
    labels = np.array(["too_high_diverging", "too_low_slow", "healthy"], dtype=object)
    none = np.array(["uncertain"] * 3, dtype=object)
    bold = np.array(["too_low_slow", "too_low_slow", "healthy"], dtype=object)  # 2 right, 1 raise on high
    assert dt.key(none, none, labels) < dt.key(bold, none, labels)
    lower = np.array(["uncertain", "too_high_diverging", "uncertain"], dtype=object)
    assert dt.key(none, none, labels) < dt.key(lower, none, labels)


def test_the_nested_choice_reads_each_family_with_a_model_fitted_without_it(monkeypatch):
    pytest.importorskip("sklearn")
    stats, y = _runs(72, seed=1)
    families = np.array(["a", "b", "c", "d"] * 18, dtype=object)
    rows = [("uncertain", 0.5, None, (), s) for s in stats]
    folds = {f: dt.Fold(rows, rows) for f in "abcd"}
    monkeypatch.setattr(dt, "GRID", {"C": (0.1,), "features": ("small",), "val": (False,),
                                     "commit": (0.6,), "veto_high": (0.05,), "raise": (True, False),
                                     "high_needs_above": (False,)})
    v, p, _, _, chosen = dt.nested(folds, y, families)
    assert set(chosen) == set("abcd")
    resolved = v != "uncertain"
    assert resolved.mean() > 0.5 and (v[resolved] == y[resolved]).mean() > 0.9
    assert np.all(p[resolved] >= 0.6)


def test_the_model_module_examples_run():
    import doctest

    from dev import diagnose_tiebreak_model

    assert doctest.testmod(diagnose_tiebreak_model).failed == 0
