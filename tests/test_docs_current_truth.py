"""Current truth in the code and the guides, history on one evidence page.

Docstrings, comments and user guides say what each rule is and why; how it came to be (development
rounds, revisions, sessions, held-out splits by version, variants tried and rejected) belongs to
docs/evidence.md and BENCHMARKS.md. This test keeps that wording out of src/, docs/ and the README.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Words that date a text: they narrate how a rule changed rather than state it.
HISTORY = re.compile(
    r"\brevisions?\b|\bround [0-9]+|\bv[0-9]+\b|held-out (?:splits\b|v[0-9])|every held-out split"
    r"|\bsessions?\b|development (?:rounds?|sets?|checks?)|\bdev sets?\b|earlier (?:version|rule|branch)"
    r"|\bpreviously\b|used to (?:take|be|give|have)|before the change|at the time of writing"
    r"|\bthe old (?:finder|rule|version)|(?:previous|former|old) default"
    r"|tried and rejected|rejected variants?"
    r"|(?:first|second|third|fourth|fifth) version",
    re.I,
)

#: The one page that keeps the history.
EVIDENCE = ROOT / "docs" / "evidence.md"


def _texts():
    yield ROOT / "README.md"
    yield from (p for p in sorted((ROOT / "docs").glob("*.md")) if p != EVIDENCE)
    yield from sorted((ROOT / "src").rglob("*.py"))


def test_the_pattern_catches_history_and_spares_current_wording():
    assert HISTORY.search("the fourth revision allowed at most 3")
    assert HISTORY.search("scored once on held-out v8")
    assert HISTORY.search("Since session 4 an adaptive optimizer's")
    assert HISTORY.search("measured on the development set at 40 updates")
    assert HISTORY.search("chosen against the previous default by leave-one-family-out")
    assert not HISTORY.search("return a held-out split as val_loader")  # a user's validation data
    assert not HISTORY.search("from lrkit.hf._session import prepared")  # a module name


def test_no_history_wording_outside_the_evidence_page():
    hits = []
    for path in _texts():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = HISTORY.search(line)
            if m:
                hits.append(f"{path.relative_to(ROOT)}:{n}: {m.group(0)!r} in {line.strip()[:90]}")
    assert not hits, "history belongs in docs/evidence.md:\n" + "\n".join(hits)


def test_every_guide_links_the_evidence_page():
    for name in ("find.md", "watch.md", "tune.md"):
        assert "evidence.md" in (ROOT / "docs" / name).read_text(), name
