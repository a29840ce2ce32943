"""Each demo's claim, asserted on the raw numbers of its record (not only on its own checks)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lrkit import LRKitError
from lrkit.lab import demos, run_demo

EXPECTED = [
    "divergence",
    "slow_convergence",
    "oscillation",
    "stability_limit",
    "schedules_compared",
    "warmup",
    "adaptive_per_parameter",
    "local_minimum",
    "batch_size_scaling",
    "finder_explained",
    "kohonen",
]


@pytest.fixture(scope="module")
def records():
    """Every NumPy-only demo, run once for the module."""
    return {name: run_demo(name) for name in EXPECTED if "torch" not in demos[name].needs}


def test_registry_has_one_demo_per_claim_in_report_order():
    assert list(demos) == EXPECTED
    for info in demos.values():
        # the source names the primers as a reader can find them (tests/lab/test_ux10_lab_sources.py)
        assert info.claim.endswith(".") and info.source.strip() and "'" in info.source


def test_unknown_demo_has_a_did_you_mean_hint():
    with pytest.raises(LRKitError, match=r"unknown demo 'warmpu'; did you mean 'warmup'\?"):
        run_demo("warmpu")


def test_every_record_is_json_and_every_check_holds(records):
    for name, rec in records.items():
        data = json.loads(json.dumps(rec.to_dict(), allow_nan=False))
        assert data["demo"] == name and data["claim"] == demos[name].claim
        assert all(data["checks"].values()), (name, data["checks"])


def test_divergence_loss_grows_above_two_over_L(records):
    r = records["divergence"]
    for rate, run in zip(r.rates, r.runs):
        finite = run.losses[np.isfinite(run.losses)]
        if rate > r.stability_limit:
            assert finite[-1] > 100 * finite[0]
            # the stiff mode grows by |1 - eta L| per step: compare the last two finite iterates
            assert abs(run.xs[len(finite) - 1, 0]) > abs(run.xs[len(finite) - 2, 0])
        else:
            assert run.losses[-1] < run.losses[0] and run.diverged_at is None


def test_slow_convergence_low_rate_needs_more_steps(records):
    r = records["slow_convergence"]
    tuned = r.steps_to_target[-1]
    assert tuned is not None and tuned <= 40
    lowest = r.steps_to_target[0]
    assert lowest is None or lowest > 10 * tuned  # 0.01 does not get there within 2000 steps
    assert r.steps_to_target[1] > 10 * tuned
    # the closed form (worst eigen-direction) predicts the order of magnitude
    for measured, predicted in zip(r.steps_to_target[1:], r.predicted_steps[1:]):
        assert 0.5 * predicted < measured <= 1.05 * predicted


def test_oscillation_sign_flips_only_above_one_over_L(records):
    r = records["oscillation"]
    calm, wild = r.stiff
    assert np.all(calm > 0)
    assert np.all(np.sign(wild[1:]) == -np.sign(wild[:-1]))
    assert abs(wild[-1]) < abs(wild[0])  # overshooting but converging: 0.8 contraction per step


def test_stability_limit_matches_two_over_L(records):
    r = records["stability_limit"]
    np.testing.assert_allclose(r.predicted, 2 / np.array([0.5, 1.0, 4.0]))
    assert np.all(r.last_stable < r.predicted) and np.all(r.predicted < r.first_unstable)
    assert r.rule_of_thumb.tolist() == [True, True, False]  # 0.7 diverges when L = 4 (2/L = 0.5)


def test_schedules_start_fast_and_finish_precise(records):
    r = records["schedules_compared"]
    final = dict(zip(r.names, r.final_loss))
    early = dict(zip(r.names, r.mean_loss[:, r.early_step]))
    for name in ("step decay", "exponential", "linear decay", "cosine"):
        assert final[name] < final["constant, high"] / 3
        assert early[name] < early["constant, low"]
    assert final["constant, low"] < final["constant, high"]  # the 0.1-0.3 primer claim: small = more precise
    np.testing.assert_allclose(r.rates[r.names.index("linear decay")][[0, -1]], [1.0, 1.0 / 300])


def test_warmup_prevents_early_divergence(records):
    r = records["warmup"]
    cold, warm, low = r.runs
    assert cold.diverged_at is not None and cold.diverged_at <= 5
    assert r.sharpness[0][0] > 2  # first step already past the local limit 2 / curvature
    assert warm.final_loss < 1e-12 and r.sharpness[1].max() < 2
    assert low.final_loss > 1e-3
    np.testing.assert_allclose(warm.lrs[[0, 40, 100]], [0.005, 0.5, 0.5])


def test_adaptive_methods_scale_each_coordinate(records):
    r = records["adaptive_per_parameter"]
    ratio = dict(zip(r.names, r.flat_over_stiff))
    assert ratio["sgd"] == 1.0
    for name in ("adagrad", "rmsprop", "adam"):
        # on diag(1, 1/100) these methods divide by |g|: the flat axis gets ~condition x the rate
        assert ratio[name] == pytest.approx(r.condition, rel=0.05)
    assert ratio["adadelta"] > 10
    steps = dict(zip(r.names, r.steps_to_target))
    assert all(steps[n] < steps["sgd"] for n in ("adagrad", "rmsprop", "adam"))


def test_low_rate_stalls_in_the_local_minimum(records):
    r = records["local_minimum"]
    low = r.rates <= 0.1
    np.testing.assert_allclose(r.final_x[low], r.local_x, atol=1e-3)
    np.testing.assert_allclose(r.final_x[(~low) & (r.rates <= 0.2)], r.global_x, atol=1e-3)
    assert r.final_loss[low].min() > r.final_loss[~low].max()


def test_finder_suggestion_trains_and_blow_up_is_past_the_limit(records):
    r = records["finder_explained"]
    assert r.finder.stop_reason in ("diverged", "nan")
    assert r.rates[1] < r.stability_limit < r.rates[2]
    tiny, good, blown = r.runs
    assert good.final_loss < tiny.final_loss / 10 and blown.diverged_at is not None


def test_kohonen_linear_decay_coarse_then_fine(records):
    r = records["kohonen"]
    lin, high, low = r.results
    np.testing.assert_allclose(lin.lrs[[0, -1]], [0.5, 0.5 / 2000])
    assert lin.te[-1] < high.te[-1] and lin.qe[-1] < low.qe[-1]
    assert 5 * r.late_drift[0] < r.late_drift[1]


def test_batch_size_scaling_needs_an_in_memory_supervised_task():
    pytest.importorskip("torch")
    with pytest.raises(LRKitError, match=r"`task` of batch_size_scaling must be a supervised task"):
        run_demo("batch_size_scaling", task="charlm-small")


def test_batch_size_scaling_on_a_real_task():
    pytest.importorskip("torch")
    import torch

    torch.set_num_threads(1)
    r = run_demo("batch_size_scaling")
    assert r.updates == (180, 46, 12)
    none, sqrt, lin = r.val_loss[1:].T
    assert np.all(none > sqrt) and np.all(sqrt > lin)
    assert np.all(lin < 1.25 * r.val_loss[0, 0])
    assert r.holds()


@pytest.mark.parametrize(
    "name,kwargs,message",
    [
        ("divergence", {"factors": (0.5, -1.0)}, r"`factors` of divergence must be a finite number > 0"),
        ("slow_convergence", {"tolerance": 0.0}, r"`tolerance` of slow_convergence"),
        ("oscillation", {"calm": 0}, r"`calm` of oscillation"),
        ("stability_limit", {"num_rates": 2}, r"`num_rates` of stability_limit must be an integer >= 3"),
        ("schedules_compared", {"seeds": 0}, r"`seeds` of schedules_compared must be a positive integer"),
        ("warmup", {"peak": -0.5}, r"`peak` of warmup"),
        (
            "adaptive_per_parameter",
            {"condition": 0.5},
            r"`condition` of quadratic must be a finite number >= 1",
        ),
        ("local_minimum", {"rates": (0.1, 0.0)}, r"`rates` of local_minimum"),
        ("finder_explained", {"num_steps": 5}, r"`num_steps` of Sweep"),
        ("kohonen", {"iterations": 0}, r"`iterations` of kohonen must be a positive integer"),
        (
            "oscillation",
            {"rate": 1.0},
            r"demo 'oscillation' has no parameter `rate`; valid: calm, high, steps\.",
        ),
    ],
)
def test_demo_arguments_are_validated(name, kwargs, message):
    with pytest.raises(LRKitError, match=message):
        run_demo(name, **kwargs)


def test_records_compare_by_identity_not_elementwise(records):
    r = records["oscillation"]
    assert r == r and r != run_demo("oscillation")  # eq=False: no ambiguous array comparison
    assert r.to_dict() == run_demo("oscillation").to_dict()  # ...and the run is deterministic
    assert len({r, records["warmup"]}) == 2  # hashable


def test_kohonen_claim_holds_on_digits_too():
    pytest.importorskip("sklearn")
    r = run_demo("kohonen", data="digits", iterations=1000, samples=300)
    assert r.data == "digits" and r.results[0].weights.shape == (10, 10, 64)
    assert r.holds(), r.checks()
    with pytest.raises(LRKitError, match=r"`data` of kohonen must be one of 'colours', 'digits'"):
        run_demo("kohonen", data="faces")
