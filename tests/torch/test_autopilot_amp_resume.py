"""The scaler's skipped updates survive a resume: ``Autopilot.state_dict`` holds ``amp_skips`` (every update
the loop's ``GradScaler`` skipped) and the run of them in a row now (past ``MAX_AMP_SKIPS`` in a row the
gradients are a fault). A resumed run lost both: it reported fewer skips than the run made, and a run of
overflows checkpointed halfway waited ``MAX_AMP_SKIPS`` more before calling them a fault. A state saved
before they were kept still loads, as a run with no skips so far."""

from __future__ import annotations

import io

import pytest
import torch
from torch import nn

from lrkit import LRKitError
from lrkit.torch import Autopilot
from lrkit.torch._finder_runner import MAX_AMP_SKIPS

from .test_autopilot_grad_scaler import advance, parts

#: The loss scaler's first scale: its first 8 updates overflow (a GradScaler halves its scale on each).
_HIGH = 2.0**24


def _resumed(at: int, *, drop: tuple[str, ...] = ()):
    """The run checkpointed after ``at`` calls (``torch.save``), loaded into fresh objects, finished;
    ``drop``: keys taken out of the saved Autopilot state (a state saved by an older lrkit)."""
    model, opt, scaler, ap = parts(_HIGH)
    calls = advance(model, opt, scaler, ap, 0, at)
    skips_then = ap.amp_skips
    buf = io.BytesIO()
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "scaler": scaler.state_dict(),
                "ap": ap.state_dict()}, buf)
    buf.seek(0)
    saved = torch.load(buf, weights_only=True)
    for key in drop:
        del saved["ap"][key]
    model, opt, scaler, ap = parts(init_scale=1.0)  # the scale comes from the checkpoint
    model.load_state_dict(saved["model"])
    opt.load_state_dict(saved["opt"])
    scaler.load_state_dict(saved["scaler"])
    ap.load_state_dict(saved["ap"])
    advance(model, opt, scaler, ap, calls, 10**6)
    return model, ap, skips_then


def test_a_resumed_run_counts_the_skips_made_before_the_checkpoint():
    model, opt, scaler, ap = parts(_HIGH)
    advance(model, opt, scaler, ap, 0, 10**6)
    assert ap.amp_skips > 0
    resumed, rap, skips_then = _resumed(4)
    assert 0 < skips_then < ap.amp_skips  # skips on both sides of the checkpoint, in one run of them
    assert rap.amp_skips == ap.amp_skips
    assert rap.events == ap.events
    assert all(torch.equal(a, b) for a, b in zip(resumed.parameters(), model.parameters()))


def test_a_state_saved_before_amp_skips_was_kept_loads_as_no_skips_so_far():
    model, opt, scaler, ap = parts(_HIGH)
    advance(model, opt, scaler, ap, 0, 10**6)
    resumed, rap, skips_then = _resumed(4, drop=("amp_skips", "amp_run"))
    assert rap.amp_skips == ap.amp_skips - skips_then
    assert rap.events == ap.events
    assert all(torch.equal(a, b) for a, b in zip(resumed.parameters(), model.parameters()))


def _stuck_run():
    w = nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([w], lr=0.1)
    scaler = torch.amp.GradScaler("cpu")
    return w, opt, scaler, Autopilot(opt, budget=40, scaler=scaler)


def _stuck_steps(w, opt, scaler, ap, n: int) -> None:
    for _ in range(n):
        opt.zero_grad()
        loss = w.abs().sqrt().sum()  # finite (0), its gradient at 0 is not
        scaler.scale(loss).backward()
        ap.step(loss)
        scaler.update()


def test_a_run_of_skips_checkpointed_halfway_is_a_fault_after_max_amp_skips_in_all():
    w, opt, scaler, ap = _stuck_run()
    _stuck_steps(w, opt, scaler, ap, 10)
    saved = ap.state_dict()
    w, opt, scaler, fresh = _stuck_run()
    fresh.load_state_dict(saved)
    assert fresh.amp_skips == 10
    _stuck_steps(w, opt, scaler, fresh, MAX_AMP_SKIPS - 10)  # MAX_AMP_SKIPS in a row: the scaler's overflow
    assert fresh.amp_skips == MAX_AMP_SKIPS
    with pytest.raises(LRKitError, match="the gradients must be finite at the first update"):
        _stuck_steps(w, opt, scaler, fresh, 1)
