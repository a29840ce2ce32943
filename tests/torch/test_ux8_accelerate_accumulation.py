"""``find_lr`` on objects prepared by an ``Accelerator(gradient_accumulation_steps=k)`` sweeps one rate per
real update of the run, or says it does not (ux8 probe).

The README promises "one LR step per real optimizer step", and ``lrkit.hf.find_lr`` reads the Trainer's
``gradient_accumulation_steps`` by itself. Under accelerate the prepared optimizer carries ``k``
(``AcceleratedOptimizer.gradient_state.num_steps``), but ``find_lr`` reads one micro-batch per swept rate
and steps the optimizer after each, silently: the curve is read at a batch ``k`` times smaller than the
run's and the suggestion is for that batch (docs/integrations.md, "find_lr under accelerate launch",
says nothing of accumulation). Either honour ``k`` (``k`` micro-batches a rate, one real step) or say so
(a warning or an error naming ``Update(accumulation_steps=...)``); the test accepts either. Owner:
finder (``torch/_finder.py``, ``torch/_accelerate.py``).
"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("accelerate")

from lrkit import LRKitError  # noqa: E402
from lrkit.finder import Sweep  # noqa: E402
from lrkit.torch import find_lr  # noqa: E402


@pytest.fixture
def accelerator():
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState, GradientState

    yield Accelerator(cpu=True, gradient_accumulation_steps=4)
    AcceleratorState._reset_state(True)
    GradientState._reset_state()


def test_a_prepared_run_with_accumulation_is_swept_per_update_or_told(accelerator):
    torch.manual_seed(0)
    x = torch.randn(512, 3, generator=torch.Generator().manual_seed(0))
    data = torch.utils.data.TensorDataset(x, x.sum(1, keepdim=True))
    loader = torch.utils.data.DataLoader(data, batch_size=8)
    model = torch.nn.Linear(3, 1)
    inner = torch.optim.SGD(model.parameters(), lr=0.1)
    model, opt, loader = accelerator.prepare(model, inner, loader)
    steps, micro = [], []
    inner.register_step_pre_hook(lambda o, a, k: steps.append(o.param_groups[0]["lr"]))

    def loss_fn(out, y):
        micro.append(1)
        return ((out - y) ** 2).mean()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            find_lr(model, opt, loss_fn, loader, sweep=Sweep(start=1e-4, end=1.0, num_steps=12),
                    interval=False, retry=False)
        except LRKitError as e:
            assert "accumulation" in str(e)
            return
    told = [w for w in caught if "accumulation" in str(w.message)]
    assert told or len(micro) == 4 * len(steps), (len(micro), len(steps))


def test_the_accelerator_accumulation_is_honoured_and_an_explicit_one_kept(accelerator):
    from lrkit.torch import Update

    x = torch.randn(256, 3, generator=torch.Generator().manual_seed(0))
    data = torch.utils.data.TensorDataset(x, x.sum(1, keepdim=True))
    loader = torch.utils.data.DataLoader(data, batch_size=8)
    model = torch.nn.Linear(3, 1)
    model, opt, loader = accelerator.prepare(model, torch.optim.SGD(model.parameters(), lr=0.1), loader)

    def loss_fn(out, y):
        return ((out - y) ** 2).mean()

    sweep = Sweep(start=1e-4, end=1.0, num_steps=12)
    read = find_lr(model, opt, loss_fn, loader, sweep=sweep, interval=False, retry=False)
    told = find_lr(model, opt, loss_fn, loader, sweep=sweep, interval=False, retry=False,
                   update=Update(accumulation_steps=2))
    assert read.meta["accumulation_steps"] == 4 and told.meta["accumulation_steps"] == 2
