"""Validation mode reads a BatchNorm model through running statistics of its current weights.

In ``eval()`` mode a BatchNorm layer normalises with an average of past batch statistics; in a sweep the
weights move at every update and that average lags them, so the validation loss rose from the first
update for reasons the weights did not cause (``tests/torch/test_find_lr_loss_words.py`` has the zoo
case). ``find_lr`` settles the statistics on the validation batches before each read and puts every
buffer and every layer's ``momentum`` back afterwards.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lrkit import LRKitError
from lrkit.torch import Validation, find_lr
from lrkit.torch._finder_norm import running_norms, settled_statistics


def _forward(model, batch):
    return model(batch[0]), batch[1]


def _net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))


def _batches(n: int, seed: int = 1) -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(16, 6, generator=g) * 3 + 1, torch.randint(0, 3, (16,), generator=g))
            for _ in range(n)]


def test_running_norms_are_the_layers_that_keep_running_statistics():
    net = nn.Sequential(nn.BatchNorm1d(4), nn.BatchNorm2d(4), nn.InstanceNorm1d(4, track_running_stats=True),
                        nn.InstanceNorm1d(4), nn.LayerNorm(4), nn.GroupNorm(2, 4),
                        nn.BatchNorm1d(4, track_running_stats=False))
    assert [type(m).__name__ for m in running_norms(net)] == ["BatchNorm1d", "BatchNorm2d", "InstanceNorm1d"]
    assert running_norms(nn.Linear(2, 2)) == []


def test_settled_statistics_are_the_cumulative_average_over_the_batches_for_the_current_weights():
    torch.set_num_threads(1)
    net, data = _net(), _batches(3)
    bn = net[1]
    bn.running_mean.fill_(5.0)  # stale statistics of other weights
    with settled_statistics(net, running_norms(net), data, _forward):
        assert not net.training and not bn.training
        hidden = [net[0](x).detach() for x, _ in data]
        mean = torch.stack([h.mean(0) for h in hidden]).mean(0)
        var = torch.stack([h.var(0, unbiased=True) for h in hidden]).mean(0)
        torch.testing.assert_close(bn.running_mean, mean)
        torch.testing.assert_close(bn.running_var, var)
    assert net.training and bn.momentum == 0.1


def test_the_momentum_comes_back_when_the_forward_fails():
    net = _net()
    net[1].momentum = 0.3

    def broken(model, batch):
        raise RuntimeError("shape mismatch")

    with pytest.raises(RuntimeError, match="shape mismatch"):
        with settled_statistics(net, running_norms(net), _batches(1), broken):
            pass
    assert net[1].momentum == 0.3


@pytest.mark.parametrize("fail", [False, True])
def test_find_lr_in_validation_mode_restores_every_buffer_and_the_momentum(fail: bool):
    torch.set_num_threads(1)
    net = _net()
    net[1].momentum = 0.05
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    calls = [0]

    def loss_fn(out, y):
        calls[0] += 1
        if fail and calls[0] == 40:  # inside the sweep, after several settled reads
            raise RuntimeError("the loss failed")
        return nn.functional.cross_entropy(out, y)

    rng = torch.get_rng_state()
    if fail:
        with pytest.raises(RuntimeError, match="the loss failed"):
            find_lr(net, opt, loss_fn, _batches(8, seed=2), validation=Validation(_batches(2)),
                    interval=False)
    else:
        r = find_lr(net, opt, loss_fn, _batches(8, seed=2), validation=Validation(_batches(2)),
                    interval=False)
        assert r.meta["loss"] == "val"
    assert net[1].momentum == 0.05 and net.training
    for k, v in net.state_dict().items():
        assert torch.equal(v, before[k]), k
    assert torch.equal(torch.get_rng_state(), rng)


def test_validation_batches_of_one_sample_on_a_batchnorm_model_are_refused_with_the_way_out():
    torch.set_num_threads(1)
    net = _net()
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    ones = [(x[:1], y[:1]) for x, y in _batches(2)]
    with pytest.raises(LRKitError, match=r"`validation.loader` of find_lr yields batches of one sample"):
        find_lr(net, opt, torch.nn.functional.cross_entropy, _batches(4, seed=2), validation=Validation(ones),
                interval=False)
    assert net[1].momentum == 0.1 and all(torch.equal(v, before[k]) for k, v in net.state_dict().items())
