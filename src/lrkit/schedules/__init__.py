"""Learning-rate schedules: pure, immutable, vectorized functions of the step.

**Step convention.** ``schedule(t)`` is the rate used by update number ``t``,
counting from 0: the first ``optimizer.step()`` uses ``schedule(0)``, the
``k``-th uses ``schedule(k - 1)``. Every family with a horizon holds its final
value after it. A boundary such as a milestone at ``m`` applies from ``t = m``.

Schedules are frozen dataclasses: hashable, picklable, comparable, and their
``repr`` is a spec that :func:`parse` turns back into an equal value.

Example:
    >>> from lrkit.schedules import linear, cosine, parse
    >>> s = linear(start=0.0, end=0.1, steps=100) >> cosine(lr=0.1, steps=900)
    >>> s(0), s(100)
    (0.0, 0.1)
    >>> parse(repr(s)) == s
    True
"""

from lrkit.schedules._base import Schedule, ScheduleInfo, lookup, register, registry
from lrkit.schedules._annealing import Constant, Cosine, constant, cosine
from lrkit.schedules._compose import Clip, PerEpoch, Scale, Sequence, clip, per_epoch, scale, sequence
from lrkit.schedules._spec import from_dict, parse

__all__ = [
    "Schedule",
    "ScheduleInfo",
    "registry",
    "register",
    "lookup",
    "parse",
    "from_dict",
    "constant",
    "cosine",
    "sequence",
    "scale",
    "clip",
    "per_epoch",
    "Constant",
    "Cosine",
    "Sequence",
    "Scale",
    "Clip",
    "PerEpoch",
]
