"""The optimizer's step age: how far its first updates per unit rate lie from its settled size, on a copy.

The Autopilot reads the rate off its ramp, one update per rate, and holds what it read for the main
phase; both start from fresh optimizer statistics. An adaptive step is about the rate per coordinate
once its statistics have filled, and Adam's bias correction makes it so from the first update. A step
without it is not: torch's ``RMSprop`` divides by :math:`\\sqrt{v_k}` with :math:`v_k = (1-\\alpha^k)\\,
\\overline{g^2}` after :math:`k` updates from :math:`v_0 = 0`, so its update :math:`k` is
:math:`1/\\sqrt{1-\\alpha^k}` times its settled size (10x at the first, 1.6x at the 50th for
:math:`\\alpha = 0.99`). A ramp, all early updates, then blows up and reads its valley at a rate that
much too low, and the main phase's first updates after the restart are too large by the same factor.

The measurement (:func:`step_ages`). A copy of the optimizer over one float64 slice of one parameter of
the reference group (at most :data:`~lrkit.torch._rate_response.RATE_TEST_SIDE` entries per dimension),
fresh state, is stepped ``horizon`` times under one constant seeded gradient at a fixed rate; the size
of update :math:`k` over the rate is :math:`u_k`. A constant gradient leaves only what the optimizer's
state does with its age, not what the landscape does: the Adam family's :math:`u_k` is constant,
RMSprop's falls to its settled value, Adagrad's :math:`1/\\sqrt{k}`, Adadelta's and RAdam's rise never
settle within any budget (their schedule by design, the same in the ramp and the main phase).

The rule (:func:`age_factors`): where :math:`u` has **settled** (its last value within
``policy.age_settled`` of its value at half the horizon) and some update lies more than a factor
``policy.age_tolerance`` from the settled :math:`u_H`, the Autopilot writes every update's rate divided by
:math:`a_k = u_k / u_H`, :math:`k` the optimizer state's own update count (its ``state["step"]``), so each
update moves the weights by what the rate means at the settled size, in the ramp and after the restart
(what bias correction does for Adam). Elsewhere (the Adam family, AdamW's weight decay moving its
:math:`u` by 2%, a step that never settles, an optimizer the copy cannot step) nothing changes, bit for
bit. Measured: ``docs/evidence.md#autopilot-the-optimizers-step-age``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import torch

from lrkit.torch._rate_response import RATE_TEST_SIDE, _copy, _stand_in
from lrkit.torch._updates import innermost

__all__ = ["AGE_RATE", "age_factors", "state_age", "step_ages"]

#: The rate the copy is stepped at: a plain adaptive rate (the band's middle); ``u_k`` is a size per unit
#: rate, so any rate below an optimizer's own caps reads the same.
AGE_RATE = 1e-3
#: Group entries the copy does not read (its own rate is AGE_RATE; the parameters are a stand-in).
_NOT_READ = ("params", "lr", "initial_lr", "name")
#: :func:`step_ages` by optimizer class and group settings (the copy's start is zeros: nothing else moves it).
_SEEN: dict[Any, list[float]] = {}
_MAX_SEEN = 64


def step_ages(optimizer: torch.optim.Optimizer, group: int = 0, horizon: int = 1000) -> list[float] | None:
    """:math:`u_k`, the size of update :math:`k = 1 .. H` per unit rate of a copy of ``optimizer``'s
    group ``group`` under a constant gradient (the module docstring); ``None`` when the copy cannot be
    stepped, moves nothing or moves by a non-finite amount. The user's parameters, state, gradients and
    random streams are never touched.

    Example:
        >>> w = torch.nn.Parameter(torch.zeros(3))
        >>> u = step_ages(torch.optim.RMSprop([w]))  # 1/sqrt(1 - 0.99^k) of its settled size
        >>> round(u[0] / u[-1], 2), round(u[49] / u[-1], 2)
        (10.0, 1.59)
        >>> u = step_ages(torch.optim.Adam([w]), horizon=200)
        >>> max(u) / min(u) < 1 + 1e-6
        True
    """
    inner = innermost(optimizer)
    params = [p for p in inner.param_groups[group]["params"] if p.numel()]
    if not params:
        return None
    try:
        return _ages(inner, group, params[0], horizon)
    except Exception:  # noqa: BLE001 - any failure of a step on a copy: it cannot tell
        return None


def _ages(inner: torch.optim.Optimizer, group: int, param: torch.Tensor, horizon: int) -> list[float] | None:
    stand = torch.zeros_like(_stand_in(param, True))  # zeros: what the copy measures is the optimizer's alone
    shim = object.__new__(type(inner))  # the optimizer with one group of one parameter, for the copy
    shim.__dict__.update(vars(inner))
    shim.__dict__["param_groups"] = [{**inner.param_groups[group], "params": [param]}]
    shim.__dict__["state"] = {}
    copied = _copy(shim, {id(param): stand})
    tensor = isinstance(inner.param_groups[group]["lr"], torch.Tensor)
    copied.param_groups[0]["lr"] = torch.tensor(AGE_RATE, dtype=torch.float64) if tensor else AGE_RATE
    grad = torch.randn(stand.shape, generator=torch.Generator().manual_seed(0), dtype=stand.dtype)
    step = type(inner).step
    if getattr(step, "hooked", False):  # torch's wrapper runs the process's step hooks, for real updates
        step = step.__wrapped__
    sizes = []
    with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(horizon):
            stand.grad = grad.clone()
            before = stand.detach().clone()
            step(copied)
            sizes.append(float((stand.detach() - before).norm()) / AGE_RATE)
    if not all(math.isfinite(s) and s > 0 for s in sizes):
        return None
    return sizes


def age_factors(optimizer: torch.optim.Optimizer, group: int = 0, horizon: int = 1000,
                settled: float = 0.01, tolerance: float = 1.1) -> tuple[float, ...] | None:
    """:math:`a_k = u_k / u_H` for :math:`k = 1 .. K`, the last update more than a factor ``tolerance``
    from the settled size (:func:`step_ages`), when :math:`u` settled (:math:`|u_H / u_{H/2} - 1|` under
    ``settled``) and some update departs that far; else ``None``: the rate needs no correction.

    Example:
        >>> w = torch.nn.Parameter(torch.zeros(3))
        >>> a = age_factors(torch.optim.RMSprop([w]))
        >>> len(a), round(a[0], 2), a[-1] > 1.1
        (174, 10.0, True)
        >>> [age_factors(o([w])) for o in (torch.optim.Adam, torch.optim.AdamW, torch.optim.Adagrad)]
        [None, None, None]
    """
    inner = innermost(optimizer)
    settings = {k: v for k, v in inner.param_groups[group].items() if k not in _NOT_READ}
    try:
        params = [p for p in inner.param_groups[group]["params"] if p.numel()]
        shape = tuple(min(d, RATE_TEST_SIDE) for d in params[0].shape) if params else ()
        key: Any = (type(inner), repr(sorted(settings.items())), shape, horizon)
        hash(key)
    except TypeError:
        key = None
    u = _SEEN.get(key) if key is not None else None
    if u is None:
        u = step_ages(optimizer, group, horizon)
        if key is not None and u is not None and len(_SEEN) < _MAX_SEEN:
            _SEEN[key] = u
    if u is None:
        return None
    last, half = u[-1], u[len(u) // 2 - 1]
    if abs(last / half - 1.0) >= settled:
        return None  # a step that never settles (Adagrad's decay, RAdam's rectification): its own schedule
    away = [i for i, s in enumerate(u) if max(s / last, last / s) > tolerance]
    if not away:
        return None
    return tuple(s / last for s in u[:away[-1] + 1])


def state_age(optimizer: torch.optim.Optimizer, group: int = 0) -> int | None:
    """The updates the optimizer's state holds for group ``group``: the ``state["step"]`` of its first
    parameter that has state (a frozen one has none), 0 with no state yet; ``None`` when the state keeps
    no count.

    Example:
        >>> w = torch.nn.Parameter(torch.zeros(2))
        >>> opt = torch.optim.RMSprop([w])
        >>> state_age(opt)
        0
        >>> w.grad = torch.ones(2); opt.step(); state_age(opt)
        1
    """
    inner = innermost(optimizer)
    for p in inner.param_groups[group]["params"]:
        state: Any = inner.state.get(p)
        if state:
            step = state.get("step")
            return None if step is None else int(step)
    return 0
