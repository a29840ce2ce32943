"""Pin the public surface of ``lrkit.schedules``: names and parameter names are API
(docs/architecture.md)."""

from __future__ import annotations

import inspect

import pytest

import lrkit.schedules as S

# docs/architecture.md's family table (parameter names and defaults are public API), plus the families
# this package adds. A change here is a breaking change for specs, configs and users.
SIGNATURES = {
    "constant": "(lr, steps=None)",
    "step": "(lr, step_size, gamma=0.1)",
    "multistep": "(lr, milestones, gamma=0.1)",
    "exponential": "(lr, gamma)",
    "linear": "(start, end, steps)",
    "polynomial": "(lr, steps, power=1.0, end=0.0)",
    "one_minus_sqrt": "(lr, steps, min_lr=0.0)",
    "geometric": "(start, end, steps)",
    "inverse_time": "(lr, decay_rate, decay_steps=1, staircase=False)",
    "inverse_sqrt": "(lr, warmup, timescale=None)",
    "cosine": "(lr, steps, min_lr=0.0)",
    "cosine_restarts": "(lr, period, mult=1, min_lr=0.0, decay=1.0)",
    "cyclic": "(base_lr, max_lr, step_size_up, step_size_down=None, mode='triangular', gamma=1.0)",
    "one_cycle": (
        "(max_lr, steps, pct_start=0.3, anneal='cos', div_factor=25.0, final_div_factor=10000.0, "
        "three_phase=False)"
    ),
    "exp_sweep": "(start, end, steps)",
    "linear_sweep": "(start, end, steps)",
    "warmup": "(schedule, steps, start=0.0, shape='linear')",
    "warmup_cosine": "(lr, warmup, steps, min_lr=0.0)",
    "wsd": "(lr, warmup, stable, decay, min_lr=0.0, shape='linear')",
    "reduce_on_plateau": (
        "(lr, factor=0.1, patience=10, threshold=0.0001, threshold_mode='rel', cooldown=0, min_lr=0.0, "
        "mode='min', eps=1e-08)"
    ),
    "sequence": "(*phases)",
    "scale": "(schedule, factor)",
    "clip": "(schedule, lo=0.0, hi=inf)",
    "per_epoch": "(schedule, steps_per_epoch)",
}


def _plain_signature(obj) -> str:
    params = []
    for p in inspect.signature(obj).parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            params.append(f"*{p.name}")
        elif p.default is p.empty:
            params.append(p.name)
        else:
            params.append(f"{p.name}={p.default!r}")
    return "(" + ", ".join(params) + ")"


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_factory_signatures_are_pinned(name):
    assert _plain_signature(getattr(S, name)) == SIGNATURES[name]


def test_every_registered_family_is_pinned():
    assert set(S.registry) == set(SIGNATURES)


def test_all_lists_exactly_the_public_names():
    assert len(S.__all__) == len(set(S.__all__))
    for name in S.__all__:
        assert hasattr(S, name), name
    design = {
        "constant", "step", "multistep", "exponential", "linear", "polynomial", "cosine", "cosine_restarts",
        "cyclic", "one_cycle", "inverse_sqrt", "warmup", "warmup_cosine", "wsd", "reduce_on_plateau",
        "parse", "registry",
    }  # fmt: skip
    assert design <= set(S.__all__)
    public = {n for n in vars(S) if not n.startswith("_") and not inspect.ismodule(getattr(S, n))}
    assert public - {"annotations"} == set(S.__all__)
