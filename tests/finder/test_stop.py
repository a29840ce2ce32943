"""The divergence stop rule: affine-invariant, spike-tolerant, identical online and offline."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrkit import LRKitError
from lrkit.finder import DivergenceMonitor, FinderPolicy, divergence_index, synthetic


def _online(losses, threshold=2.0, policy=None):
    m = DivergenceMonitor(policy=policy or FinderPolicy(diverge_threshold=threshold))
    for i, v in enumerate(losses):
        if m.update(v):
            return i
    return None


def test_stops_on_the_second_consecutive_loss_above_the_bar():
    y = [5, 5, 5, 5, 5, 4, 3, 2, 1, 1, 7.5, 7.9, 30]
    # start level 4.5 (median of the first 10), best 1, noise 0.74 (plateau MAD):
    # bar = 1 + 2 * max(4.5 - 1, 4 * 0.74) = 8; and 7.9 is below it.
    assert _online(y) is None
    y = [5, 5, 5, 5, 5, 4, 3, 2, 1, 1, 8.1, 8.2, 30]
    assert _online(y) == 11
    assert divergence_index(y) == 10


def test_one_spike_is_not_divergence():
    y = [5, 5, 5, 5, 5, 4, 3, 2, 1, 1, 9, 1, 1, 1]
    assert _online(y) is None and divergence_index(y) is None


def test_warmup_points_are_never_judged():
    assert _online([1, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]) is None
    assert DivergenceMonitor().bar() == float("inf")


@given(
    a=st.floats(1e-6, 1e6),
    c=st.floats(-1e4, 1e4),
    seed=st.integers(0, 1000),
)
def test_decision_is_invariant_to_affine_changes_of_the_loss(a, c, seed):
    lrs = np.geomspace(1e-6, 10.0, 100)
    y = synthetic.curve(lrs, noise=0.02, seed=seed)
    # c is relative to the new scale a: the loss keeps ~12 significant digits of its noise.
    assert divergence_index(y) == divergence_index(a * y + a * c)


#: A rebound depth no loss reaches: the offline cut is then the stop rule's alone.
NO_REBOUND = FinderPolicy(rebound_depth=1e9)


def test_negative_losses_diverge_like_positive_ones():
    lrs = np.geomspace(1e-6, 10.0, 100)
    y = synthetic.curve(lrs, noise=0.0)
    for policy in (FinderPolicy(), NO_REBOUND):
        cut = divergence_index(y, policy=policy)
        assert cut == divergence_index(y - 10.0, policy=policy) == divergence_index(y - 1e3, policy=policy)
    assert lrs[divergence_index(y, policy=NO_REBOUND)] > 1e-1  # past the blow-up (1e-1), not earlier
    # The rebound (half the progress undone, twice in a row) ends the curve on the blow-up's flank.
    assert 1e-2 < lrs[divergence_index(y)] <= lrs[divergence_index(y, policy=NO_REBOUND)]


def test_offline_matches_online_on_random_curves():
    rng = np.random.default_rng(0)
    for _ in range(50):
        y = np.cumsum(rng.standard_normal(60)) * rng.uniform(0.01, 10)
        on = _online(y.tolist())
        off = divergence_index(y, policy=NO_REBOUND)
        # Offline, the cut moves back over the unstable run that led to the stop.
        assert (on is None and off is None) or off <= on - 1
        # A rebound can only end the curve earlier.
        cut = divergence_index(y)
        assert cut == off or (cut is not None and (off is None or cut < off))


def test_threshold_controls_how_far_it_lets_the_loss_rise():
    lrs = np.geomspace(1e-6, 10.0, 200)
    y = synthetic.curve(lrs, noise=0.0)
    cut = [divergence_index(y, policy=NO_REBOUND.replace(diverge_threshold=tau)) for tau in (1.0, 2.0, 8.0)]
    assert cut[0] < cut[1] < cut[2]
    cut = [divergence_index(y, policy=FinderPolicy(rebound_depth=rho)) for rho in (0.25, 0.5, 1.0)]
    assert cut[0] < cut[1] < cut[2]


def test_a_non_finite_loss_ends_the_sweep():
    assert divergence_index([1.0, 1.0, np.nan, 1e9, 1e9]) == 2  # a non-finite loss ends the sweep


def test_bad_threshold():
    pattern = r"`diverge_threshold` of FinderPolicy must be a finite number > 0; got -1"
    with pytest.raises(LRKitError, match=pattern):
        DivergenceMonitor(policy=FinderPolicy(diverge_threshold=-1))
    with pytest.raises(LRKitError, match=r"`policy` of DivergenceMonitor must be a FinderPolicy; got 2.0"):
        DivergenceMonitor(policy=2.0)


#: The first 40 validation losses of a BatchNorm 1-D CNN read after each update in validation mode
#: (``benchmarks/dev/finder_probe_workloads.py``, ``cnn1d``, seed 1; Adam at 1e-7 .. 1.2e-4).
NEARLY_NOISELESS = [
    1.3932723, 1.3932725, 1.3932724, 1.3932723, 1.3932721, 1.3932718, 1.3932715, 1.3932713, 1.3932712,
    1.3932711, 1.3932706, 1.3932702, 1.3932698, 1.3932695, 1.39327, 1.3932702, 1.3932697, 1.3932701,
    1.3932705, 1.3932702, 1.3932705, 1.393268, 1.3932666, 1.3932681, 1.3932703, 1.3932741, 1.3932791,
    1.3932779, 1.3932803, 1.3932713, 1.3932554, 1.3932414, 1.3932306, 1.393231, 1.3932225, 1.393197,
    1.3931687, 1.3931417, 1.3931236, 1.3931625,
]


def test_a_drift_of_a_nearly_noiseless_plateau_is_not_a_blow_up_under_the_validation_floor():
    # A fixed validation subset read after each update has almost no noise: the curve wanders by 1e-5 of
    # its level on the plateau, and with the training read's floor (1e-6 of the level) the stop rule called
    # that a blow-up (at loss 27, 1.5e-5, four decades under the descent). find_lr's validation mode uses
    # val_level_floor, under which a rise must be material to count; the real blow-up still ends the sweep.
    y = [*NEARLY_NOISELESS, *np.linspace(1.393, 0.9, 25).tolist(), 1.0, 2.5, 6.0, 20.0]
    val = FinderPolicy().replace(level_floor=FinderPolicy().val_level_floor)
    assert _online(y, policy=val) == len(y) - 2
    assert _online(y) == 27
