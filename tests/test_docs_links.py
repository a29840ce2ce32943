"""The guides' links resolve: every relative link in README.md and docs/*.md names a file that
exists and, with a `#fragment`, a heading of that file (GitHub's anchor rule). Pages that were
merged away are named nowhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)

#: Guides merged into the one-page-per-job layout (schedule, find, watch, tune, see).
RETIRED = (
    "schedules.md", "torch.md", "finder.md", "finder-torch.md", "diagnostics.md", "tuning.md", "lab.md",
)


def _anchor(heading: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text())
    return {_anchor(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", text, re.M)}


def test_anchor_rule():
    heading = "In a PyTorch loop: `lrkit.torch.LRScheduler`"
    assert _anchor(heading) == "in-a-pytorch-loop-lrkittorchlrscheduler"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_resolve(page):
    broken = []
    for target in LINK.findall(FENCE.sub("", page.read_text())):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:
        path, _, fragment = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            broken.append(target)
        elif fragment and dest.suffix == ".md" and fragment not in _anchors(dest):
            broken.append(target)
    assert not broken, f"{page.name}: broken links {broken}"


def test_no_page_points_to_a_retired_guide():
    names = "|".join(re.escape(n) for n in RETIRED)
    pattern = re.compile(rf"(?<![\w-])docs/({names})|\]\(({names})[)#]")
    hits = []
    for base in ("README.md", "docs", "src", "tests", "benchmarks"):
        for path in [ROOT / base] if base.endswith(".md") else (ROOT / base).rglob("*"):
            if path.suffix in {".md", ".py"} and path.name != Path(__file__).name:
                text = path.read_text()
                hits += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert not hits, hits
