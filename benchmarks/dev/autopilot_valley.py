"""Where across a stored ramp's valley the good given peaks lie (for `benchmarks/autopilot_sequence_peak.py`).

:func:`valley` is the half-depth valley the Autopilot's peak rules read on a stored run's ramp
(``lrkit.finder.valley_geometry`` under the default ``AutopilotPolicy().finder``), or the finder's reason
there is none; :func:`across_rows` places each adaptive workload's good given peaks (the Autopilot's own
ramp and schedule with the peak given, ``ap:given=...`` in the store; within ``good`` gap points of the
best) on its ramps' valleys as fractions :math:`w` from the fast descent (0) to the edge (1).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from dev import autopilot_select as sel
from dev.autopilot_zoo_runs import STORE

__all__ = ["across_rows", "valley"]


def valley(rec: dict[str, Any]) -> Any:
    """The ramp's ``lrkit.finder.Valley`` of a stored run's record, or the reason it has none (a str)."""
    from lrkit.finder import valley_geometry
    from lrkit.torch import AutopilotPolicy

    lrs, losses = np.array(rec["probe_lrs"]), np.array(rec["probe_losses"])
    return valley_geometry(lrs, losses, policy=AutopilotPolicy().finder)


def across_rows(records: dict[str, list[dict[str, Any]]], good: float) -> tuple[list[list[Any]], list[str]]:
    """Per adaptive workload in ``records`` (name -> the default's per-seed records) with a given-peak grid:
    the good given peaks, and where they lie across its ramps' valleys (the range of w, median over the
    seeds whose ramp has a valley)."""
    grids = sel.load(json.loads(STORE.read_text()), "wsd", unit="gap")
    rows = []
    for n, g in sorted(grids.items()):
        if g.kind != "adaptive" or n not in records:
            continue
        x, y = g.curve
        best = x[y <= y.min() + good]
        spans = []
        for rec in records[n]:
            v = valley(rec)
            if not isinstance(v, str) and v.x_edge > v.x_fast:
                spans.append([(e - v.x_fast) / (v.x_edge - v.x_fast) for e in (best.min(), best.max())])
        lo, hi = np.median(spans, axis=0) if spans else (float("nan"), float("nan"))
        rows.append([n, g.family, 10 ** best.min(), 10 ** best.max(), len(spans), float(lo), float(hi),
                     "yes" if lo <= 0 <= hi else "no", "yes" if lo <= 0.2 <= hi else "no"])
    headers = ["adaptive workload", "family", "good given peaks from", "to", "seeds with a valley",
               "w from", "w to", "w = 0 good", "w = 0.2 good"]
    return rows, headers
