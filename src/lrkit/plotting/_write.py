"""``lrkit.report(result, path)``: the HTML report of any lrkit result, from Python."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from lrkit.errors import LRKitError
from lrkit.plotting._diagnosis_report import diagnosis_report
from lrkit.plotting._finder_report import finder_report
from lrkit.plotting._report import Report

__all__ = ["report"]


def report(result: Any, path: str | Path | None = None, **kwargs: Any) -> Report:
    """Build (and, with ``path``, write) the HTML report of an lrkit result.

    The same pages the CLI writes: a :class:`~lrkit.finder.FinderResult` gives the range test's
    report (:func:`~lrkit.plotting.finder_report`; keywords ``budget``, ``task``), a
    :class:`~lrkit.tuning.TuneResult` the study's (:func:`~lrkit.tuning.tune_report`), a
    :class:`~lrkit.diagnostics.Diagnosis` the verdict's (:func:`~lrkit.plotting.diagnosis_report`;
    keywords ``losses``, ``steps``, ``lrs`` for the figure). Each result's own ``report(path)``
    method does the same.

    Args:
        result: a ``FinderResult``, ``TuneResult`` or ``Diagnosis``.
        path: where to write the page (``.html``; parents created); ``None``: only build it.
        **kwargs: passed to the result's report builder.

    Returns:
        The :class:`Report` (``.html()`` gives the page).

    Raises:
        LRKitError: for any other value, a path that does not end in ``.html`` or is a folder, or a keyword
            the result's report does not take.

    Example:
        >>> import lrkit, tempfile, os
        >>> from lrkit.finder import Sweep, range_test, synthetic
        >>> r = range_test(synthetic.logistic(seed=0).step, sweep=Sweep(start=1e-5, end=1e4, num_steps=60))
        >>> out = os.path.join(tempfile.mkdtemp(), "finder.html")
        >>> _ = lrkit.report(r, out, budget=1000)
        >>> "Suggested peak learning rate" in open(out, encoding="utf-8").read()
        True
    """
    build = getattr(result, "report", None)
    if not callable(build) or isinstance(result, type):
        raise LRKitError("`result` of lrkit.report must be a FinderResult, TuneResult or Diagnosis; "
                         f"got {type(result).__name__}.")
    if path is not None and Path(path).suffix.lower() != ".html":  # as `lrkit diagnose --report`
        raise LRKitError(f"`path` of lrkit.report must end in .html; got {str(path)!r}.")
    if path is not None and Path(path).is_dir():  # checked before building: the write's error is bare
        raise LRKitError(f"`path` of lrkit.report must be a file to write; got {str(path)!r}, which is a "
                         "folder.")
    builders = {"Diagnosis": diagnosis_report, "FinderResult": finder_report}
    builder = next((builders[c.__name__] for c in type(result).__mro__ if c.__name__ in builders), None)
    allowed = [] if builder is None else [
        p.name for p in inspect.signature(builder).parameters.values() if p.kind is p.KEYWORD_ONLY]
    for key in kwargs:
        if key not in allowed:  # checked here: the builder's TypeError would name an internal function
            takes = f"its keywords: {', '.join(allowed)}" if allowed else "it takes none"
            raise LRKitError(f"`{key}` of lrkit.report does not apply to a {type(result).__name__}; {takes}.")
    return build(path, **kwargs)
