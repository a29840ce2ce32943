"""``find_lr`` on accelerate-prepared objects in one process: an fp16-style optimizer steps through its
loss scaler, and a prepared loader's epoch and registration come back (``lrkit.torch._accelerate``).

The two-process behaviour (loss mean, joint stop) is in ``test_accelerate_launch.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("accelerate")

from lrkit.finder import Sweep  # noqa: E402
from lrkit.torch import find_lr  # noqa: E402
from lrkit.torch._accelerate import LoaderPosition, is_prepared, snapshot_extras, unwrap_scaled  # noqa: E402


@pytest.fixture
def accelerator() -> Iterator[object]:
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState, GradientState

    yield Accelerator(cpu=True)
    AcceleratorState._reset_state(True)
    GradientState._reset_state()


def _data(n: int = 256) -> torch.utils.data.DataLoader:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 3, generator=g)
    return torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, x.sum(1, keepdim=True)),
        batch_size=16,
        shuffle=True,
        generator=torch.Generator().manual_seed(1),
    )


def _mse(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return ((out - y) ** 2).mean()


def test_an_optimizer_with_a_loss_scaler_is_stepped_through_that_scaler(
    accelerator, fingerprint, assert_same
):
    from accelerate.optimizer import AcceleratedOptimizer

    model = torch.nn.Linear(3, 1)
    inner = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**10)
    opt = AcceleratedOptimizer(inner, scaler=scaler)  # what prepare() builds under mixed_precision="fp16"
    assert unwrap_scaled(opt, None) == (inner, scaler) and unwrap_scaled(opt, "mine") == (opt, "mine")
    steps: list[float] = []
    inner.register_step_pre_hook(lambda o, a, k: steps.append(o.param_groups[0]["lr"]))
    before, scale = fingerprint(model, inner), scaler.get_scale()
    res = find_lr(model, opt, _mse, _data(), sweep=Sweep(start=1e-4, end=1.0, num_steps=15), interval=False)
    # every update of every pass (a sweep without a signal gets a second one) goes through the scaler
    assert len(steps) == res.meta["updates"] + res.meta["amp_skipped_steps"] and res.steps > 10
    assert_same(before, fingerprint(model, inner))
    assert scaler.get_scale() == scale  # the scaler's state is restored too


def test_a_prepared_loader_gets_its_epoch_and_registration_back(accelerator):
    loader, control = accelerator.prepare(_data()), accelerator.prepare(_data())
    assert is_prepared(loader) and not is_prepared(_data())
    extras = snapshot_extras([None, loader])
    assert len(extras) == 1 and isinstance(extras[0], LoaderPosition)  # its own state_dict is unusable here
    model = torch.nn.Linear(3, 1)
    res = find_lr(model, torch.optim.SGD(model.parameters(), lr=0.1), _mse, loader,
                  sweep=Sweep(start=1e-4, end=1.0, num_steps=40), interval=False)
    assert res.meta["loader_passes"] == 2  # 40 batches: two passes of 16 and a half, cycled quietly
    assert loader.iteration == 0 and not accelerator.gradient_state.in_dataloader
    # the next epoch draws what it would have drawn without the sweep
    assert all(torch.equal(a[0], b[0]) for a, b in zip(loader, control))
