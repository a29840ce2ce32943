"""Two analyses ``diagnose_accuracy.py`` records with its table: can a statistic of a curve's shape tell a
good rate's slow late learning from a too-low rate (``shape_overlap``), and is a workload's training
loss limited by its rate at all (``rate_check``)?
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from dev.diagnose_builtin import new_defaults, new_task

from lrkit.diagnostics import diagnose, effective_time, running_median

#: The log-time grid of the shape analysis: levels at ``u = log10(tau / T) = -2, -1.75, .., 0``.
SHAPE_U = np.linspace(-2.0, 0.0, 9)
#: The rate check's record (training loss at multiples of the measured default rate).
RATE_CHECK = Path(__file__).resolve().parents[1] / "results" / "diagnose_rate_check.json"


def shape_profile(losses: np.ndarray, lrs: np.ndarray) -> np.ndarray:
    """A history's shape in log-time, free of the loss's unit and offset and of the run's length.

    With ``u = log10(tau / T)`` (``tau`` the rate-weighted time of ``lrkit.diagnostics._timescale``,
    ``T`` its end), ``L_k`` the median loss over ``|u - u_k| <= 0.125`` (the 3 nearest points where
    that band is emptier) at ``u_k`` in ``SHAPE_U``, and ``y_0`` diagnose's start level (the highest
    smoothed level of the first 10%), the profile is ``(L_k - L_end) / (y_0 - L_end)``: 1 where
    nothing has happened yet, 0 at the end. Invariant to ``y -> a y + b`` (``a > 0``); two runs
    whose curves differ by a shift in log-time (a rate ``c`` times lower on gradient flow) and are
    both seen to their end have profiles that differ by the same shift.
    """

    n = len(losses)
    tau = effective_time(lrs, n)
    u = np.log10(tau / tau[-1])
    levels = []
    for u0 in SHAPE_U:
        idx = np.flatnonzero(np.abs(u - u0) <= 0.125)
        idx = idx if idx.size >= 3 else np.argsort(np.abs(u - u0), kind="stable")[:3]
        levels.append(float(np.median(losses[idx])))
    wide = running_median(losses, max(5, n // 20) | 1)
    y0 = max(float(np.median(losses[:3])), float(wide[: max(3, n // 10)].max()))
    lv = np.array(levels)
    return (lv - lv[-1]) / max(y0 - lv[-1], 1e-300)


def shape_overlap(corpus: list[dict], k: int = 5) -> list[list]:
    """Can the *shape* of a history tell a good rate from a too-low one on a workload it never saw?

    For every good (constant or cosine) and too-low history with significant total progress
    (diagnose's ``total_progress_z >= 3``: the shape of a flat noisy curve is noise), the ``k``
    nearest histories in :func:`shape_profile` space (mean absolute difference) *of the other
    sources* vote: the share of them that are good runs. A shape statistic can only separate
    what this leave-one-source-out vote separates; a good run whose neighbours are too-low runs
    has the shape of a too-low run. Rows: source, label, runs, median good share, range.
    """
    items = []
    for c in corpus:
        y = c["losses"]
        if c["setting"] not in ("good", "good+schedule", "too_low") or not np.all(np.isfinite(y)):
            continue
        if diagnose(y, c["lrs"]).statistics["total_progress_z"] < 3.0:
            continue
        items.append((c["source"], c["setting"] != "too_low", shape_profile(y, c["lrs"])))
    src = np.array([i[0] for i in items])
    good = np.array([i[1] for i in items])
    prof = np.array([i[2] for i in items])
    rows = []
    for name in dict.fromkeys(src.tolist()):
        other = src != name
        for is_good in (True, False):
            mine = np.flatnonzero((src == name) & (good == is_good))
            if mine.size:
                share = [float(good[other][np.argsort(np.abs(prof[other] - prof[i]).mean(axis=1))[:k]].mean())
                         for i in mine]
                rows.append([name, "good" if is_good else "too_low", int(mine.size), float(np.median(share)),
                             f"{min(share):.1f}-{max(share):.1f}"])
    return rows


def rate_check(names: tuple[str, ...] = ("blobs-mlp", "classify-mlp-sgd"), seeds: tuple[int, ...] = (0, 1),
               multiples: tuple[float, ...] = (1.0, 3.0, 10.0)) -> list[list]:
    """Is the training loss of a workload's good runs limited by its rate? Train at multiples of the
    measured default rate (constant, the workload's budget) and compare the final training loss
    (median of the last 10% of the losses, mean over seeds) and validation loss. Cached in
    ``RATE_CHECK``."""
    from lrkit.tasks import train

    torch.set_num_threads(1)
    have = json.loads(RATE_CHECK.read_text()) if RATE_CHECK.exists() else {}
    rows = []
    for name in names:
        d = new_defaults()[name]["default_lr"]
        for m in multiples:
            key = f"{name}|{m:g}|{','.join(map(str, seeds))}"
            if key not in have:
                runs = [train(new_task(name, d * m), lr=d * m, seed=s) for s in seeds]
                tails = [np.array([h["train_loss"] for h in r.history]) for r in runs]
                have[key] = {"train": float(np.mean([np.median(t[-max(3, t.size // 10):]) for t in tails])),
                             "val": float(np.mean([r.final["val_loss"] for r in runs]))}
                RATE_CHECK.write_text(json.dumps(have, indent=1))
            rows.append([name, f"{m:g}x ({d * m:.3g})", have[key]["train"], have[key]["val"]])
    return rows
