"""The Autopilot benchmark's machinery (benchmarks/dev/autopilot_miss.py, autopilot_zoo_runs.py): the
miss summary by group, a variant's policy and its store key, and the no-tuning runs' cache key."""

from __future__ import annotations

import pytest

from dev import autopilot_miss as am
from dev.autopilot_runs import policy_fingerprint
from dev.autopilot_zoo_runs import policy_of, variant_key

from lrkit.finder import FinderPolicy
from lrkit.torch import AutopilotPolicy


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
    assert policy_of(v) == AutopilotPolicy(race_factors=(0.25, 1.0, 4.0),
                                           finder=AutopilotPolicy().finder.replace(weak_rule="minimum/10"))
    assert variant_key(v) == "finder_weak_rule=minimum/10,race_factors=[0.25, 1.0, 4.0]"
    assert policy_of({}) == AutopilotPolicy() and variant_key({}) == "default"
    assert policy_of({"given": 0.1, "schedule": "cosine"}) == AutopilotPolicy(main_shape="cosine")


def test_the_fingerprint_is_the_default_policys_every_field():
    fp = policy_fingerprint()
    assert len(fp) == 10 and fp == policy_fingerprint()
    assert isinstance(AutopilotPolicy().finder, FinderPolicy)
