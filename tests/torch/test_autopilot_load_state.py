"""`Autopilot.load_state_dict` refuses, in one line and before it changes anything, a dict that is no
Autopilot state and a state saved for other parameters (found by the session 6 ux probe: it raised
`KeyError: 'budget'`, and a CNN's state loaded into an MLP's Autopilot was accepted, the run dying at
its first rollback with torch's size mismatch)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from lrkit import LRKitError  # noqa: E402
from lrkit.torch import Autopilot  # noqa: E402


def _autopilot(n_in: int, n_out: int, steps: int = 0) -> Autopilot:
    torch.manual_seed(0)
    model = torch.nn.Linear(n_in, n_out)
    ap = Autopilot(torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9), budget=100, model=model)
    x, y = torch.randn(32, n_in), torch.randn(32, n_out)
    for _ in range(steps):
        ap.optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        ap.step(loss)
    return ap


def _unchanged(ap: Autopilot) -> tuple:
    return ap.phase, ap.t, ap.lr, len(ap.probe_lrs), ap.peak


@pytest.mark.parametrize("state, match", [
    ({"x": 1}, r"got a dict without 'budget', 'probe_steps'"),
    (None, r"got NoneType"),
    ([1, 2], r"got list"),
])
def test_a_dict_that_is_no_autopilot_state_is_one_error(state, match):
    ap = _autopilot(3, 1, steps=5)
    before = _unchanged(ap)
    with pytest.raises(LRKitError, match=r"^`state_dict` of Autopilot must be what Autopilot.state_dict\(\) "
                                         r"returned; " + match):
        ap.load_state_dict(state)
    assert _unchanged(ap) == before


@pytest.mark.parametrize("steps", [3, 20])  # in the ramp (its states), and after it (the guard's snapshot)
def test_a_state_saved_from_another_model_is_one_error_at_load(steps):
    saved = _autopilot(4, 2, steps=steps).state_dict()
    ap = _autopilot(3, 1, steps=5)
    before = _unchanged(ap)
    with pytest.raises(LRKitError, match=r"^`state_dict` of Autopilot was saved for 2 tensors of shapes "
                                         r"\[2, 4\], \[2\], not this run's 2 of \[1, 3\], \[1\]; load it"):
        ap.load_state_dict(saved)
    assert _unchanged(ap) == before


def test_a_state_of_the_same_model_still_loads():
    saved = _autopilot(3, 1, steps=20).state_dict()
    ap = _autopilot(3, 1)
    ap.load_state_dict(saved)
    assert (ap.phase, ap.t) == (saved["phase"], saved["t"])
