"""ux17 D1: ``find_lr`` with an optimizer whose every parameter is frozen (the head forgotten) answers a rate.

Probe (``/work/notes/ux17/f1_nolearn.py``; a fine-tune on digits 5-9 of a body pretrained in the probe on
digits 0-4, the body frozen with ``requires_grad=False``, a new head): the user builds the optimizer on
the body alone, ``SGD(model[0].parameters(), lr=0.1)``, so nothing the loss depends on can move. The
Autopilot refuses the same optimizer before any update ("`model` of Autopilot has 2 trainable
parameters the optimizer does not update ..."), and ``check_trains_model``'s own docstring says an
optimizer that updates nothing ends in "no answer". ``find_lr`` instead sweeps twice and answers a rate on
2 of 4 seeds: 0.000156 and 0.0314, ``low`` ("the loss fell only 2.4 times its batch-to-batch noise ...
Trust it as a starting point ..."), read from batch noise of a model that never changed. The same
setup with a random frozen body (this test): 0.000227, 0.310, None, 0.00446, None, None on seeds 0-5.
A rate for a model that cannot train is worse than an honest "nothing updates" (the brief: failure
modes are features). Expected: refused before any update with one ``LRKitError`` naming the optimizer
(as the Autopilot does), or at least no suggestion. Fixed with ux16 L1: refused before any batch is drawn
(``lrkit.torch._groups.check_trainable``, ``tests/torch/test_ux16_frozen_only_optimizer.py``).
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
datasets = pytest.importorskip("sklearn.datasets")

from lrkit import LRKitError  # noqa: E402
from lrkit.torch import find_lr  # noqa: E402


def _frozen_body_task(seed: int):
    d = datasets.load_digits()
    x = torch.tensor(d.data / 16.0, dtype=torch.float32)
    y = torch.tensor(d.target)
    keep = y >= 5
    x, y = x[keep], y[keep] - 5
    torch.manual_seed(seed)
    body = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 32),
                               torch.nn.ReLU())
    for p in body.parameters():
        p.requires_grad_(False)
    model = torch.nn.Sequential(body, torch.nn.Linear(32, 5))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=32, shuffle=True,
                                         generator=torch.Generator().manual_seed(seed))
    return model, torch.optim.SGD(body.parameters(), lr=0.1), loader


@pytest.mark.parametrize("seed", [0, 1])
def test_an_optimizer_that_updates_nothing_gets_no_rate(seed):
    torch.set_num_threads(1)
    model, opt, loader = _frozen_body_task(seed)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    try:
        result = find_lr(model, opt, torch.nn.CrossEntropyLoss(), loader, seed=seed, progress=False)
    except LRKitError as err:
        assert "optimizer" in str(err)
    else:
        assert result.suggestion is None, f"a rate for a model that cannot train: {result.suggestion}"
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
