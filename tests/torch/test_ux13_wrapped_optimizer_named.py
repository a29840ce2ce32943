"""ux13 L10: ``find_lr`` on accelerate's prepared optimizer named the wrapper: "Use a peak learning rate of
0.0305 for AcceleratedOptimizer (betas 0.9, 0.999; weight decay 0.01)", and the report's Python lines had no
constructor; now the user's class (AdamW) and its constructor, under accelerate's or Lightning's wrapper."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("accelerate")

from lrkit.finder import Sweep, advise  # noqa: E402
from lrkit.torch import find_lr  # noqa: E402


@pytest.fixture
def accelerator():
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState, GradientState

    yield Accelerator(cpu=True)
    AcceleratorState._reset_state(True)
    GradientState._reset_state()


def test_a_prepared_optimizer_is_described_by_the_users_class(accelerator):
    torch.manual_seed(0)
    x = torch.randn(256, 8)
    data = torch.utils.data.TensorDataset(x, (x[:, 0] > 0).long())
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model, opt, loader = accelerator.prepare(model, opt, torch.utils.data.DataLoader(data, batch_size=16))
    result = find_lr(model, opt, torch.nn.functional.cross_entropy, loader, sweep=Sweep(num_steps=20),
                     interval=False, retry=False)
    described = result.meta["optimizer"]
    assert described["name"] == "AdamW" and described["module"] == "torch.optim.adamw"
    assert described["constructor"] == "torch.optim.AdamW(model.parameters(), lr={lr})"
    assert advise(result).optimizer.startswith("AdamW (")
