"""The registry of suggestion rules and :func:`suggest`."""

from __future__ import annotations

from collections.abc import Callable

from lrkit.errors import unknown_name
from lrkit.finder._default import falling_half_depth, half_depth
from lrkit.finder._valley import VALLEY_RULES
from lrkit.finder._peers import minimum_over_10, steepest, valley
from lrkit.finder._policy import FinderPolicy
from lrkit.finder._suggestion import Suggestion

__all__ = ["rules", "suggest"]

#: Rule name -> pure function ``(lrs, losses) -> Suggestion`` (lrkit's own rules, :data:`VALLEY_RULES`,
#: also take ``policy=``; the peers keep their libraries' own numbers).
rules: dict[str, Callable[[object, object], Suggestion]] = {
    "default": half_depth,
    "falling": falling_half_depth,
    "steepest": steepest,
    "valley": valley,
    "minimum/10": minimum_over_10,
}


def suggest(lrs: object, losses: object, rule: str = "default", *,
            policy: FinderPolicy = FinderPolicy()) -> Suggestion:
    """Apply a suggestion rule to a sweep.

    Args:
        lrs: the sweep's learning rates (positive, strictly increasing).
        losses: the raw loss at each rate (NaN/inf allowed: the curve is cut there).
        rule: a name in :data:`rules`.
        policy: the tuned numbers of lrkit's own rules (``default``, ``falling``:
            smoothing, stop rule, valley); the peers keep their libraries' EMA and numbers.

    Returns:
        A :class:`Suggestion`; its ``lr`` is ``None`` with a reason on curves that
        give no answer (never an exception).

    Raises:
        LRKitError: for an unknown rule or malformed input (mismatched lengths,
            non-positive or non-increasing ``lrs``).

    Example:
        >>> suggest([1e-3, 1e-2], [1.0, 0.5]).reason
        'too few points: 2 usable (need 8)'
    """
    if not isinstance(rule, str) or rule not in rules:
        raise unknown_name("rule", rule, rules)
    if rule in VALLEY_RULES:
        return rules[rule](lrs, losses, policy=policy)  # type: ignore[call-arg]
    return rules[rule](lrs, losses)
