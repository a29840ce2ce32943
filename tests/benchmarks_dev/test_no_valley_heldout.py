"""benchmarks/dev/no_valley_heldout.py: the no-valley rule's held-out workloads stay out of the zoo, in
families it does not have, and build like zoo workloads (a seed fixes weights and batches)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from dev import no_valley_heldout as held  # noqa: E402

from lrkit import zoo  # noqa: E402
from lrkit.tasks import train  # noqa: E402


def test_none_is_in_the_zoo_nor_in_a_zoo_family():
    assert held.names() == list(held.CANDIDATES)
    assert not set(held.names()) & set(zoo.names())
    assert not {held.candidate(n).info.family for n in held.names()} & set(zoo.families())
    assert {ramp for ramp, _ in held.CANDIDATES.values()} == {"quiet", "noisy"}


@pytest.mark.parametrize("name", ["deep-linear-smallinit-sgd", "recsys-factors-adam", "sigmoid-blobs4-plain"])
def test_a_workload_trains_and_a_seed_fixes_its_run(name):
    w = held.candidate(name)
    a, b = (train(w, lr=w.info.default_lr, budget=5, seed=1) for _ in range(2))
    assert a.metric == b.metric and a.metric_name == w.info.metric
    assert set(w.worst()) >= {w.info.metric, "val_loss"}


def test_the_flat_digits_and_the_table_are_fixed_splits_of_bundled_data():
    x, y, xv, yv = held.digit_vectors()
    images = held.digit_images()
    assert x.shape[1:] == (64,) and torch.equal(x, images[0].reshape(len(x), -1))
    assert torch.equal(y, images[1])
    bx, by, bxv, byv = held.blobs()
    assert (len(bx), len(bxv)) == (960, 240) and set(by.tolist()) == {0, 1, 2, 3}
    assert abs(float(torch.cat([bx, bxv]).mean())) < 1e-5  # z-scored over the whole table


def test_the_heavy_tail_rows_carry_noise_only_in_training():
    x_train, y_train, x_val, y_val = held.heavy_tail()
    assert abs(float(y_val.std()) - 1.0) < 0.1  # the clean target, z-scored
    assert float(y_train.abs().max()) > 10 * float(y_val.abs().max()) / 3  # Student-t(2) draws


def test_a_small_initialisation_shrinks_every_parameter():
    torch.manual_seed(0)
    plain = held._stack((4, 8, 2), torch.nn.Tanh)
    torch.manual_seed(0)
    small = held._Scaled(held._stack((4, 8, 2), torch.nn.Tanh), 0.1)
    for p, q in zip(plain.parameters(), small.parameters()):
        assert torch.allclose(p * 0.1, q)


def test_the_runs_read_a_grid_and_a_ramp_as_the_zoo_and_the_rule_do():
    import numpy as np

    from dev import no_valley_heldout_runs as runs
    from lrkit.torch._autopilot_peak import no_valley_divisor

    name = "parity-mlp-momentum"  # val_acc, untrained 0.5
    g = {0.01: [0.9, 0.9, 0.9], 0.1: [1.0, 1.0, 1.0], 1.0: [0.5, 0.5, 0.5]}
    assert runs.best_of(g, True) == (0.1, 1.0) and runs.trains(name, g)
    assert runs.regret(name, 1.0, g) == 0.0 and abs(runs.regret(name, 0.75, g) - 50.0) < 1e-9
    assert not runs.trains(name, {0.1: [0.51, 0.5, 0.5]})  # 0.3 points: no gain to measure a gap in
    rng = np.random.default_rng(0)
    for losses in (2.08 + rng.normal(0, 0.01, 80), 2.3 + rng.normal(0, 0.2, 80)):
        rec = {"probe_losses": list(losses), "how": "...; taken at the band's floor r/30 = 0.01"}
        noise, k = no_valley_divisor(losses)
        assert runs.noise(rec) == noise and runs.ramp(rec) == ("quiet" if k == 10 else "noisy")
        assert runs.at_floor(rec)
    assert runs.given(30) == {"no_valley_peak": "noise", "no_valley_below": (30.0, 30.0)}
