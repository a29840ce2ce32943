"""The Autopilot resumes bit-identically at any update, in every probe mode (issue 19).

A run is checkpointed at random updates with ``torch.save`` (model, optimizer, Autopilot, data
generator), loaded into fresh objects with ``torch.load(weights_only=True)``, and continued; its
weights, optimizer state, rate and event log must equal the uninterrupted run's bit for bit.
Covered: during a rolled-back probe (the pre-probe state is in the checkpoint), during a ramp
(its recorded states are), with no budget (rolled-back probe, then the diagnosis reactions),
with a known peak (the probe's choice replaced, in both probe modes), during a race after the
ramp (its shared start and best-so-far snapshots are in the checkpoint), and between a rollback
snapshot and two NaNs in a row (the guard's snapshot is in the checkpoint, so the second NaN rolls
back to it, not to the resume point; resumed between the two, the pending fault is in it too), and
inside the tail average of the weights (its running mean is in the
checkpoint, so the weights written when the budget is spent are the uninterrupted run's).
"""

from __future__ import annotations

import io
import zlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lrkit.torch import Autopilot, AutopilotPolicy  # noqa: E402

from ._autopilot_run import regression  # noqa: E402

MODES = {
    "rollback": dict(budget=120, probe="rollback", probe_steps=30, optimizer="sgd"),
    "ramp": dict(budget=120, probe="ramp", optimizer="adam"),
    "ramp-sgd": dict(budget=80, probe="ramp", optimizer="sgd"),
    "no budget": dict(budget=None, probe="auto", probe_steps=20, optimizer="sgd", check_every=20, steps=150),
    # a known peak: the probe still runs (as the warmup, or rolled back) but its choice is replaced
    "peak ramp": dict(budget=120, probe="ramp", optimizer="adam", peak=3e-3),
    "peak rollback": dict(budget=120, probe="rollback", probe_steps=30, optimizer="sgd", peak=0.05),
    # a race after the ramp (its start and best-so-far snapshots are in the checkpoint): resumed
    # inside each of its three 8-update segments and at their boundaries
    "race": dict(budget=120, probe="ramp", optimizer="adam", race=(0.25, 1.0, 4.0), at=(31, 38, 39, 46, 52)),
    # the tail average of the weights (its running mean is in the checkpoint): resumed before it
    # starts, inside it (around the NaN's rollback), and one update before the budget is spent
    "average": dict(budget=120, probe="ramp", optimizer="adam", average=0.5, at=(70, 76, 90, 118, 119)),
}
#: Faults at these updates of the whole run (counted from the first probe update): NaN gradients at
#: NAN_AT and the next update (the first is skipped, the second in a row rolls back), a spike.
NAN_AT, SPIKE_AT = 77, 95


def make(mode: dict):
    torch.manual_seed(0)
    model = torch.nn.Linear(8, 1)
    opt = (torch.optim.SGD(model.parameters(), lr=1.0, momentum=0.9) if mode["optimizer"] == "sgd"
           else torch.optim.Adam(model.parameters(), lr=1e-3))
    ours = ("optimizer", "steps", "check_every", "race", "at", "average")
    kw = {k: v for k, v in mode.items() if k not in ours}
    policy = AutopilotPolicy(snapshot_every=10, check_every=mode.get("check_every", 100),
                             race_factors=mode.get("race", ()), average_tail=mode.get("average", 0.0))
    return model, opt, Autopilot(opt, model=model, policy=policy, **kw), torch.Generator().manual_seed(3)


def advance(model, opt, ap, g, step: int, until: int, mode: dict) -> int:
    x, y = regression()
    while step < until and not ap.done:
        opt.zero_grad()
        i = torch.randint(0, len(x), (32,), generator=g)
        loss = ((model(x[i]).squeeze(1) - y[i]) ** 2).mean()
        loss.backward()
        if step in (NAN_AT, NAN_AT + 1):
            next(model.parameters()).grad[0, 0] = float("nan")
        if step == SPIKE_AT:
            loss = loss * 100.0
        ap.step(loss)
        step += 1
    return step


def finish(mode: dict) -> int:
    return mode.get("steps", 10**6)


def state_of(model, opt, ap) -> dict:
    return {"model": {k: v.clone() for k, v in model.state_dict().items()}, "opt": opt.state_dict(),
            "lr": ap.lr, "events": ap.events, "phase": ap.phase, "t": ap.t}


def resume_points(mode_name: str, total: int) -> list[int]:
    rng = np.random.default_rng(zlib.crc32(mode_name.encode()))  # the same points in every process
    fixed = [1, 15, NAN_AT - 3, NAN_AT + 1, *MODES[mode_name].get("at", ())]  # in the probe, and
    # between a snapshot and the NaNs, and between the two NaNs
    return sorted({*fixed, *rng.integers(1, total - 1, 6).tolist()} - {0} & set(range(1, total)))


@pytest.mark.parametrize("mode_name", list(MODES))
def test_resume_is_bit_identical_at_random_updates(mode_name: str, assert_same) -> None:
    mode = MODES[mode_name]
    model, opt, ap, g = make(mode)
    total = advance(model, opt, ap, g, 0, finish(mode), mode)
    reference = state_of(model, opt, ap)
    assert any(e.get("action") == "rolled back" for e in ap.events)  # the NaN was met
    assert ("race" in mode) == any("race" in e for e in ap.events)
    assert ("average" in mode) == any("averaged" in e for e in ap.events)
    for at in resume_points(mode_name, total):
        model, opt, ap, g = make(mode)
        step = advance(model, opt, ap, g, 0, at, mode)
        buffer = io.BytesIO()
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "ap": ap.state_dict(),
                    "g": g.get_state(), "step": step}, buffer)
        buffer.seek(0)
        saved = torch.load(buffer, weights_only=True)
        model, opt, ap, g = make(mode)
        model.load_state_dict(saved["model"])
        opt.load_state_dict(saved["opt"])
        ap.load_state_dict(saved["ap"])
        g.set_state(saved["g"])
        end = advance(model, opt, ap, g, saved["step"], finish(mode), mode)
        assert end == total, (mode_name, at)
        assert_same(reference, state_of(model, opt, ap), f"{mode_name} resumed at {at}")
