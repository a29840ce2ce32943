"""A self-contained HTML report: figures embedded as base64 PNG, no network.

Every command that writes a report (``find``, ``tune``, ``lab``) uses this one
template, so the pages look and behave alike.

Example:
    >>> r = Report("demo")
    >>> r.add_text("Hello <world>")
    >>> "&lt;world&gt;" in r.html()
    True
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lrkit.errors import LRKitError

__all__ = ["Report", "figure_png"]

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1080px;margin:2em auto;
padding:0 1em;color:#1d232a;line-height:1.45}
h1{font-size:1.6em;border-bottom:2px solid #3b6ea5;padding-bottom:.2em}
h2{font-size:1.25em;margin-top:1.8em;color:#2a4f78}
figure{margin:1em 0} figure img{max-width:100%;border:1px solid #dde3ea}
figcaption{font-size:.9em;color:#555}
table{border-collapse:collapse;margin:1em 0;font-size:.92em}
th,td{border:1px solid #ccd5df;padding:.3em .6em;text-align:right}
th{background:#eef3f8} td:first-child,th:first-child{text-align:left} td.text,th.text{text-align:left}
code,pre{background:#f3f5f7;padding:.1em .3em;border-radius:3px}
.meta{color:#666;font-size:.85em}
pre{padding:.6em .8em;overflow-x:auto;line-height:1.35} pre code{padding:0;background:none}
.answer{border:2px solid #3b6ea5;border-radius:6px;padding:.4em 1.2em 1em;background:#f7fafd;margin:1em 0}
.answer .rate{font-size:1.5em;margin:.4em 0} .answer h2{margin-top:1em}
.sure-high{border-left:5px solid #3a9a4a;padding-left:.6em}
.sure-medium{border-left:5px solid #d0a020;padding-left:.6em}
.sure-low,.sure-none{border-left:5px solid #c0392b;padding-left:.6em}
.caveats{color:#555;font-size:.9em}
details{margin:.8em 0;border:1px solid #dde3ea;border-radius:4px;padding:.3em .8em}
summary{cursor:pointer;font-weight:600;color:#2a4f78}
nav.toc{border:1px solid #dde3ea;border-radius:4px;padding:.3em 1em;background:#fafbfc}
nav.toc h2{margin-top:.4em} .lookfor{background:#f3f7ee;border-left:4px solid #3a9a4a;padding:.4em .8em}
"""


def _is_prose(text: str) -> bool:
    """True for a cell that is not a number nor the ``-`` placeholder (left-aligned, like prose)."""
    try:
        float(text)
    except ValueError:
        return text.strip() != "-"
    return False


def figure_png(fig: Any, *, dpi: int = 110) -> bytes:
    """Render a matplotlib figure to PNG bytes.

    Example:
        >>> from lrkit.plotting import figure_and_axes, pyplot
        >>> fig, ax = figure_and_axes()
        >>> figure_png(fig)[:8]  # the PNG signature
        b'\\x89PNG\\r\\n\\x1a\\n'
        >>> pyplot().close(fig)
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


class Report:
    """Build an HTML page section by section, then :meth:`write` it.

    Args:
        title: the page title and top heading.
        subtitle: an optional line of metadata under the title.

    Example:
        >>> page = Report("warmup", subtitle="a demo")
        >>> page.add_heading("Why")
        >>> page.add_table([["cosine", 0.91]], headers=["schedule", "val_acc"])
        >>> html = page.html()
        >>> html.startswith("<!DOCTYPE html>"), "<h2>Why</h2>" in html, "0.91" in html
        (True, True, True)
    """

    def __init__(self, title: str, subtitle: str = "") -> None:
        self.title = title
        self.subtitle = subtitle
        self._parts: list[str] = []
        self._scripts: list[str] = []

    def add_heading(self, text: str) -> None:
        self._parts.append(f"<h2>{html.escape(text)}</h2>")

    def add_text(self, text: str) -> None:
        """A paragraph of plain text (escaped)."""
        self._parts.append(f"<p>{html.escape(text)}</p>")

    def add_code(self, text: str) -> None:
        self._parts.append(f"<pre><code>{html.escape(text)}</code></pre>")

    def add_figure(self, fig: Any, caption: str = "", *, alt: str | None = None) -> None:
        """Embed a matplotlib figure (or PNG bytes) as a base64 image."""
        png = fig if isinstance(fig, bytes) else figure_png(fig)
        data = base64.b64encode(png).decode("ascii")
        cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
        alt_text = html.escape(alt or caption or "figure")
        self._parts.append(f'<figure><img alt="{alt_text}" src="data:image/png;base64,{data}">{cap}</figure>')

    def add_table(self, rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> None:
        """A table; floats are shown with 4 significant digits.

        Numbers (and strings that read as numbers, or ``-``) are right-aligned, other text left-aligned.
        """

        def text(v: Any) -> str:
            return f"{v:.4g}" if isinstance(v, float) else str(v)

        def cell(v: Any) -> str:
            t = text(v)
            return f'<td class="text">{html.escape(t)}</td>' if _is_prose(t) else f"<td>{html.escape(t)}</td>"

        # a column of prose gets a left-aligned header, like its cells
        prose = [i == 0 or (bool(rows) and all(_is_prose(text(row[i])) or text(row[i]) == "" for row in rows))
                 for i in range(len(headers))]
        head = "".join(f'<th class="text">{html.escape(h)}</th>' if p else f"<th>{html.escape(h)}</th>"
                       for h, p in zip(headers, prose))
        body = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in rows)
        self._parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")

    def add_html(self, fragment: str, *, script: str = "") -> None:
        """Raw HTML (trusted, produced by lrkit) and optional inline JavaScript."""
        self._parts.append(fragment)
        if script:
            self._scripts.append(script)

    def body(self) -> str:
        """The sections added so far, as one HTML fragment (no page around them)."""
        return "".join(self._parts)

    def html(self) -> str:
        sub = f'<p class="meta">{html.escape(self.subtitle)}</p>' if self.subtitle else ""
        scripts = "".join(f"<script>{s}</script>" for s in self._scripts)
        return (
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(self.title)}</title><style>{_STYLE}</style></head><body>"
            f"<h1>{html.escape(self.title)}</h1>{sub}{''.join(self._parts)}{scripts}</body></html>"
        )

    def write(self, path: str | Path) -> Path:
        """Write the page to ``path`` (parents created) and return the path."""
        path = Path(path)
        if path.is_dir():  # the write's own error is a bare IsADirectoryError
            raise LRKitError(f"`path` of the report must be a file to write; got {str(path)!r}, which is a "
                             "folder.")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.html(), encoding="utf-8")
        return path
