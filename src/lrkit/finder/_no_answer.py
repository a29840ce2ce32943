"""Why a range test gave no rate, and what to try: the one rule that tells a result without a suggestion
apart, read by both the confidence word (:func:`~lrkit.finder.confidence`) and the advice
(:func:`~lrkit.finder.advise`), so neither can promise a rate the other says does not exist.

Example:
    >>> from lrkit.finder import range_test
    >>> r = range_test(lambda lr: 1.0)
    >>> what, words = no_answer(r)
    >>> r.suggestion, what, words.startswith("The loss did not change")
    (None, 'the loss did not change during the sweep', True)
"""

from __future__ import annotations

import math
from typing import Any

_NONE = (  # (start of the finder's reason, what it means, what to do)
    ("non-finite before it moved", "the loss turned NaN or infinite before it moved, likely a batch's (a NaN "
     "or infinite input, a label outside the classes) or the loss's, not the rate's",
     "check the data and the loss, then sweep again"),
    ("no answer", "neither the sweep nor a second, denser one showed the loss falling, and it never blew up",
     "check that the optimizer updates the parameters the loss depends on, or raise `end`"),
    ("flat curve", "the loss did not change during the sweep", "the sweep's rates were all too small, or "
     "the model does not learn: check the loss and the data, or raise `end`"),
    ("no descent", "the loss never fell clearly below its starting level", "raise `end`, or check that "
     "the model can learn (the loss, the labels, the optimizer's parameters)"),
    ("the loss rose from the first step", "the loss rose from the smallest rate on", "even the smallest "
     "rate is too high: lower `start`"),
    ("diverged at once", "the loss blew up within the first few rates", "lower `start`"),
    ("too few points", "the sweep stopped before it had enough rates to read", "use more `num_steps`"),
)


def no_answer(result: Any) -> tuple[str, str] | None:
    """``(what, words)`` for a result without a finite suggestion: what the sweep showed (from its
    ``reason``) and a sentence saying so and what to try; ``None`` when it has a rate."""
    if result.suggestion is not None and math.isfinite(result.suggestion):
        return None
    reason = result.reason or ""
    what, todo = next(((w, t) for key, w, t in _NONE if reason.startswith(key)), (reason, "see the plot"))
    if "raise `end`" in todo and result.stop_reason in ("nan", "diverged") and len(result.lrs):
        # it never reached `end`: a higher one changes nothing
        broke = "its loss turned NaN" if result.stop_reason == "nan" else "its loss blew up"
        todo = (f"the sweep broke at {float(result.lrs[-1]):.3g} ({broke}) before the loss moved, so a "
                "higher `end` cannot help: check the loss and the data (a model that cannot learn stays "
                "flat), or give each rate more updates (`num_steps`)")
    return what, f"{what[0].upper()}{what[1:]}; {todo}."
