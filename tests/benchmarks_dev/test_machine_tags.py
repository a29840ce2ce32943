"""The Autopilot's run store names the machine of every run, and runs of two machines are never paired.

The LR-free peers' runs of session 5 were made on an AMD EPYC machine and 24 of 60 of them differ when
made again on the Intel Xeon that made the Autopilot's (session 16): ``#15``'s comparisons set them side
by side without saying so. A store key's method carries a machine tag (``dev.autopilot_zoo_runs.
MACHINES``), the tables read the peers under the default's machine, and ``paired`` stops a comparison
of two machines.
"""

from __future__ import annotations

import doctest

import autopilot_family_resolution as afr
import autopilot_shape as shape
import autopilot_zoo as az
import pytest
from dev import autopilot_truth as truth
from dev import autopilot_zoo_runs as azr
from dev import zoo_grid as zg

from lrkit import zoo

DEFAULT = next(iter(shape.SHAPES))


def test_machine_of_reads_the_tag_and_refuses_one_it_does_not_know():
    assert azr.machine_of("prodigy|tabular-wine-adam|0|200") == azr.MACHINES[""]
    assert azr.machine_of("prodigy@xeon|tabular-wine-adam|0|200") == "Intel Xeon"
    assert azr.machine_of("ap2:plain_factor=2.0@2026-12-06|deep-wide-sgd|1|300") == "Intel Xeon"
    with pytest.raises(ValueError, match="@mars"):
        azr.machine_of("prodigy@mars|tabular-wine-adam|0|200")


def test_paired_stops_runs_of_two_machines_and_names_each():
    here = {"autopilot": "ap2:x@2026-12-06|w|0|300", "prodigy": "prodigy@xeon|w|0|300"}
    assert azr.paired(here) == "Intel Xeon"
    with pytest.raises(ValueError, match=r"prodigy on before tags \(AMD EPYC"):
        azr.paired({**here, "prodigy": "prodigy|w|0|300"})


def test_every_stored_run_names_a_known_machine():
    """Old (untagged) records stay loadable; a new tag must be registered in MACHINES."""
    keys = list(azr._read(azr.STORE))
    assert {azr.machine_of(k) for k in keys} <= set(azr.MACHINES.values())
    assert any(k.startswith("prodigy|") for k in keys)  # the AMD runs are kept, read by nobody's tables


@pytest.mark.parametrize("name", [*zoo.names(), *truth.BUILTIN])
def test_the_tables_pair_the_default_and_the_peers_on_one_machine(name):
    methods = (DEFAULT, *shape.PEERS)
    keys = {m: shape.store_key(name, m, 0) for m in methods}
    assert azr.paired({**keys, "schedule, tuned": truth.tuned_key(name, az.SHAPE, 0, az.TAG)}) == "Intel Xeon"
    assert shape.method_key(name, "prodigy") == "prodigy" + shape.PEER_TAG == "prodigy" + az.TAG


def test_autopilot_zoo_and_family_resolution_stop_on_an_untagged_peer():
    name = "tabular-wine-adam"
    with pytest.raises(ValueError, match="different machines"):
        afr.family_rows([name], False, (0,), mine_is="old", candidates={"old": {}}, peers=("prodigy",))
    assert az.machine_checked(name, {"autopilot": [], "prodigy": [], "schedule, tuned": []}) == "Intel Xeon"


def test_a_tagged_zoo_run_is_its_own_file(tmp_path):
    plain = zg.run_path("tabular-wine-adam", 0.01, 0, "wsd-spec")
    tagged = zg.run_path("tabular-wine-adam", 0.01, 0, "wsd-spec", az.TAG)
    assert tagged.name == plain.name[: -len(".npz")] + "@xeon.npz" and tagged.parent == plain.parent


def test_batched_writes_at_most_every_so_often_and_on_leaving(tmp_path):
    path = tmp_path / "runs.json"
    made = []

    def run(i):
        made.append(i)
        return {"metric": float(i)}

    with azr.batched(every_s=3600):
        azr.cached("m@xeon", "w", 0, 10, lambda: run(0), path)  # the first write: none before it
        azr.cached("m@xeon", "w", 1, 10, lambda: run(1), path)
        assert set(azr._read(path)) == {"m@xeon|w|0|10"}
        again = azr.cached("m@xeon", "w", 1, 10, lambda: run(9), path)
        assert again == {"metric": 1.0}  # pending, not run again
    assert set(azr._read(path)) == {"m@xeon|w|0|10", "m@xeon|w|1|10"} and made == [0, 1]


def test_the_store_modules_examples_run():
    for module in (azr, shape):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0
