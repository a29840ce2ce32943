"""Write one benchmark's results into BENCHMARKS.md, with the date and the machine.

Each benchmark owns one section, delimited by HTML comments, and replaces it
whole on every run, so the file always shows the latest figures of each
benchmark side by side with how they were produced.

Usage from a benchmark script::

    from dev.record import record, markdown_table
    record("schedules", "Schedule evaluation speed", markdown_table(rows, headers),
           command="python benchmarks/bench_schedules.py")
"""

from __future__ import annotations

import argparse
import datetime as _dt
import fcntl
import os
import platform
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"
HEADER = (
    "# lrkit benchmarks\n\n"
    "Every figure here is written by a script in `benchmarks/` (the command is given with it).\n"
    "Comparisons are made side by side in one run, as ratios, on the machine named in each section.\n"
)


def arguments(doc: str) -> argparse.ArgumentParser:
    """The command line every benchmark starts from: ``doc``'s first line as its description and
    ``--no-record`` (print the tables, leave BENCHMARKS.md alone); a script adds its own options.

    Example:
        >>> arguments("One question.\\n\\nMore.").parse_args(["--no-record"]).no_record
        True
    """
    ap = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    ap.add_argument("--no-record", action="store_true", help="print only; leave BENCHMARKS.md alone")
    return ap


def store_args(doc: str) -> argparse.Namespace:
    """The command line of a benchmark that stores its runs: :func:`arguments` and ``--cached-only`` (run
    nothing, the tables from the store)."""
    ap = arguments(doc)
    ap.add_argument("--cached-only", action="store_true", help="run nothing; tables from the store")
    return ap.parse_args()


def machine() -> str:
    """One line describing the machine and the library versions that matter."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    parts = [f"{cpu}, {os.cpu_count()} cores", f"Python {platform.python_version()}"]
    for mod in ("numpy", "torch", "optuna"):
        m = sys.modules.get(mod)
        if m is not None:
            parts.append(f"{mod} {m.__version__}")
    return "; ".join(parts)


def markdown_table(rows: Sequence[Sequence[Any]], headers: Sequence[str], floatfmt: str = ".4g") -> str:
    """Render rows as a GitHub-flavoured markdown table."""

    def cell(v: Any) -> str:
        return format(v, floatfmt) if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def print_table(rows: Sequence[Sequence[Any]], headers: Sequence[str], floatfmt: str = ".4g") -> None:
    """Print the same table to stdout (plain text, aligned)."""
    cells = [[format(v, floatfmt) if isinstance(v, float) else str(v) for v in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) if cells else len(str(h))
              for i, h in enumerate(headers)]
    print("  ".join(str(h).ljust(w) for h, w in zip(headers, widths)))
    for r in cells:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))


def record(section: str, title: str, body: str, *, command: str) -> None:
    """Replace (or append) the section ``section`` of BENCHMARKS.md."""
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    block = (
        f"<!-- bench:{section} -->\n## {title}\n\n"
        f"*{stamp}; {machine()}.*  \nCommand: `{command}`\n\n{body.strip()}\n<!-- /bench:{section} -->"
    )
    lock_path = BENCHMARKS_MD.with_suffix(".lock")
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        text = BENCHMARKS_MD.read_text() if BENCHMARKS_MD.exists() else HEADER
        name = re.escape(section)
        pattern = re.compile(rf"<!-- bench:{name} -->.*?<!-- /bench:{name} -->", re.S)
        if pattern.search(text):
            text = pattern.sub(lambda _: block, text)
        else:
            text = text.rstrip("\n") + "\n\n" + block + "\n"
        BENCHMARKS_MD.write_text(text)
    print(f"recorded section {section!r} in {BENCHMARKS_MD}")
