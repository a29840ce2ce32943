"""Which stored finder answers the descent floor raised, and by how much: the kind they are read as now.

A reading the floor (``FinderPolicy.descent_floor``) raised by more than ``LOOSE_SPREAD`` is a ``loose``
reading (``lrkit.finder.confidence_features``, ``raise_factor``); answers stored before that rule
(``finder_confidence.json`` revision 4) carry the kind they were read as then. The raise is read offline:
on the zoo from each cell's stored sweep (the shipped first pass against the floor off,
``dev.finder_zoo_cv.read``; a second pass is never floored), on the probe from the stored answers with the
floor on and off (``finder_plateau.json``). Suggestions are unchanged by the rule; only the kind moves.
"""

from __future__ import annotations

import math
from typing import Any

from dev import finder_zoo_cv as cv
from dev import finder_zoo_data as data
from lrkit.finder import LOOSE_SPREAD

__all__ = ["AFTER_LOOSE", "probe_raises", "read_now", "zoo_raises"]

#: The kinds the rule can turn ``loose``: those ``confidence_features`` reads after it (a sparse one stays).
AFTER_LOOSE = ("tight", "fair")
_PLATEAU = data.RESULTS / "finder_plateau.json"


def zoo_raises(cells: list[tuple[str, int]]) -> dict[tuple[str, int], float]:
    """Per zoo cell of ``cells`` the factor the floor raised the shipped first pass's reading by (absent:
    none)."""
    shipped = next(c for c in cv.floor_candidates()
                   if c.policy.descent_floor == 2.0 and c.policy.descent_floor_reading == "valley")
    off = cv.Candidate("floor off", shipped.num_steps, shipped.policy.replace(descent_floor=0.0))
    out = {}
    for n, s in cells:
        on, _, source = cv.read(n, s, shipped)
        below = cv.read(n, s, off)[0]
        if source == "sweep" and on and below and on != below:
            out[(n, s)] = on / below
    return out


def probe_raises() -> dict[tuple[str, int], float]:
    """Per probe cell the factor the floor raised ``find_lr``'s answer by (absent: none)."""
    store, out = data.load_cache(_PLATEAU), {}
    for key, a in store.items():
        parts = key.split("|")
        if parts[0] != "probe" or parts[3] != "default":
            continue
        b = store[key.replace("|default", "|floor off")]
        if a["lr"] and b["lr"] and a["lr"] != b["lr"]:
            out[(parts[1], int(parts[2]))] = a["lr"] / b["lr"]
    return out


def read_now(rows: list[dict[str, Any]], raises: dict[tuple[str, int], float],
             factor: float = LOOSE_SPREAD) -> list[dict[str, Any]]:
    """``rows`` (``name``, ``seed``, ``kind``) with each answer raised by more than ``factor`` read ``loose``
    (``math.inf``: as stored)."""
    out = []
    for r in rows:
        r = dict(r)
        up = raises.get((r["name"], r["seed"]), 1.0)
        if factor != math.inf and up > factor and r["kind"] in AFTER_LOOSE:
            r["kind"] = "loose"
        out.append(r)
    return out
