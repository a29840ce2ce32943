"""The public surface of lrkit.finder, pinned (the torch runner and the CLI build on it)."""

from __future__ import annotations

import inspect

import lrkit.finder as finder
from lrkit.schedules import parse


def test_public_names():
    assert set(finder.__all__) == {
        "range_test", "FinderResult", "Suggestion", "suggest", "rules", "smooth", "noise_scale",
        "bootstrap_interval", "combine", "DivergenceMonitor", "divergence_index", "sweep_schedule",
        "half_depth", "falling_half_depth", "handed_to_weak_rule", "valley_geometry", "Valley", "steepest",
        "valley",
        "minimum_over_10",
        "synthetic", "STOP_REASONS", "MIN_POINTS", "MIN_STEPS", "SWEEP_BYTES_PER_STEP", "Sweep",
        "FinderPolicy", "VALLEY_RULES", "advise", "Advice", "next_schedule",
        "second_sweep", "settle", "density_factor", "progress_factor", "CALIBRATED_DENSITY", "signal",
        "descent", "start_level", "blow_up_rate",
        "SOURCES", "GUESS_SOURCE",
        "seed_widened",
        "interval_covers", "confidence", "confidence_features", "CONFIDENCE_WORDS",
        "CONFIDENCE_KINDS", "CONFIDENCE_PROMISE", "sparse_grid", "DENSITY_WORDS", "density_words",
        "words_between", "LOOSE_SPREAD", "check_sweep",
    }
    assert all(hasattr(finder, name) for name in finder.__all__)
    assert sorted(finder.rules) == ["default", "falling", "minimum/10", "steepest", "valley"]


def test_range_test_signature_is_keyword_only_after_step_fn():
    params = inspect.signature(finder.range_test).parameters
    assert list(params)[0] == "step_fn"
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for name, p in params.items() if name != "step_fn")
    defaults = {k: p.default for k, p in params.items() if k != "step_fn"}
    sweep = defaults["sweep"]
    assert sweep.start == 1e-7 and sweep.end == 10.0 and sweep.num_steps == 100
    assert sweep.mode == "exp" and defaults["rule"] == "default" and defaults["interval"] is True
    assert defaults["policy"] == finder.FinderPolicy()
    hooks = {"on_step", "allreduce", "seed"}
    assert hooks <= set(defaults)


def test_sweep_schedule_is_a_registered_schedule_and_its_spec_round_trips():
    s = finder.sweep_schedule(1e-6, 1.0, 25, "exp")
    assert parse(s.to_spec()) == s and s.name == "exp_sweep"
    assert finder.sweep_schedule(0.1, 1.0, 10, "linear").name == "linear_sweep"
