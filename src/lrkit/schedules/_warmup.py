"""Named composites: ``warmup``, ``warmup_cosine``, ``wsd``.

Each returns a :class:`~lrkit.schedules.Sequence` of primitive families (never
a re-implementation), so its ``repr`` is the primitives' spec and
``parse(repr(s)) == s``. Warmup ramps reach their target at ``t = steps``, the
first step of the next phase, so every join is continuous: this is torch's
``LinearLR`` + ``SequentialLR`` and Hugging Face's ``current_step / warmup``.
"""

from __future__ import annotations

from lrkit.errors import LRKitError, check_choice, check_int, check_positive
from lrkit.schedules._annealing import Constant, Cosine
from lrkit.schedules._base import Schedule, register
from lrkit.schedules._checks import check_floor
from lrkit.schedules._compose import sequence
from lrkit.schedules._ramps import Geometric, Linear, OneMinusSqrt

__all__ = ["warmup", "warmup_cosine", "wsd"]


@register(
    "warmup",
    "ramp from start to schedule(0) over steps (linear or exponential), then the schedule",
    torch="LinearLR + SequentialLR",
    composite=True,
    example="warmup(schedule=cosine(lr=0.1, steps=900), steps=100, start=0.001, shape='exponential')",
)
def warmup(schedule: Schedule, steps: int, start: float = 0.0, shape: str = "linear") -> Schedule:
    """Prepend a warmup ramp to any schedule.

    .. math::

        s(t) = \\begin{cases}
            r(t) & t < w \\\\
            g(t - w) & t \\ge w
        \\end{cases}, \\qquad
        r(t) = \\begin{cases}
            a + (g(0) - a)\\, t / w & \\text{linear} \\\\
            a\\, (g(0)/a)^{t / w} & \\text{exponential}
        \\end{cases}

    where :math:`g` is ``schedule``, :math:`w` = ``steps``, :math:`a` = ``start``.
    The ramp is ``linear(start, g(0), w)`` or ``geometric(start, g(0), w)``
    joined with ``>>``; it reaches :math:`g(0)` at ``t = w``, where ``schedule``
    takes over, so the join is continuous. ``steps=0`` returns ``schedule``.

    Args:
        schedule: the schedule to warm up into.
        steps: the warmup length :math:`w` (integer >= 0).
        start: the first rate, in ``[0, schedule(0)]`` (``> 0`` for ``"exponential"``).
        shape: ``"linear"`` or ``"exponential"``.

    Returns:
        ``ramp >> schedule`` (a :class:`~lrkit.schedules.Sequence`).

    Raises:
        LRKitError: if ``schedule`` is not a schedule, ``steps`` is negative,
            ``start`` is out of range, or ``shape`` is unknown.

    Example:
        >>> from lrkit.schedules import cosine
        >>> s = warmup(cosine(lr=0.1, steps=90), steps=10)
        >>> s
        linear(start=0.0, end=0.1, steps=10) >> cosine(lr=0.1, steps=90, min_lr=0.0)
        >>> round(s(5), 12), s(10)
        (0.05, 0.1)
    """
    if not isinstance(schedule, Schedule):
        raise LRKitError(f"`schedule` of warmup must be a schedule; got {schedule!r}.")
    steps = check_int("steps", steps, "warmup", low=0)
    check_choice("shape", shape, "warmup", ("linear", "exponential"))
    target = float(schedule(0))
    if shape == "exponential" and target <= 0.0:
        raise LRKitError(
            f"`schedule` of warmup must start above 0 for shape='exponential'; got schedule(0) = {target:g}."
        )
    start = check_positive("start", start, "warmup", allow_zero=shape == "linear")
    if start > target:
        raise LRKitError(f"`start` of warmup must be <= schedule(0) = {target:g}; got {start:g}.")
    if steps == 0:
        return schedule
    ramp = Linear if shape == "linear" else Geometric
    return sequence(ramp(start=start, end=target, steps=steps), schedule)


# The composites below take a ``warmup`` *length* parameter (HF's name), which
# shadows the function inside them.
_prepend_warmup = warmup


@register(
    "warmup_cosine",
    "linear warmup from 0 to lr, then cosine to min_lr; steps is the total (HF cosine)",
    torch="LinearLR + CosineAnnealingLR (SequentialLR); HF get_cosine_schedule_with_warmup",
    composite=True,
    example="warmup_cosine(lr=0.1, warmup=100, steps=1000, min_lr=0.001)",
)
def warmup_cosine(lr: float, warmup: int, steps: int, min_lr: float = 0.0) -> Schedule:
    """Linear warmup then cosine decay, with ``steps`` the total length.

    .. math::

        s(t) = \\begin{cases}
            \\eta\\, t / w & t < w \\\\
            \\eta_{min} + (\\eta - \\eta_{min}) \\frac{1 + \\cos(\\pi (t - w)/(T - w))}{2} & w \\le t \\le T
        \\end{cases}

    and ``min_lr`` after :math:`T`. This is ``warmup(cosine(lr, T - w, min_lr),
    steps=w)``; with ``min_lr = 0`` it equals Hugging Face's
    ``get_cosine_schedule_with_warmup`` on ``t < T`` (HF's cosine climbs back past
    the end; lrkit holds ``min_lr``).

    Args:
        lr: the peak rate (>= 0).
        warmup: warmup updates :math:`w`, an integer in ``[0, steps)``.
        steps: total updates :math:`T` (positive integer).
        min_lr: the floor, in ``[0, lr]``.

    Returns:
        ``linear(0, lr, w) >> cosine(lr, T - w, min_lr)`` (just the cosine when ``w = 0``).

    Raises:
        LRKitError: for invalid rates or lengths.

    Example:
        >>> s = warmup_cosine(lr=0.1, warmup=10, steps=110)
        >>> s(0), s(10), round(s(60), 12), s(110)
        (0.0, 0.1, 0.05, 0.0)
    """
    lr = check_positive("lr", lr, "warmup_cosine", allow_zero=True)
    steps = check_int("steps", steps, "warmup_cosine")
    warmup_steps = check_int("warmup", warmup, "warmup_cosine", low=0, high=steps - 1)
    min_lr = check_floor("min_lr", min_lr, lr, "warmup_cosine")
    return _prepend_warmup(Cosine(lr=lr, steps=steps - warmup_steps, min_lr=min_lr), steps=warmup_steps)


_DECAYS = ("linear", "cosine", "1-sqrt")


@register(
    "wsd",
    "warmup-stable-decay: warm up, hold lr, cool down (linear, cosine or 1-sqrt) to min_lr",
    torch="HF get_wsd_schedule",
    composite=True,
    example="wsd(lr=0.1, warmup=100, stable=700, decay=200, min_lr=0.001, shape='1-sqrt')",
)
def wsd(
    lr: float, warmup: int, stable: int, decay: int, min_lr: float = 0.0, shape: str = "linear"
) -> Schedule:
    """Warmup-stable-decay ("trapezoidal") schedule, Hugging Face ``get_wsd_schedule`` semantics.

    With :math:`w, S, D` = ``warmup, stable, decay``, :math:`\\eta` = ``lr``,
    :math:`\\eta_m` = ``min_lr`` and :math:`u = (t - w - S)/D`:

    .. math::

        s(t) = \\begin{cases}
            \\eta_m + (\\eta - \\eta_m)\\, t / w & t < w \\\\
            \\eta & w \\le t < w + S \\\\
            \\eta_m + (\\eta - \\eta_m)\\, f(u) & w + S \\le t < w + S + D \\\\
            \\eta_m & \\text{after}
        \\end{cases}

    with :math:`f(u) = 1 - u` (``"linear"``), :math:`(1 + \\cos \\pi u)/2`
    (``"cosine"``) or :math:`1 - \\sqrt{u}` (``"1-sqrt"``). Built as ``linear >>
    constant >> linear | cosine | one_minus_sqrt``; zero-length phases are left
    out. As in HF (``min_lr_ratio = min_lr / lr``) the warmup starts at ``min_lr``.

    Args:
        lr: the plateau rate (>= 0).
        warmup: warmup updates (integer >= 0).
        stable: updates held at ``lr`` (integer >= 0).
        decay: cool-down updates (positive integer).
        min_lr: the floor, in ``[0, lr]``.
        shape: the cool-down: ``"linear"``, ``"cosine"`` or ``"1-sqrt"``.

    Returns:
        The sequence of primitive phases.

    Raises:
        LRKitError: for invalid rates, lengths or shape.

    Example:
        >>> s = wsd(lr=1.0, warmup=2, stable=3, decay=4, shape="1-sqrt")
        >>> [round(float(v), 3) for v in s(range(10))]
        [0.0, 0.5, 1.0, 1.0, 1.0, 1.0, 0.5, 0.293, 0.134, 0.0]

    References:
        Hägele et al., "Scaling Laws and Compute-Optimal Training Beyond Fixed
        Training Durations", NeurIPS 2024.
    """
    lr = check_positive("lr", lr, "wsd", allow_zero=True)
    warmup_steps = check_int("warmup", warmup, "wsd", low=0)
    stable = check_int("stable", stable, "wsd", low=0)
    decay = check_int("decay", decay, "wsd")
    min_lr = check_floor("min_lr", min_lr, lr, "wsd")
    check_choice("shape", shape, "wsd", _DECAYS)
    phases: list[Schedule] = []
    if warmup_steps:
        phases.append(Linear(start=min_lr, end=lr, steps=warmup_steps))
    if stable:
        phases.append(Constant(lr=lr, steps=stable))
    if shape == "linear":
        phases.append(Linear(start=lr, end=min_lr, steps=decay))
    elif shape == "cosine":
        phases.append(Cosine(lr=lr, steps=decay, min_lr=min_lr))
    else:
        phases.append(OneMinusSqrt(lr=lr, steps=decay, min_lr=min_lr))
    return phases[0] if len(phases) == 1 else sequence(*phases)
