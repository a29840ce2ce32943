"""Every tuned number is a policy field with a reason and an evidence pointer that resolves.

The records are found by walking lrkit's modules for subclasses of ``lrkit._policy.Policy``,
and the expected set is pinned, so a new record is listed here on purpose. For each field:
one line of why, a pointer to ``BENCHMARKS.md#<section>`` or ``docs/evidence.md#<anchor>`` that
exists, a check that rejects a bad value, and a default that passes its own check.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import lrkit
from lrkit import LRKitError
from lrkit._policy import Policy

ROOT = Path(__file__).resolve().parents[1]
#: Every policy record, by where it lives (a new one must be added here).
EXPECTED = {
    "lrkit.finder._policy.FinderPolicy",
    "lrkit.diagnostics._policy.DiagnosePolicy",
    "lrkit.torch._autopilot_policy.AutopilotPolicy",
    "lrkit.tuning._policy.TunePolicy",
}


def _records() -> dict[str, type[Policy]]:
    found = {}
    for info in pkgutil.walk_packages(lrkit.__path__, "lrkit."):
        if info.name.startswith("lrkit.cli"):
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional extra that is not installed
            continue
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, Policy) and obj is not Policy:
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


RECORDS = _records()
FIELDS = [(name, f) for name, cls in sorted(RECORDS.items()) for f in dataclasses.fields(cls)]


def _slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    return re.sub(r"[^a-z0-9 -]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    return {_slug(line.lstrip("#")) for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith("#")}


BENCH_SECTIONS = set(re.findall(r"<!-- bench:([\w-]+) -->", (ROOT / "BENCHMARKS.md").read_text()))
EVIDENCE_ANCHORS = _anchors(ROOT / "docs" / "evidence.md")


def test_the_records_are_the_expected_ones():
    assert set(RECORDS) == EXPECTED


@pytest.mark.parametrize(("record", "field"), FIELDS, ids=[f"{r.rsplit('.', 1)[1]}.{f.name}" for r,
                                                           f in FIELDS])
def test_every_field_has_one_line_of_why_an_evidence_pointer_that_resolves_and_a_check(record, field):
    why, evidence, check = field.metadata["why"], field.metadata["evidence"], field.metadata["check"]
    assert why and "\n" not in why and len(why) >= 20, why
    page, _, anchor = evidence.partition("#")
    if page == "BENCHMARKS.md":
        assert anchor in BENCH_SECTIONS, f"{evidence}: no such BENCHMARKS.md section"
    else:
        assert page == "docs/evidence.md" and anchor in EVIDENCE_ANCHORS, f"{evidence}: no such anchor"
    assert check is not None, f"{record}.{field.name} has no check"
    owner = RECORDS[record].__name__
    assert check(field.name, field.default, owner) == field.default


@pytest.mark.parametrize("record", sorted(EXPECTED))
def test_default_record_round_trips_and_reads_as_a_call(record):
    cls = RECORDS[record]
    default = cls()
    assert repr(default) == f"{cls.__name__}()"
    assert cls.from_dict(default.to_dict()) == default
    assert all(f.name in (cls.__doc__ or "") for f in dataclasses.fields(cls))  # listed in help()


@pytest.mark.parametrize("record", sorted(EXPECTED))
def test_unknown_fields_and_bad_values_are_lrkit_errors(record):
    cls = RECORDS[record]
    with pytest.raises(LRKitError, match="unknown field of"):
        cls().replace(no_such_field=1)
    with pytest.raises(LRKitError, match="unknown field of"):
        cls.from_dict({"no_such_field": 1})
    name = dataclasses.fields(cls)[0].name
    with pytest.raises(LRKitError, match=f"`{name}` of {cls.__name__} must be"):
        cls(**{name: "not a number"})
