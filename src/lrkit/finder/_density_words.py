"""The confidence words between the sweep densities they were measured at.

A range test makes one update per rate, so how far its answer lands from the best rate depends on how
many rates per decade it tried (:mod:`lrkit.finder._density`), and so does how often a kind of reading
keeps: the words were calibrated per density (``lrkit.finder.DENSITY_WORDS``), each density named by the
``num_steps`` :math:`n` of a sweep over ``Sweep``'s default range at that density (:math:`k = k_0
(n - 1) / 99` rates per decade). Between two measured densities :math:`n_a < n < n_b` a kind gets the
lower of its two words: it keeps at least what both neighbours kept if keeping moves monotonically with
density between them (checked by leaving each inner density out,
``BENCHMARKS.md#finder_confidence_density``). Outside the measured densities no word was measured.

Example:
    >>> tables = {50: {"tight": "medium"}, 100: {"tight": "high"}, 200: {"tight": "high"}}
    >>> words_between(75.0, tables), words_between(100.0, tables), words_between(400.0, tables)
    ({'tight': 'medium'}, {'tight': 'high'}, None)
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from lrkit.finder._density import _SAME  # densities this close are one (float rounding)

__all__ = ["neighbours", "words_between"]

_LEVEL = {"low": 0, "medium": 1, "high": 2}


def neighbours(steps: float, keys: Iterable[int]) -> tuple[int | None, int | None]:
    """The measured densities around a ``steps``-step sweep's: ``(k, k)`` when it is one of them (``keys``),
    else the nearest below and above, ``None`` past either end.

    Example:
        >>> keys = (50, 100, 200)
        >>> neighbours(150.0, keys), neighbours(100.0, keys), neighbours(20.0, keys)
        ((100, 200), (100, 100), (None, 50))
    """
    keys = sorted(keys)
    for k in keys:
        if steps > 1 and abs(math.log10((steps - 1) / (k - 1))) < _SAME:
            return k, k
    below = max((k for k in keys if k < steps), default=None)
    return below, min((k for k in keys if k > steps), default=None)


def words_between(steps: float, tables: dict[int, dict[str, str]]) -> dict[str, str] | None:
    """The words at the density of a ``steps``-step sweep over the default range, from ``tables``
    (``{num_steps: {kind: word}}``, the measured densities): a measured density's own words, the lower
    word per kind of the two measured densities around it (:func:`neighbours`), ``None`` outside them.

    Example:
        >>> tables = {50: {"fair": "medium"}, 100: {"fair": "high"}}
        >>> words_between(50.0 + 1e-12, tables), words_between(20.0, tables)
        ({'fair': 'medium'}, None)
    """
    a, b = neighbours(steps, tables)
    if a is None or b is None:
        return None
    return {kind: min(tables[a][kind], tables[b][kind], key=_LEVEL.__getitem__) for kind in tables[a]}
