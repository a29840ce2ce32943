"""The Autopilot benchmark's machinery (benchmarks/dev/autopilot_miss.py, autopilot_zoo_runs.py): the
miss summary by group, a variant's policy and its store key, and the no-tuning runs' cache key."""

from __future__ import annotations

import dataclasses

import pytest

torch = pytest.importorskip("torch")

from dev import autopilot_miss as am  # noqa: E402
from dev.autopilot_runs import OPT_IN, policy_fingerprint, run_fields  # noqa: E402
from dev.autopilot_zoo_runs import LEGACY, policy_of, reads_as, variant_key  # noqa: E402

from lrkit.torch import Autopilot, AutopilotPolicy  # noqa: E402


def _row(kind, norm, budget, miss, regret):
    return {"kind": kind, "norm": norm, "budget": budget, "miss": miss, "regret": regret}


def test_misses_are_counted_by_sign_and_summarized_per_group():
    rows = [_row("adaptive", "none", 200, 0.9, 80.0), _row("adaptive", "layer", 600, -0.5, 10.0),
            _row("plain", "none", 300, 0.1, 0.0)]
    table = {(r[0], r[1]): r[2:] for r in am.by_group(rows)}
    assert table[("kind", "adaptive")] == [2, 1, 1, pytest.approx(0.2), pytest.approx(1.4 / 2 ** 0.5), 45.0]
    assert table[("kind", "plain")] == [1, 0, 0, 0.1, 0.0, 0.0]  # 0.1 decades is within MISS
    assert table[("budget", "<= 300")][:3] == [2, 1, 0] and table[("all", "all")][:3] == [3, 1, 1]


def test_a_variant_names_its_policy_fields_and_the_probes_finder_fields():
    v = {"race_factors": [0.25, 1.0, 4.0], "finder_weak_rule": "minimum/10"}
    before = AutopilotPolicy(**LEGACY)  # a field added after a variant was stored keeps its old value there
    assert policy_of(v) == before.replace(race_factors=(0.25, 1.0, 4.0),
                                          finder=AutopilotPolicy().finder.replace(weak_rule="minimum/10"))
    assert variant_key(v) == "finder_weak_rule=minimum/10,race_factors=[0.25, 1.0, 4.0]"
    assert policy_of({}) == before and variant_key({}) == "default"
    assert policy_of({"given": 0.1, "schedule": "cosine"}) == before.replace(main_shape="cosine")
    assert policy_of({"anchor_kinds": ["momentum"]}).anchor_kinds == ("momentum",)


#: A changed value for every field the fingerprint may leave out (``dev.autopilot_runs.run_fields``).
OTHER = {"race_fraction": 0.1, "min_race": 4, "max_race_fraction": 0.5, "race_score_fraction": 0.25,
         "check_every": 7, "max_decays": 1, "plateau_decay": 0.5, "too_high_factor": 0.25,
         "too_low_factor": 2.0, "no_valley_race": (3.0, 1.0), "no_valley_race_fraction": 0.06,
         "no_valley_below": (3.0, 300.0), "no_valley_quiet": 0.5,
         "unknown_budget_probe": "ramp", "unknown_budget_warmup": 3, "react_to": "verdict",
         "weak_rule_when": "always", "trial_at": 0.3, "trial_fraction": 0.1, "trial_cooldown": 0.1,
         "max_trial_fraction": 0.6, "age_horizon": 200, "age_settled": 0.1, "age_tolerance": 2.0,
         "finder.retry_sigmas": 2.0, "finder.retry_decades": 2.0, "finder.retry_steps": 20,
         "finder.fallback_divisor": 10.0, "finder.replicates": 50, "finder.level": 0.8,
         "finder.seed_spread": 0.3,
         "finder.pilot_ratio": 0.25, "finder.max_leverage": 0.5, "finder.min_answered": 0.8,
         "finder.adaptive_rule": "default", "finder.sgd_rule": "falling", "finder.anchor_decades": 1.0,
         "finder.memoryless_decades": 0.5, "finder.anchor_weight": 0.25,
         "finder.weak_rule_sigmas": 100.0, "finder.val_level_floor": 1e-6, "finder.progress_exponent": 0.5,
         "finder.progress_max_ratio": 4.0}


def _left_out(policy: AutopilotPolicy) -> list[str]:
    """The fields a budgeted run does not read, by the fingerprint (an opt-in at ``None`` is absent)."""
    kept = run_fields(policy)
    absent = {n for n, before in OPT_IN.items() if getattr(policy, n) == before}
    top = [f.name for f in dataclasses.fields(policy) if f.name not in kept and f.name not in absent]
    inner = [f"finder.{f.name}" for f in dataclasses.fields(policy.finder) if f.name not in kept["finder"]]
    return [n for n in top if n != "finder"] + inner


def _changed(policy: AutopilotPolicy, name: str) -> AutopilotPolicy:
    if name.startswith("finder."):
        return policy.replace(finder=policy.finder.replace(**{name[len("finder."):]: OTHER[name]}))
    return policy.replace(**{name: OTHER[name]})


def _final_weights(policy: AutopilotPolicy, optimizer: str) -> bytes:
    torch.manual_seed(0)
    x = torch.randn(256, 6) * torch.linspace(0.3, 3.0, 6)
    y = x @ torch.randn(6) + 0.3 * torch.randn(256)
    model = torch.nn.Linear(6, 1)
    params = model.parameters()
    opt = torch.optim.SGD(params, lr=1.0) if optimizer == "sgd" else torch.optim.Adam(params)
    ap = Autopilot(opt, budget=120, model=model, policy=policy)
    g = torch.Generator().manual_seed(1)
    while not ap.done:
        opt.zero_grad()
        i = torch.randint(0, 256, (16,), generator=g)
        loss = ((model(x[i]).squeeze(1) - y[i]) ** 2).mean()
        loss.backward()
        ap.step(loss)
    return b"".join(p.detach().numpy().tobytes() for p in model.parameters())


def test_the_fingerprint_hashes_the_fields_a_budgeted_run_reads():
    fp = policy_fingerprint()
    assert len(fp) == 10 and fp == policy_fingerprint(AutopilotPolicy())
    assert policy_fingerprint(AutopilotPolicy(cooldown=0.3)) != fp  # read: a new key
    assert policy_fingerprint(AutopilotPolicy(check_every=7)) == fp  # only without a budget
    assert policy_fingerprint(AutopilotPolicy(react_to="verdict")) == fp  # only without a budget
    assert policy_fingerprint(AutopilotPolicy(race_fraction=0.1)) == fp  # only in a race: none by default
    race = AutopilotPolicy(race_factors=(0.5, 1.0))
    assert policy_fingerprint(race.replace(race_fraction=0.1)) != policy_fingerprint(race)
    assert policy_fingerprint(AutopilotPolicy(trial_at=0.3)) == fp  # only in a trial: none by default
    trial = AutopilotPolicy(trial_factors=(1.0, 2.0))
    assert policy_fingerprint(trial) != fp
    assert policy_fingerprint(trial.replace(trial_at=0.3)) != policy_fingerprint(trial)
    assert policy_fingerprint(trial.replace(min_race=4)) != policy_fingerprint(trial)  # the trial reads it


@pytest.mark.parametrize("policy", [AutopilotPolicy(), AutopilotPolicy(
    finder=AutopilotPolicy().finder.replace(weak_rule="minimum/10"), race_factors=(0.5, 1.0))],
    ids=["default", "weak rule and race"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_every_field_the_fingerprint_leaves_out_leaves_a_budgeted_run_bit_for_bit_the_same(policy, optimizer):
    left_out = _left_out(policy)
    assert set(left_out) <= set(OTHER)  # a newly left-out field needs a changed value here
    reference = _final_weights(policy, optimizer)
    assert _final_weights(policy.replace(cooldown=0.5), optimizer) != reference  # a field it reads tells
    for name in left_out:
        assert policy_fingerprint(_changed(policy, name)) == policy_fingerprint(policy), name
        assert _final_weights(_changed(policy, name), optimizer) == reference, name


@pytest.mark.parametrize("optimizer, kind", [("sgd", "plain"), ("adam", "adaptive")])
def test_a_kind_the_anchor_does_not_reach_runs_bit_for_bit_as_the_variant_it_reads_as(optimizer, kind):
    v = {"finder_weak_rule": "minimum/10", "weak_rule_when": "turned-or-anchored",
         "anchor_kinds": ["momentum"]}
    shared = reads_as(v, kind)
    assert shared == {"finder_weak_rule": "minimum/10", "weak_rule_when": "turned"}
    assert _final_weights(policy_of(v), optimizer) == _final_weights(policy_of(shared), optimizer)


def test_the_no_valley_race_is_hashed_only_when_it_can_run():
    fp = policy_fingerprint()
    assert "no_valley_race" not in run_fields() and "no_valley_race_fraction" not in run_fields()
    assert policy_fingerprint(AutopilotPolicy(no_valley_race=(3.0, 1.0), no_valley_race_fraction=0.06)) == fp
    raced = AutopilotPolicy(no_valley_peak="race")
    assert run_fields(raced)["no_valley_race"] == (10.0, 1.0) and "max_race_fraction" in run_fields(raced)
    assert policy_fingerprint(raced.replace(no_valley_race_fraction=0.06)) != policy_fingerprint(raced)
    assert policy_fingerprint(raced.replace(max_race_fraction=0.5)) != policy_fingerprint(raced)


def test_an_opt_in_floor_is_hashed_when_set_and_keeps_the_older_keys_when_not():
    fp = policy_fingerprint()
    assert "strong_clip_below" not in run_fields() and policy_fingerprint(AutopilotPolicy()) == fp
    floored = AutopilotPolicy(strong_clip_below=100.0)
    assert run_fields(floored)["strong_clip_below"] == 100.0 and policy_fingerprint(floored) != fp


@pytest.mark.parametrize("optimizer, kind", [("sgd", "plain"), ("adam", "adaptive")])
def test_the_floor_is_kept_only_for_the_kind_that_reads_it(optimizer, kind):
    v = {"finder_weak_rule": "minimum/10", "strong_clip_below": 100.0}
    shared = reads_as(v, kind)
    assert ("strong_clip_below" in shared) == (kind == "adaptive")
    assert _final_weights(policy_of(v), optimizer) == _final_weights(policy_of(shared), optimizer)


def test_the_store_runs_a_record_once_and_sees_a_write_from_elsewhere(tmp_path):
    import json

    from dev.autopilot_zoo_runs import cached

    path = tmp_path / "runs.json"
    calls = []
    run = lambda: calls.append(1) or {"metric": 1.0}  # noqa: E731
    assert cached("m", "w", 0, 10, run, path) == {"metric": 1.0}
    assert cached("m", "w", 0, 10, run, path) == {"metric": 1.0} and len(calls) == 1
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "m|w|1|10": {"metric": 2.0}}))  # another process's record
    assert cached("m", "w", 1, 10, run, path) == {"metric": 2.0} and len(calls) == 1


def test_the_step_age_fields_are_hashed_only_with_the_correction_on():
    fp = policy_fingerprint()
    assert "age_correction" not in run_fields() and "age_horizon" not in run_fields()
    assert policy_fingerprint(AutopilotPolicy(age_tolerance=2.0)) == fp
    aged = AutopilotPolicy(age_correction=True)
    assert run_fields(aged)["age_horizon"] == 1000 and policy_fingerprint(aged) != fp
    assert policy_fingerprint(aged.replace(age_tolerance=2.0)) != policy_fingerprint(aged)


def test_the_no_valley_noise_fields_are_hashed_only_when_the_noise_reads_a_ramp():
    noise = AutopilotPolicy(no_valley_peak="noise")
    assert run_fields(noise)["no_valley_below"] == (10.0, 100.0) and "no_valley_quiet" in run_fields(noise)
    assert policy_fingerprint(noise.replace(no_valley_quiet=0.5)) != policy_fingerprint(noise)
    floor = AutopilotPolicy(no_valley_peak="floor")
    assert "no_valley_below" not in run_fields(floor) and "no_valley_quiet" not in run_fields(floor)
    assert policy_fingerprint(floor.replace(no_valley_below=(3.0, 300.0))) == policy_fingerprint(floor)
