"""The lab cites primers a reader cannot find (session-10 new-user probe, ux; ``/work/notes/ux10/REPORT.md``;
owner: whoever owns ``lrkit/lab``).

``lrkit lab`` writes, under every demo, "Where the primers say it: seeds 000 (fact 4), 002, 003: 'diverge
and produce large errors'." and ``lrkit lab --list --json`` gives the same as each demo's ``source``.
"seeds 000 .. 003" are documents the project was started from; no file in the repository, no page of
docs/ and nothing a user installs holds them or says what they are (docs/see.md calls them "the
primers"), so the citation cannot be followed. Expected: each source names what a reader can find (the
claim's wording, with a primer named or described), without the internal seed numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

from lrkit.lab import demos

SEE = Path(__file__).parents[2] / "docs" / "see.md"
PRIMERS = ("the Quantum ML study guide", "the SoulPage explainer", "the course lesson", "the Russian article")


def test_every_lab_source_can_be_followed_by_a_reader():
    internal = {name: d.source for name, d in demos.items() if re.search(r"\bseeds? 0\d\d\b", d.source)}
    assert not internal, internal


def test_every_lab_source_names_a_primer_the_docs_describe():
    unnamed = {name: d.source for name, d in demos.items() if not any(p in d.source for p in PRIMERS)}
    assert not unnamed, unnamed
    see = SEE.read_text(encoding="utf-8")
    assert all(f"**{p}**" in see for p in PRIMERS)
