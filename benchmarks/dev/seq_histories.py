"""Labelled loss histories of the sequence workloads (``seq_dev.py``) for ``diagnose_accuracy.py``.

Held-out v8 measures ``lrkit.diagnose`` on a family it has never seen: character language models
(GRU, transformer, NPLM). Each history is made at a setting whose label is fixed before any detector
runs, with the semantics of ``diagnose_accuracy._task_history`` (300 updates):

* ``good``: the workload's good rate, constant. The good rate is its grid-best constant rate at 300
  updates (best mean over seeds 0 and 1 of minus the validation loss), read from the cached grid of
  ``no_tuning.py --dev`` (``results/no_tuning_dev.json``), not recomputed: the detector's corpus
  takes it as given, as it takes the built-in tasks' defaults;
* ``good+schedule``: cosine from the good rate to 0 over the budget;
* ``too_high``: 30x (``seed % 4 < 2``) or 100x the good rate; ``too_low``: the good rate / 300;
* ``spikes``: the good setting with three corrupted batches (every target character moved to
  another one) at updates drawn as ``_task_history`` draws them.

Training goes through ``lrkit.tasks.train`` with a protocol function, so the history is recorded
exactly as for every other source: one training loss and one rate per update, and a NaN/inf loss
kept and the run stopped there (``_label`` then calls it ``nan``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

from dev import seq_dev  # noqa: E402

from dev.settings import setting_plan  # noqa: E402

from lrkit.tasks import load_corpus, train  # noqa: E402

#: The cached grid of constant rates of the sequence workloads (``no_tuning.py --dev``).
GRID_RESULTS = Path(__file__).resolve().parents[1] / "results" / "no_tuning_dev.json"
BUDGET = 300
#: The settings of a sequence workload (``_settings``; no plateau: no guaranteed noise floor).
V8_SETTINGS = ("good", "good+schedule", "too_high", "too_low", "spikes")
#: ``seq_dev.evaluate`` caps the validation loss at this many nats (a blown-up run); read as NaN here.
LOSS_CAP = 10.0


def _workload(source: str) -> tuple[str, str]:
    """``"seq-gru-adam"`` -> ``("gru", "adam")``, checked against ``seq_dev.WORKLOADS``."""
    name, _, opt = source.removeprefix("seq-").partition("-")
    if (name, opt) not in seq_dev.WORKLOADS:
        valid = ", ".join(f"seq-{n}-{o}" for n, o in seq_dev.WORKLOADS)
        raise ValueError(f"`source` must be one of {valid}; got {source!r}.")
    return name, opt


def good_rate(source: str) -> float:
    """The grid-best constant rate at 300 updates (best mean metric over seeds 0 and 1)."""
    name, opt = _workload(source)
    grid = json.loads(GRID_RESULTS.read_text())[f"{name}/{opt}@{BUDGET}"]
    return float(max(grid, key=lambda lr: float(np.mean(grid[lr]))))


def _corrupt(batches: list[Any], bad: set[int], vocab: int, seed: int) -> list[Any]:
    """Batches numbered ``bad`` with every target character moved to another one (a wrong-target batch,
    as ``_Corrupt`` makes for a classifier); its own generator, so the other batches and the model's
    initialisation are those of the good run."""
    gen = torch.Generator().manual_seed(seed)
    return [(x, (y + torch.randint(1, vocab, y.shape, generator=gen)) % vocab) if i in bad else (x, y)
            for i, (x, y) in enumerate(batches)]


def seq_history(source: str, setting: str, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    """One labelled history of a sequence workload: per-update training losses and rates, and the
    final validation loss (NaN if the run diverged or ``seq_dev.evaluate`` hit its cap).

    Example: ``seq_history("seq-gru-adam", "too_low", 32)``.
    """
    name, opt = _workload(source)
    if setting not in V8_SETTINGS:
        raise ValueError(f"`setting` must be one of {', '.join(V8_SETTINGS)}; got {setting!r}.")
    lr, schedule, _, bad = setting_plan(setting, good_rate(source), BUDGET, seed)
    built: dict[str, Any] = {}

    def build(s: int) -> dict[str, Any]:
        parts = seq_dev.parts(name, opt, s)
        if bad:
            spec = seq_dev.SPECS[name]
            vocab = len(load_corpus(spec["train"], spec["val"]).vocab)
            parts["batches"] = _corrupt(parts["batches"], bad, vocab, s)
        built.update(parts)
        return {**parts, "train_loader": parts["batches"]}

    torch.set_num_threads(1)
    r = train(build, lr=lr, schedule=schedule, budget=BUDGET, seed=seed)
    losses = np.array([h["train_loss"] for h in r.history])
    lrs = np.array([h["lr"] for h in r.history])
    val = math.nan if r.diverged else -seq_dev.evaluate(built)
    return losses, lrs, (val if val < LOSS_CAP else math.nan)
