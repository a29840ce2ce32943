"""``LRScheduler(per_update=...)``: ``t`` counts real optimizer updates, however often ``step()`` is called.

The oracle is the optimizer itself: a step pre-hook records the rate each real
update used, which must be ``schedule(0), schedule(1), ...``. The multi-process
case (a real ``accelerate launch``) is in ``test_accelerate_launch.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

torch = pytest.importorskip("torch")

from lrkit import LRKitError  # noqa: E402
from lrkit.schedules import parse  # noqa: E402
from lrkit.torch import LRScheduler  # noqa: E402

SPEC = "linear(start=0.01, end=0.1, steps=5) >> cosine(lr=0.1, steps=20)"


def _setup(**kwargs):
    model = torch.nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    used: list[float] = []
    opt.register_step_pre_hook(lambda o, a, k: used.append(o.param_groups[0]["lr"]))
    return model, opt, LRScheduler(opt, SPEC, **kwargs), used


def _backward(model, scale: float = 1.0) -> None:
    (model(torch.randn(4, 3)).pow(2).mean() * scale).backward()


def test_repeated_calls_per_update_advance_once():
    model, opt, sched, used = _setup(per_update=True)
    for _ in range(12):
        _backward(model)
        opt.step()
        for _ in range(3):  # what AcceleratedScheduler does on 3 processes
            sched.step()
    want = parse(SPEC)
    assert used == [want(t) for t in range(12)] and sched.t == 12


def test_a_call_per_micro_batch_advances_once_per_update():
    model, opt, sched, used = _setup(per_update=True)
    for i in range(4 * 6):  # accumulation over 4 micro-batches, step() after each one
        _backward(model)
        if i % 4 == 3:
            opt.step()
            opt.zero_grad()
        sched.step()
    assert sched.t == 6 and used == [parse(SPEC)(t) for t in range(6)]


def test_an_update_the_loss_scaler_skips_does_not_advance():
    model, opt, sched, used = _setup(per_update=True)
    scaler = torch.amp.GradScaler("cpu")
    for i in range(5):
        opt.zero_grad()
        scaler.scale(model(torch.randn(4, 3)).pow(2).mean() * (float("inf") if i == 2 else 1.0)).backward()
        scaler.step(opt)  # skips opt.step() when the gradients are not finite
        scaler.update()
        sched.step()
    assert len(used) == 4 and sched.t == 4


def test_by_default_every_call_advances_as_in_torch():
    _, _, sched, _ = _setup()
    for _ in range(3):
        sched.step()  # no optimizer update in between: torch's schedulers advance, so does the default
    assert sched.t == 3


def test_an_explicit_epoch_still_jumps():
    _, _, sched, _ = _setup(per_update=True)
    sched.step(epoch=7)
    assert sched.t == 7


def test_bad_per_update_is_refused_before_anything_changes():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(
        LRKitError, match="`per_update` of LRScheduler must be True, False or None; got 'yes'"
    ):
        LRScheduler(opt, SPEC, per_update="yes")
    assert not opt._optimizer_step_post_hooks and opt.param_groups[0]["lr"] == 0.1


@pytest.fixture
def accelerator_state() -> Iterator[None]:
    pytest.importorskip("accelerate")
    from accelerate.state import AcceleratorState, GradientState

    yield
    AcceleratorState._reset_state(True)
    GradientState._reset_state()


@pytest.mark.parametrize("with_optimizer", [True, False])
def test_under_an_accelerator_with_accumulation_t_counts_updates(accelerator_state, with_optimizer):
    # One process: step_scheduler_with_optimizer=False passes every call through, one per micro-batch;
    # the default lets accelerate decide. Either way t must be the number of real updates.
    from accelerate import Accelerator

    acc = Accelerator(cpu=True, gradient_accumulation_steps=3, step_scheduler_with_optimizer=with_optimizer)
    model = torch.nn.Linear(3, 1)
    raw = torch.optim.SGD(model.parameters(), lr=0.1)
    used: list[float] = []
    raw.register_step_pre_hook(lambda o, a, k: used.append(o.param_groups[0]["lr"]))
    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(36, 3)), batch_size=2)
    model, opt, data, sched = acc.prepare(model, raw, data, LRScheduler(raw, SPEC))
    for (x,) in data:
        with acc.accumulate(model):
            acc.backward(model(x).pow(2).mean())
            opt.step()
            sched.step()
            opt.zero_grad()
    assert len(used) == 6 and sched.scheduler.t == 6
    assert used == [parse(SPEC)(t) for t in range(6)]
