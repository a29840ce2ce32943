"""The optimizer's kind as ``find_lr`` and the Autopilot read it, and the suggestion rule chosen from it.

The kind: adaptive or not (:func:`is_adaptive`), its momentum (:func:`momentum_of`), whether its
step needs a closure (:func:`needs_closure`, LBFGS: the plain update loop cannot drive it), and
whether its step reads the rate it is given at all (:func:`check_reads_rate`: Rprop by its class, any
other by the size of its update against the rate, tried on a copy, ``lrkit.torch._rate_response``: a
sweep or a driven rate would change nothing).

Why the kind matters. An SGD update is :math:`\\eta g`: it shrinks with the
gradient, so the noise floor falls on its own and the best long-run rate sits
close to the edge where the short sweep starts to blow up; lrkit's ``default``
rule (a third of the way across the half-depth valley) aims there. An adaptive
update (Adam, RMSprop, AdaGrad, ...) is about :math:`\\eta` per coordinate
whatever the gradient's scale, so its noise floor stays proportional to
:math:`\\eta`, and the sweep's blow-up edge says little about the long-run
optimum; the ``falling`` rule (where the loss first falls through half its
depth, the lag-free steepest point) ignores that edge. The rule of each kind
is a field of :class:`lrkit.finder.FinderPolicy` (``adaptive_rule``, ``sgd_rule``);
the measurements are in ``docs/evidence.md#finder-the-automatic-rule``.

The blow-up anchor's distance below the blow-up depends on whether the step has momentum
(:func:`momentum_of`, :func:`resolve_policy`): a step that averages past gradients (heavy-ball
momentum, Adam's first moment) answers the onset of instability about :math:`1/(1-\\beta)` updates
late, while the sweep's rate keeps rising, so its sweep blows up further above a full run's best rate
(``docs/evidence.md#finder-the-zoo``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

import torch

from lrkit.errors import LRKitError, group_rate_problem, unknown_name
from lrkit.finder import FinderPolicy, rules
from lrkit.torch._rate_response import rate_response
from lrkit.torch._updates import innermost

__all__ = ["ADAPTIVE_OPTIMIZERS", "MEASURED_MOMENTUM", "RATE_CAPPED", "RATE_READ_EVERY_UPDATE",
           "RATE_READ_ONCE", "anchor_decades_for", "capped_from", "check_reads_rate", "documented_lr",
           "is_adaptive", "momentum_of", "needs_closure", "optimizer_steps", "resolve_policy", "resolve_rule"]

#: Optimizers whose step reads a group's ``lr`` at their first update only, and how (torch's own code):
#: a rate written after it, a sweep's or the Autopilot's, changes nothing.
RATE_READ_ONCE: dict[type[torch.optim.Optimizer], str] = {
    torch.optim.Rprop: "sets each weight's step size to lr at its first step, then grows or shrinks the "
                       "step sizes by the signs of the gradients (etas, within step_sizes) whatever lr says",
}

#: torch's optimizers whose step reads ``lr`` at every update (torch's own code; each measured at an
#: exponent 1.00 in the rate, ``BENCHMARKS.md``, section ``rate_response``): they and their subclasses (a
#: step that records and calls ``super().step``) are not tried on a copy, which would run a subclass's code.
RATE_READ_EVERY_UPDATE: tuple[type[torch.optim.Optimizer], ...] = tuple(
    getattr(torch.optim, name) for name in ("SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop",
                                             "Adagrad", "Adadelta", "ASGD", "SparseAdam", "LBFGS",
                                             "Adafactor") if hasattr(torch.optim, name))

#: Optimizers whose step runs at ``min(lr, cap(t))``, ``t`` its step count (torch's own code), by what they
#: do and the cap: a swept rate above the cap is not the rate that ran.
RATE_CAPPED: dict[type[torch.optim.Optimizer], tuple[str, Callable[[int], float]]] = {
    **({torch.optim.Adafactor: ("runs at min(lr, 1/sqrt(t)), t its step count (its relative step size)",
                                lambda t: t ** -0.5)} if hasattr(torch.optim, "Adafactor") else {}),
}

#: The momentum at which ``FinderPolicy.anchor_decades`` was measured: every zoo workload with momentum
#: has 0.9 (SGD momentum, Nesterov, the Adam family's default beta1); ``docs/evidence.md#finder-the-zoo``.
MEASURED_MOMENTUM = 0.9

#: torch optimizers whose update size is set by ``lr`` per coordinate, not by the gradient's scale.
ADAPTIVE_OPTIMIZERS: tuple[type[torch.optim.Optimizer], ...] = (
    torch.optim.Adam,
    torch.optim.AdamW,
    torch.optim.Adamax,
    torch.optim.NAdam,
    torch.optim.RAdam,
    torch.optim.RMSprop,
    torch.optim.Adagrad,
    torch.optim.Adadelta,
    torch.optim.SparseAdam,
    # A running second moment without `betas` (beta2_decay); torch >= 2.5 only.
    *((torch.optim.Adafactor,) if hasattr(torch.optim, "Adafactor") else ()),
)


def is_adaptive(optimizer: torch.optim.Optimizer) -> bool:
    """Whether ``optimizer``'s update size is set by ``lr`` per coordinate (the Adam kind).

    True for :data:`ADAPTIVE_OPTIMIZERS` and their subclasses (read under a wrapper: accelerate's
    ``AcceleratedOptimizer``, Lightning's ``LightningOptimizer``), and for any optimizer with
    ``betas`` in a parameter group: the Adam family written outside torch (fused and 8-bit
    Adams, Lion, LAMB, Adan, ...) normalizes its update by running moments the same way, and
    ``betas`` is how they all spell those moments. The SGD family has no ``betas``.

    A from-scratch Adam, which a class check misses, gives the same sweeps as torch's Adam, so
    it must get Adam's rule; torch's Adafactor has no ``betas`` (its second moment decays by
    ``beta2_decay``) and is in :data:`ADAPTIVE_OPTIMIZERS` by class (the measurements for Lion,
    Adafactor and a hand-written Adam: ``BENCHMARKS.md``, section ``finder_kind``).

    Example:
        >>> import torch
        >>> p = [torch.nn.Parameter(torch.zeros(1))]
        >>> class Lion(torch.optim.Optimizer):  # a third-party Adam-like optimizer
        ...     def __init__(self, params, lr=1e-4, betas=(0.9, 0.99)):
        ...         super().__init__(params, {"lr": lr, "betas": betas})
        >>> is_adaptive(Lion(p)), is_adaptive(torch.optim.RMSprop(p)), is_adaptive(torch.optim.SGD(p, lr=0.1))
        (True, True, False)
    """
    # The class of the torch optimizer under a wrapper (accelerate's AcceleratedOptimizer, which hf.find_lr
    # always sweeps): the wrapper's own class says nothing of the update.
    return isinstance(innermost(optimizer), ADAPTIVE_OPTIMIZERS) or any(
        "betas" in g for g in optimizer.param_groups)


def documented_lr(optimizer: torch.optim.Optimizer) -> float | None:
    """The ``lr`` default of the optimizer's class (under any wrapper), or ``None`` when it has none.

    The rate its authors ship as safe, so a scale of the optimizer's own: ``1e-3`` for Adam, ``1.0``
    for Adadelta, whose rate multiplies a unit-corrected step. A default that is not a finite
    number > 0 (torch's ``required``, ``None`` for a relative step) is no scale: ``None``.

    Example:
        >>> p = [torch.nn.Parameter(torch.zeros(1))]
        >>> documented_lr(torch.optim.Adam(p)), documented_lr(torch.optim.Adadelta(p))
        (0.001, 1.0)
    """
    try:
        param = inspect.signature(type(innermost(optimizer)).__init__).parameters.get("lr")
    except (TypeError, ValueError):  # a class whose signature cannot be read says nothing
        return None
    value = None if param is None else param.default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if 0.0 < value < float("inf") else None


def resolve_rule(rule: str, optimizer: torch.optim.Optimizer, policy: FinderPolicy = FinderPolicy()) -> str:
    """Return the rule name to use: ``rule`` itself, or for ``"auto"`` the optimizer's kind's.

    Args:
        rule: ``"auto"`` or a name in :data:`lrkit.finder.rules`.
        optimizer: the optimizer the sweep steps.
        policy: names the rule of each kind (``adaptive_rule``, ``sgd_rule``).

    Returns:
        ``policy.adaptive_rule`` (``"falling"``) for an adaptive optimizer
        (:func:`is_adaptive`), ``policy.sgd_rule`` (``"default"``) otherwise, when
        ``rule == "auto"``; else ``rule``.

    Raises:
        LRKitError: for a name that is neither ``"auto"`` nor a registered rule.

    Example:
        >>> import torch
        >>> p = [torch.nn.Parameter(torch.zeros(1))]
        >>> resolve_rule("auto", torch.optim.Adam(p)), resolve_rule("auto", torch.optim.SGD(p, lr=0.1))
        ('falling', 'default')
        >>> resolve_rule("valley", torch.optim.Adam(p))
        'valley'
    """
    if rule == "auto":
        return policy.adaptive_rule if is_adaptive(optimizer) else policy.sgd_rule
    if not isinstance(rule, str) or rule not in rules:
        raise unknown_name("rule", rule, ["auto", *rules])
    return rule


def momentum_of(optimizer: torch.optim.Optimizer) -> float:
    """The optimizer's momentum :math:`\\beta` (first group): SGD's and RMSprop's ``momentum``, the
    Adam family's ``betas[0]``, 0 for none.

    Example:
        >>> p = [torch.nn.Parameter(torch.zeros(1))]
        >>> momentum_of(torch.optim.SGD(p, lr=0.1, momentum=0.9)), momentum_of(torch.optim.Adagrad(p))
        (0.9, 0.0)
    """
    group = optimizer.param_groups[0]
    if "betas" in group:
        return float(group["betas"][0])
    return float(group.get("momentum", 0.0) or 0.0)


def needs_closure(optimizer: torch.optim.Optimizer) -> bool:
    """Whether ``optimizer.step`` requires a ``closure`` (LBFGS evaluates the loss itself, several times).

    Example:
        >>> p = [torch.nn.Parameter(torch.zeros(1))]
        >>> needs_closure(torch.optim.LBFGS(p)), needs_closure(torch.optim.SGD(p, lr=0.1))
        (True, False)
    """
    try:
        closure = inspect.signature(optimizer.step).parameters.get("closure")
    except (TypeError, ValueError):  # a step whose signature cannot be read: assume the usual one
        return False
    return closure is not None and closure.default is inspect.Parameter.empty


def check_reads_rate(optimizer: torch.optim.Optimizer, owner: str, writes: str) -> None:
    """Raise before any state is touched when ``optimizer``'s step ignores the rate ``owner`` writes: a
    sweep of a rate the step does not read reads the optimizer's own descent, and a driven one drives
    nothing. ``writes``: when ``owner`` writes the rate.

    Two tests. By class: :data:`RATE_READ_ONCE` (Rprop) is refused, named with how it uses the rate;
    :data:`RATE_READ_EVERY_UPDATE` (torch's others) passes. Then any other (a user's, a package's) by its
    update: tried on a copy at two rates two decades apart (:func:`lrkit.torch._rate_response.
    rate_response`; nothing of the user's is touched, though the class's ``step`` runs on the copy), a
    step whose size grows less than :data:`~lrkit.torch._rate_response.MIN_RATE_EXPONENT` decades per
    decade of rate does not follow it. A step that cannot be tried on a copy (it fails there) is not
    refused: the test cannot tell. A group without a number as its rate is left to the caller's own check,
    which names it.

    Example:
        >>> p = [torch.nn.Parameter(torch.zeros(1))]
        >>> check_reads_rate(torch.optim.Adam(p), "find_lr", "every update")
        >>> check_reads_rate(torch.optim.Rprop(p), "find_lr", "every update")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: `optimizer` of find_lr must read the rate it is given (...); got Rprop, ...
    """
    name = type(innermost(optimizer)).__name__
    head = f"`optimizer` of {owner} must read the rate it is given ({owner} writes it {writes}); got {name}"
    why = next((w for cls, w in RATE_READ_ONCE.items() if isinstance(optimizer, cls)), None)
    if why is not None:
        raise LRKitError(f"{head}, which {why}. {name} adapts its own step sizes: train it without {owner}, "
                         "its lr being the first step size.")
    if (isinstance(innermost(optimizer), RATE_READ_EVERY_UPDATE) or needs_closure(optimizer)
            or group_rate_problem(optimizer.param_groups) is not None):
        return
    response = rate_response(optimizer)
    if response is None or response.follows:
        return
    (low, high), (r1, r2) = response.moved, response.rates
    raise LRKitError(f"{head}, whose update does not follow it: tried on a copy of its parameters, a rate "
                     f"{r2 / r1:g} times higher moved them {high / low:.3g} times as far ({low:.3g} at "
                     f"lr={r1:g}, {high:.3g} at lr={r2:g}). A sweep of a rate the step ignores reads the "
                     f"optimizer's own steps as the rate's: have its step use param_group['lr'], or train "
                     f"it without {owner}.")


def optimizer_steps(optimizer: torch.optim.Optimizer) -> int:
    """The step count the optimizer has reached (its state's largest ``step``; 0 before its first step).

    Example:
        >>> w = torch.nn.Parameter(torch.zeros(1)); opt = torch.optim.Adam([w])
        >>> w.grad = torch.ones(1); opt.step(); opt.step(); optimizer_steps(opt)
        2
    """
    steps = [float(s["step"]) for s in optimizer.state.values() if isinstance(s, dict) and "step" in s]
    return int(max(steps, default=0))


def capped_from(optimizer: torch.optim.Optimizer, lrs: Sequence[float], start: int) -> int | None:
    """The first sweep update whose rate ``optimizer`` runs below the rate written (:data:`RATE_CAPPED`).

    Update ``i`` of a sweep begun at the optimizer's step ``start`` is its step ``t = start + i + 1``; it
    ran at ``min(lrs[i], cap(t))``. None for an optimizer without a cap, or a sweep that stays under it.

    Example:
        >>> p = [torch.nn.Parameter(torch.zeros(1))]
        >>> capped_from(torch.optim.Adafactor(p), [1e-3, 1e-2, 0.1, 1.0], 0)  # 1.0 > 1/sqrt(4)
        3
        >>> capped_from(torch.optim.Adam(p), [1e-3, 1.0], 0) is None
        True
    """
    cap = next((c for cls, (_, c) in RATE_CAPPED.items() if isinstance(optimizer, cls)), None)
    if cap is None:
        return None
    return next((i for i, lr in enumerate(lrs) if lr > cap(start + i + 1)), None)


def anchor_decades_for(momentum: float, policy: FinderPolicy = FinderPolicy()) -> float:
    """The blow-up anchor's distance for a step with momentum :math:`\\beta`, in decades.

    A step that averages past gradients answers the onset of instability about
    :math:`L = 1/(1-\\beta)` updates late, while the sweep's rate keeps rising, so its blow-up reads
    further above a full run's best rate. The distance is measured at two points, ``memoryless_decades``
    (:math:`\\beta = 0`, :math:`L = 1`) and ``anchor_decades`` (:data:`MEASURED_MOMENTUM`, :math:`L = 10`),
    and is linear in the lag between them (the overshoot is the lag times the sweep's decades per update):

    .. math::  c(\\beta) = c_0 + (c_{0.9} - c_0)\\,\\min\\Bigl(1, \\frac{L - 1}{L_{0.9} - 1}\\Bigr)

    clamped at ``anchor_decades`` above the measured momentum (never extrapolated). On the zoo (every
    momentum 0 or 0.9) it is the two measured values.

    Example:
        >>> [round(anchor_decades_for(b), 3) for b in (0.0, 0.5, 0.9, 0.99)]
        [1.5, 1.583, 2.25, 2.25]
    """
    if momentum <= 0:
        return policy.memoryless_decades
    lag, measured = 1.0 / (1.0 - min(momentum, MEASURED_MOMENTUM)), 1.0 / (1.0 - MEASURED_MOMENTUM)
    share = (lag - 1.0) / (measured - 1.0)
    return policy.memoryless_decades + (policy.anchor_decades - policy.memoryless_decades) * share


def resolve_policy(policy: FinderPolicy, optimizer: torch.optim.Optimizer) -> FinderPolicy:
    """``policy`` with the blow-up anchor's distance for ``optimizer``'s step (:func:`anchor_decades_for`).

    ``anchor_decades`` for a step with momentum 0.9 or more (:func:`momentum_of`: SGD with momentum or
    Nesterov, the Adam family's first moment), ``memoryless_decades`` for one without (plain SGD,
    Adagrad, Adadelta, RMSprop's default), in between for a smaller momentum (Adam with
    ``betas=(0.5, 0.999)``); every other field as given.

    Example:
        >>> import torch
        >>> p = [torch.nn.Parameter(torch.zeros(1))]
        >>> resolve_policy(FinderPolicy(), torch.optim.SGD(p, lr=0.1)).anchor_decades
        1.5
        >>> resolve_policy(FinderPolicy(), torch.optim.Adam(p)).anchor_decades
        2.25
    """
    c = anchor_decades_for(momentum_of(optimizer), policy)
    return policy if c == policy.anchor_decades else policy.replace(anchor_decades=c)
