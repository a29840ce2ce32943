"""Storage URLs without their secrets: what every message, result and file shows of them.

A URL names a password in two places: the user-info of its authority (``USER:PASSWORD@HOST``,
with or without a ``scheme://``, however malformed the rest is) and the query string
(``?password=...``). :func:`mask_url` replaces both by ``***`` without parsing the URL (a parser
that fails on a bad port or a stray ``[`` must not fall back to echoing it); :func:`scrub`
removes the secrets of a URL from any text, such as a database driver's error message, which
may quote the URL it was given.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

__all__ = ["mask_url", "url_secrets", "scrub", "MASK"]

#: What a secret is replaced by.
MASK = "***"
_QUERY_SECRET = re.compile(r"(?i)([?&;](?:password|passwd|pwd|pass|secret|token|api_?key)=)([^&;#]*)")


def _userinfo_span(url: str) -> tuple[int, int] | None:
    """``(start, stop)`` of the password in ``USER:PASSWORD@HOST``, if the URL has one."""
    start = url.find("://")
    start = 0 if start < 0 else start + 3
    at = url.rfind("@", start)
    if at < 0:
        return None
    colon = url.find(":", start, at)
    return None if colon < 0 else (colon + 1, at)


def url_secrets(url: str) -> list[str]:
    """The secrets a URL holds, as written and percent-decoded (longest first).

    Example:
        >>> url_secrets("postgresql://bob:p%40ss@db/lr?sslpassword=x&password=y")
        ['p%40ss', 'p@ss', 'y']
    """
    found = []
    span = _userinfo_span(url)
    if span is not None and span[1] > span[0]:
        found.append(url[span[0] : span[1]])
    found += [m.group(2) for m in _QUERY_SECRET.finditer(url) if m.group(2)]
    found += [unquote(s) for s in found]
    return sorted({s for s in found if s}, key=len, reverse=True)


def mask_url(url: str) -> str:
    """The URL with every password replaced by ``***`` (for messages, results and reports).

    Example:
        >>> mask_url("postgresql://bob:secret@db:5432/lr")
        'postgresql://bob:***@db:5432/lr'
        >>> mask_url("bob:secret@[::1/lr?password=x")
        'bob:***@[::1/lr?password=***'
    """
    text = str(url)
    span = _userinfo_span(text)
    if span is not None:
        text = text[: span[0]] + MASK + text[span[1] :]
    return _QUERY_SECRET.sub(lambda m: m.group(1) + MASK, text)


def scrub(text: str, url: str) -> str:
    """``text`` with every secret of ``url`` replaced by ``***``.

    Example:
        >>> scrub("could not parse 'postgresql://u:pw@h:x/db'", "postgresql://u:pw@h:x/db")
        "could not parse 'postgresql://u:***@h:x/db'"
    """
    for secret in url_secrets(url):
        text = text.replace(secret, MASK)
    return text
