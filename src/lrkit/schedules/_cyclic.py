"""Cyclical families: ``cyclic`` (CLR) and ``one_cycle`` (1cycle), with torch's exact semantics."""

from __future__ import annotations

import dataclasses

import numpy as np

from lrkit.errors import LRKitError, check_choice, check_int, check_positive, check_range
from lrkit.schedules._base import Schedule, register

__all__ = ["Cyclic", "OneCycle", "cyclic", "one_cycle"]


@register(
    "cyclic",
    "cyclical rates between base_lr and max_lr: triangular, triangular2, exp_range",
    torch="CyclicLR",
    example=(
        "cyclic(base_lr=0.001, max_lr=0.1, step_size_up=200, step_size_down=300, "
        "mode='exp_range', gamma=0.999)"
    ),
)
@dataclasses.dataclass(frozen=True, repr=False)
class Cyclic(Schedule):
    """Cyclical learning rates (Smith, 2017), exactly torch's ``CyclicLR``.

    With :math:`U` = ``step_size_up``, :math:`D` = ``step_size_down`` (default
    :math:`U`), :math:`L = U + D`, :math:`\\rho = U / L`:

    .. math::

        c &= \\lfloor 1 + t / L \\rfloor, \\qquad x = 1 + t/L - c \\\\
        h &= \\begin{cases} x / \\rho & x \\le \\rho \\\\ (x - 1)/(\\rho - 1) & x > \\rho \\end{cases} \\\\
        s(t) &= \\eta_{base} + (\\eta_{max} - \\eta_{base})\\, h\\, g

    where :math:`g = 1` (``triangular``), :math:`g = 2^{-(c-1)}` (``triangular2``:
    the amplitude halves every cycle) or :math:`g = \\gamma^{t}` (``exp_range``).
    The rate rises for :math:`U` updates from ``base_lr``, falls for :math:`D`,
    and repeats; endless (no horizon). Momentum cycling is the torch adapter's
    business (``key="momentum"``), not this family's.

    Args:
        base_lr: the low end of the cycle (>= 0).
        max_lr: the high end, >= ``base_lr``.
        step_size_up: updates from low to high (positive integer).
        step_size_down: updates from high to low (positive integer), or ``None`` for ``step_size_up``.
        mode: ``"triangular"``, ``"triangular2"`` or ``"exp_range"``.
        gamma: the per-update amplitude decay of ``exp_range``, in ``(0, 1]``;
            other modes do not use it, so it must stay 1 with them.

    Raises:
        LRKitError: for invalid rates or sizes, an unknown mode, or a ``gamma``
            that is out of range or given to a mode that ignores it.

    Example:
        >>> s = cyclic(base_lr=0.0, max_lr=1.0, step_size_up=2, mode="triangular2")
        >>> [float(v) for v in s(range(9))]
        [0.0, 0.5, 1.0, 0.5, 0.0, 0.25, 0.5, 0.25, 0.0]

    References:
        Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017.
    """

    name = "cyclic"
    base_lr: float
    max_lr: float
    step_size_up: int
    step_size_down: int | None = None
    mode: str = "triangular"
    gamma: float = 1.0

    def __post_init__(self) -> None:
        base = check_positive("base_lr", self.base_lr, self.name, allow_zero=True)
        object.__setattr__(self, "base_lr", base)
        top = check_positive("max_lr", self.max_lr, self.name, allow_zero=True)
        if top < base:
            raise LRKitError(f"`max_lr` of cyclic must be >= base_lr ({base:g}); got {top:g}.")
        object.__setattr__(self, "max_lr", top)
        object.__setattr__(self, "step_size_up", check_int("step_size_up", self.step_size_up, self.name))
        if self.step_size_down is not None:
            object.__setattr__(
                self, "step_size_down", check_int("step_size_down", self.step_size_down, self.name)
            )
        check_choice("mode", self.mode, self.name, ("triangular", "triangular2", "exp_range"))
        gamma = check_range("gamma", self.gamma, self.name, 0.0, 1.0, low_open=True)
        if gamma != 1.0 and self.mode != "exp_range":
            raise LRKitError(
                f"`gamma` of cyclic is only used by mode='exp_range'; got {gamma:g} with mode={self.mode!r}."
            )
        object.__setattr__(self, "gamma", gamma)

    def _value(self, t: np.ndarray) -> np.ndarray:
        up = float(self.step_size_up)
        down = float(self.step_size_down) if self.step_size_down is not None else up
        total = up + down
        ratio = up / total
        # torch's CyclicLR.get_lr with last_epoch = t, term by term.
        cycle = np.floor(1.0 + t / total)
        x = 1.0 + t / total - cycle
        # ratio == 1 only when step_size_down would be 0, which validation forbids.
        height = np.where(x <= ratio, x / ratio, (x - 1.0) / (ratio - 1.0))
        if self.mode == "triangular":
            scale = 1.0
        elif self.mode == "triangular2":
            # 2**-(c-1) exactly, as torch's 1 / 2**(c-1), without its overflow
            # after 1024 cycles.
            scale = np.ldexp(1.0, (1.0 - cycle).astype(np.int64))
        else:
            scale = self.gamma**t  # torch's gamma**t, term for term
        return self.base_lr + (self.max_lr - self.base_lr) * height * scale


@register(
    "one_cycle",
    "1cycle: warm up to max_lr, anneal far below the start (cos or linear, 2 or 3 phases)",
    torch="OneCycleLR",
    example="one_cycle(max_lr=0.1, steps=1000, pct_start=0.25, anneal='linear', three_phase=True)",
)
@dataclasses.dataclass(frozen=True, repr=False)
class OneCycle(Schedule):
    """The 1cycle policy (Smith & Topin, 2019), exactly torch's ``OneCycleLR``.

    Rates: :math:`\\eta_0 = \\eta_{max}/\\delta` (``div_factor``) at the start and
    :math:`\\eta_{min} = \\eta_0/\\phi` (``final_div_factor``) at the end. With
    :math:`T` = ``steps`` and :math:`p` = ``pct_start``, torch's phase ends are
    the (possibly fractional) steps

    * two phases: :math:`e_1 = pT - 1` (:math:`\\eta_0 \\to \\eta_{max}`),
      :math:`e_2 = T - 1` (:math:`\\eta_{max} \\to \\eta_{min}`);
    * ``three_phase``: :math:`e_1 = pT - 1` (:math:`\\eta_0 \\to \\eta_{max}`),
      :math:`e_2 = 2pT - 2` (:math:`\\eta_{max} \\to \\eta_0`), :math:`e_3 = T - 1`
      (:math:`\\eta_0 \\to \\eta_{min}`).

    Step :math:`t` falls in the first phase with :math:`t \\le e_k` (the last one
    otherwise); with :math:`e_0 = 0` and :math:`\\pi_t = (t - e_{k-1})/(e_k - e_{k-1})`
    the rate goes from the phase's start :math:`a` to its end :math:`b` as

    .. math::

        \\text{cos: } b + \\frac{a - b}{2}(1 + \\cos \\pi \\pi_t), \\qquad
        \\text{linear: } a + (b - a)\\pi_t.

    It reaches :math:`\\eta_{min}` at ``t = steps - 1`` and holds it after (torch
    raises past ``steps``). One-cycle is a primitive, not a join of integer-length
    ramps, because torch's phase boundaries are fractional steps.

    Args:
        max_lr: the peak rate (> 0).
        steps: total updates :math:`T` (positive integer).
        pct_start: the fraction of steps spent rising, in ``[0, 1]`` (``[0, 0.5]``
            with ``three_phase``). Where ``pct_start * steps == 1`` torch divides
            by zero; lrkit gives ``t = 0`` the start rate :math:`\\eta_0`.
        anneal: ``"cos"`` or ``"linear"``.
        div_factor: :math:`\\delta` (> 0).
        final_div_factor: :math:`\\phi` (> 0).
        three_phase: add the symmetric descent to :math:`\\eta_0` before the final annealing.

    Raises:
        LRKitError: for an invalid rate, length, fraction, anneal name or factor.

    Example:
        >>> s = one_cycle(max_lr=1.0, steps=10, pct_start=0.5, anneal="linear", div_factor=10.0)
        >>> [round(float(v), 6) for v in s([0, 2, 4, 9, 100])]
        [0.1, 0.55, 1.0, 1e-05, 1e-05]

    References:
        Smith & Topin, "Super-Convergence: Very Fast Training of Neural Networks
        Using Large Learning Rates", 2019.
    """

    name = "one_cycle"
    max_lr: float
    steps: int
    pct_start: float = 0.3
    anneal: str = "cos"
    div_factor: float = 25.0
    final_div_factor: float = 1e4
    three_phase: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "max_lr", check_positive("max_lr", self.max_lr, self.name))
        steps = check_int("steps", self.steps, self.name)
        object.__setattr__(self, "steps", steps)
        if not isinstance(self.three_phase, bool):
            raise LRKitError(f"`three_phase` of one_cycle must be True or False; got {self.three_phase!r}.")
        pct = check_range("pct_start", self.pct_start, self.name, 0.0, 0.5 if self.three_phase else 1.0)
        object.__setattr__(self, "pct_start", pct)
        check_choice("anneal", self.anneal, self.name, ("cos", "linear"))
        object.__setattr__(self, "div_factor", check_positive("div_factor", self.div_factor, self.name))
        object.__setattr__(
            self, "final_div_factor", check_positive("final_div_factor", self.final_div_factor, self.name)
        )

    @property
    def initial_lr(self) -> float:
        """:math:`\\eta_0 = \\eta_{max} / \\delta`, the rate at ``t = 0``."""
        return self.max_lr / self.div_factor

    @property
    def min_lr(self) -> float:
        """:math:`\\eta_{min} = \\eta_0 / \\phi`, the final rate."""
        return self.initial_lr / self.final_div_factor

    def phases(self) -> list[tuple[float, float, float]]:
        """torch's phases as ``(end_step, start_rate, end_rate)``."""
        T, p = float(self.steps), self.pct_start
        lo, hi, floor = self.initial_lr, self.max_lr, self.min_lr
        if self.three_phase:
            return [(p * T - 1.0, lo, hi), (2.0 * p * T - 2.0, hi, lo), (T - 1.0, lo, floor)]
        return [(p * T - 1.0, lo, hi), (T - 1.0, hi, floor)]

    def _value(self, t: np.ndarray) -> np.ndarray:
        t = np.minimum(t, self.steps - 1.0)  # hold the final rate past the end
        out = np.empty_like(t)
        todo = np.ones(t.shape, dtype=bool)
        start_step = 0.0
        phases = self.phases()
        for k, (end_step, a, b) in enumerate(phases):
            mask = todo & ((t <= end_step) | (k == len(phases) - 1))
            if np.any(mask):
                span = end_step - start_step
                # A zero-length phase (pct_start * steps == 1, where torch divides by
                # zero) holds only t = 0 (or nothing): it takes the phase's start value.
                pct = (t[mask] - start_step) / span if span != 0.0 else np.zeros(int(mask.sum()))
                if self.anneal == "cos":
                    out[mask] = b + (a - b) / 2.0 * (np.cos(np.pi * pct) + 1.0)
                else:
                    out[mask] = (b - a) * pct + a
            todo &= ~mask
            start_step = end_step
        return out


cyclic = Cyclic
one_cycle = OneCycle
