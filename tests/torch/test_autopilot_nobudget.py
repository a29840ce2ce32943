"""The Autopilot without a budget: its probe's mode (``AutopilotPolicy.unknown_budget_probe``) and what it
reacts to (``too_low_factor``, ``max_decays``)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from lrkit import LRKitError  # noqa: E402
from lrkit.torch import AutopilotPolicy  # noqa: E402
from lrkit.torch._autopilot_guard import reaction  # noqa: E402
from lrkit.torch._autopilot_probe import probe_plan  # noqa: E402

from ._autopilot_run import run  # noqa: E402

RAMP = AutopilotPolicy(unknown_budget_probe="ramp")
ROLLBACK = AutopilotPolicy(unknown_budget_probe="rollback")


def test_without_a_budget_the_probe_mode_is_the_policys_and_takes_max_probe_updates():
    assert probe_plan(None, "auto", RAMP) == ("ramp", 100)
    assert probe_plan(None, "auto", RAMP.replace(max_probe=40)) == ("ramp", 40)
    assert probe_plan(None, "rollback", RAMP) == ("rollback", 100)  # asked for: the user's mode
    assert probe_plan(300, "auto", RAMP) == ("ramp", 75)  # with a budget the field is not read


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "momentum"])
def test_a_ramp_without_a_budget_keeps_its_updates_as_the_warmup_then_holds_the_peak(optimizer):
    ap, _, final, updates = run(None, optimizer=optimizer, max_updates=400, policy=RAMP)
    probe = ap.events[0]
    assert ap.ramp and probe["mode"] == "ramp" and ap.warmup == 0 and ap.budget is None
    assert not ap.done and updates == 400 and ap.t == 400 - ap.probe_steps
    # no warmup after it: the main phase starts at the peak (times the reactions' scale)
    assert ap.lr == pytest.approx(ap.peak * ap.scale)
    assert final < 0.05  # the noise floor is 0.01: a rate that trains (the rolled-back run's, for scale)
    rolled, _, rolled_final, _ = run(None, optimizer=optimizer, max_updates=400, policy=ROLLBACK)
    assert not rolled.ramp and rolled.events[0]["mode"] == "rollback" and rolled.warmup == 100
    assert rolled_final < 0.05


def _weights_after_probe(policy):
    """The weights at the first main-phase update, and the untrained ones."""
    seen = {}

    def on_step(step, ap, model, loss):
        weights = torch.cat([p.detach().flatten() for p in model.parameters()]).clone()
        seen.setdefault("untrained", weights)
        if ap.phase == "main":
            seen.setdefault("after", weights)
        return loss

    run(None, max_updates=110, on_step=on_step, policy=policy)
    return seen["after"], seen["untrained"]


def test_a_ramp_without_a_budget_keeps_its_updates_where_a_rolled_back_probe_leaves_none():
    after, untrained = _weights_after_probe(ROLLBACK)
    assert torch.equal(after, untrained)  # rolled back bit for bit: the probe's updates only cost time
    after, untrained = _weights_after_probe(RAMP)
    assert not torch.equal(after, untrained)  # the ramp's updates up to the peak trained the model


def test_the_default_without_a_budget_is_a_ramp_and_no_raise_and_probe_ramp_is_allowed():
    p = AutopilotPolicy()
    assert p.unknown_budget_probe == "ramp" and p.too_low_factor == 1.0
    assert probe_plan(None, "auto") == ("ramp", 100)
    ap, *_ = run(None, max_updates=150, probe="ramp")  # asked for by name, as the default does
    assert ap.ramp and ap.events[0]["mode"] == "ramp"


def test_a_bad_unknown_budget_probe_is_refused_naming_it():
    with pytest.raises(LRKitError, match="unknown_budget_probe"):
        AutopilotPolicy(unknown_budget_probe="sweep")


def test_a_raise_factor_of_one_leaves_the_rate_alone():
    # too_low_factor=1: the check still logs the reading and starts a fresh monitor, the rate stays
    policy = AutopilotPolicy(too_low_factor=1.0)
    assert reaction(["too_low_slow"], 0, 1.0, 10.0, policy) == ("too_low_slow", 1.0)
