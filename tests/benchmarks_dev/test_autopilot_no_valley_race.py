"""benchmarks/dev/autopilot_no_valley_race.py: which units the no-valley race acts on, and the records it
reads for the others (the default's, the same code path)."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")

import autopilot_no_valley as nv  # noqa: E402
from dev import autopilot_no_valley_race as race  # noqa: E402


def test_only_a_run_read_at_the_bands_floor_is_raced():
    assert race.at_floor({"how": "falling: ...; no valley on the ramp (no descent): this peak is a guess; "
                                 "taken at the band's floor r/30 = 0.01 below the divergence at 0.3"})
    assert not race.at_floor({"how": "falling: steepest descent; clipped to [0.01, 0.1]"})


def test_a_unit_the_default_does_not_read_at_the_floor_is_the_defaults_record():
    both = {nv.FLOOR: nv.CANDIDATES[nv.FLOOR],
            race.RACE: {"no_valley_peak": "race", "rerun": nv.CANDIDATES[nv.FLOOR]["rerun"]}}
    name = race.SAME[0]
    default = race.raced(name, nv.FLOOR, False, (0, 1), both)
    assert race.raced(name, race.RACE, False, (0, 1), both) == default
    assert not any(map(race.at_floor, default))
