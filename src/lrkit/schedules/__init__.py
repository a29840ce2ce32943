"""Learning-rate schedules: pure, immutable, vectorized functions of the step.

**Step convention.** ``schedule(t)`` is the rate used by update number ``t``,
counting from 0: the first ``optimizer.step()`` uses ``schedule(0)``, the
``k``-th uses ``schedule(k - 1)``. Every family with a horizon holds its final
value after it. A boundary such as a milestone at ``m`` applies from ``t = m``.

Schedules are frozen dataclasses: hashable, picklable, comparable, and their
``repr`` is a spec that :func:`parse` turns back into an equal value. Every
family is in :data:`registry` (name, summary, torch counterpart, an example
spec). ``reduce_on_plateau`` is the one stateful exception: a controller fed
with metrics, combined with any schedule through its ``apply``.

Example:
    >>> from lrkit.schedules import linear, cosine, parse
    >>> s = linear(start=0.0, end=0.1, steps=100) >> cosine(lr=0.1, steps=900)
    >>> s(0), s(100)
    (0.0, 0.1)
    >>> parse(repr(s)) == s
    True
"""

from lrkit.schedules._annealing import Constant, Cosine, CosineRestarts, constant, cosine, cosine_restarts
from lrkit.schedules._base import Schedule, ScheduleInfo, format_value, lookup, register, registry, spec_call
from lrkit.schedules._compose import Clip, PerEpoch, Scale, Sequence, clip, per_epoch, scale, sequence
from lrkit.schedules._cyclic import Cyclic, OneCycle, cyclic, one_cycle
from lrkit.schedules._decay import (
    Exponential,
    InverseSqrt,
    InverseTime,
    MultiStep,
    Step,
    exponential,
    inverse_sqrt,
    inverse_time,
    multistep,
    step,
)
from lrkit.schedules._peak import RATE_TOLERANCE, peak_rate, rates_disagree
from lrkit.schedules._plateau import ReduceOnPlateau, reduce_on_plateau
from lrkit.schedules._ramps import (
    Geometric,
    Linear,
    OneMinusSqrt,
    Polynomial,
    geometric,
    linear,
    one_minus_sqrt,
    polynomial,
)
from lrkit.schedules._spec import from_dict, parse
from lrkit.schedules._template import check_run_spec, for_run, run_names
from lrkit.schedules._sweeps import ExpSweep, LinearSweep, exp_sweep, linear_sweep
from lrkit.schedules._warmup import warmup, warmup_cosine, wsd

__all__ = [
    # the value type, registry and spec round trip
    "Schedule",
    "ScheduleInfo",
    "registry",
    "register",
    "lookup",
    "parse",
    "from_dict",
    "for_run",
    "check_run_spec",
    "run_names",
    # writing a spec, and a schedule's peak against another rate (lrkit's rate rule)
    "spec_call",
    "format_value",
    "peak_rate",
    "rates_disagree",
    "RATE_TOLERANCE",
    # families (lowercase factories)
    "constant",
    "step",
    "multistep",
    "exponential",
    "linear",
    "polynomial",
    "one_minus_sqrt",
    "geometric",
    "inverse_time",
    "inverse_sqrt",
    "cosine",
    "cosine_restarts",
    "cyclic",
    "one_cycle",
    "exp_sweep",
    "linear_sweep",
    # composites and composition
    "warmup",
    "warmup_cosine",
    "wsd",
    "sequence",
    "scale",
    "clip",
    "per_epoch",
    # the stateful controller
    "reduce_on_plateau",
    "ReduceOnPlateau",
    # classes
    "Constant",
    "Step",
    "MultiStep",
    "Exponential",
    "Linear",
    "Polynomial",
    "OneMinusSqrt",
    "Geometric",
    "InverseTime",
    "InverseSqrt",
    "Cosine",
    "CosineRestarts",
    "Cyclic",
    "OneCycle",
    "ExpSweep",
    "LinearSweep",
    "Sequence",
    "Scale",
    "Clip",
    "PerEpoch",
]
