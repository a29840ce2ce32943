"""Whether an optimizer's step follows the rate written into its groups, tried on a copy.

``find_lr`` sweeps ``group["lr"]`` over decades and the Autopilot drives it; both read the loss as the
rate's effect. An optimizer whose step does not read ``lr`` (a user's fixed step ``p -= 0.05 * grad``,
a rate kept on ``self`` at construction, torch's ``Rprop`` after its first update) moves the model the
same at every rate, so the sweep reads the optimizer's own descent as if the rate made it, and says so
with confidence. The update size tells them apart: for a step that reads the rate it grows with it.

The test. Every parameter the optimizer holds is stood in for by a small slice of it (at most
:data:`RATE_TEST_SIDE` entries along each dimension, in float64 so that a step of 1e-12 is measured),
inside a copy of the optimizer with fresh state and no step hooks (its own or the process's); the
user's parameters, state, gradients, hooks and random streams are never touched. Seeded gradients drive
:data:`RATE_TEST_UPDATES` updates twice, the same gradients in both runs: every update at :math:`r_1`
in one, the first at :math:`r_1` and the others at :math:`r_2` in the other (:data:`RATE_TEST_RATES`).
With :math:`\\Delta_1, \\Delta_2` the sizes of the last update in each run, the step's exponent in the
rate is

.. math::  e = \\log(\\Delta_2 / \\Delta_1) \\,/\\, \\log(r_2 / r_1)

1 for a step proportional to its rate (the SGD family, the Adam family, Adagrad, Adadelta, the
schedule-free and D-Adaptation families, whose rate multiplies their own step), 0 for one that
ignores it. Measuring a later update, not the first, catches a rate read once (Rprop's first step
size) and allows a rate applied one update late (torch's ``ASGD``). The measured exponents of every
optimizer family lrkit is used with: ``BENCHMARKS.md``, section ``rate_response``.
"""

from __future__ import annotations

import collections
import copy
import math
import warnings
from typing import Any, NamedTuple

import torch

from lrkit.torch._updates import innermost

__all__ = ["MIN_RATE_EXPONENT", "RATE_TEST_RATES", "RATE_TEST_SIDE", "RATE_TEST_UPDATES", "RateResponse",
           "rate_response"]

#: The two rates the step is tried at: two decades apart, as a sweep moves, and both below the lowest cap
#: a shipped optimizer puts on its rate in the first updates (torch's Adafactor: 1/sqrt(t), 0.58 at t=3).
RATE_TEST_RATES = (1e-3, 1e-1)
#: Updates per run; the last is measured: the first reads a rate read once (Rprop), the second applies a
#: rate written one update late (torch's ASGD computes each update's rate at the update before).
RATE_TEST_UPDATES = 3
#: Entries kept along each dimension of a parameter: enough for a factored second moment (Adafactor's row
#: and column statistics) and a matrix step, and a cost that does not grow with the model.
RATE_TEST_SIDE = 4
#: A step whose exponent is below this does not follow its rate. Every optimizer measured is at 0.97-1.07
#: or at 0.00 (``BENCHMARKS.md``, ``rate_response``): the threshold sits halfway, in the gap.
MIN_RATE_EXPONENT = 0.5

#: The ways the step is tried, in order, until one runs: ``(float64, sparse gradients)``. In float64 a step
#: of 1e-12 on a weight of 1 is measured (D-Adaptation's and Prodigy's first steps are d0 = 1e-6 times the
#: rate; in float32 they round to nothing); in the parameter's own type where float64 fails (a fused
#: kernel); sparse gradients for an optimizer that takes only those (SparseAdam).
_ATTEMPTS = ((True, False), (True, True), (False, False), (False, True))
_HOOKS = ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks", "_optimizer_state_dict_pre_hooks",
          "_optimizer_state_dict_post_hooks", "_optimizer_load_state_dict_pre_hooks",
          "_optimizer_load_state_dict_post_hooks")


class RateResponse(NamedTuple):
    """The last update's size at each of the two rates, and the step's exponent in the rate.

    Example:
        >>> r = RateResponse(moved=(0.002, 0.2), rates=(1e-3, 1e-1), exponent=1.0)
        >>> r.follows, RateResponse((0.3, 0.3), (1e-3, 1e-1), 0.0).follows
        (True, False)
    """

    moved: tuple[float, float]
    rates: tuple[float, float]
    exponent: float

    @property
    def follows(self) -> bool:
        """Whether the update follows the rate: an exponent of at least :data:`MIN_RATE_EXPONENT`."""
        return self.exponent >= MIN_RATE_EXPONENT


def rate_response(optimizer: torch.optim.Optimizer, rates: tuple[float, float] = RATE_TEST_RATES,
                  updates: int = RATE_TEST_UPDATES) -> RateResponse | None:
    """How the size of ``optimizer``'s update follows its rate, tried on a copy (see the module docstring).

    Returns:
        the two update sizes, the rates and the exponent :math:`e`; ``None`` when it cannot tell: the step
        failed on the copy (an optimizer that cannot be copied, one that needs a closure or sparse
        gradients it was not given), moved nothing at the higher rate, or moved by a non-finite amount.

    Example:
        >>> m = torch.nn.Linear(3, 2)
        >>> r = rate_response(torch.optim.Adam(m.parameters()))
        >>> round(r.exponent, 2), r.follows
        (1.0, True)
        >>> class Fixed(torch.optim.Optimizer):  # has an lr, steps by 0.05 whatever it says
        ...     def __init__(self, params):
        ...         super().__init__(params, {"lr": 0.1})
        ...     @torch.no_grad()
        ...     def step(self, closure=None):
        ...         for p in self.param_groups[0]["params"]:
        ...             p.add_(p.grad, alpha=-0.05)
        >>> rate_response(Fixed(m.parameters())).exponent
        0.0
    """
    inner = innermost(optimizer)
    moved = []
    for rate in rates:  # the same first update, then each rate's own
        size = None
        for exact, sparse in _ATTEMPTS:
            try:
                size = _last_update(inner, rates[0], rate, updates, exact, sparse)
                break
            except Exception:  # noqa: BLE001 - any failure of a step on a copy: it cannot tell
                continue
        if size is None or not math.isfinite(size):
            return None
        moved.append(size)
    low, high = moved
    if high <= 0.0:
        return None
    exponent = math.inf if low <= 0.0 else math.log(high / low) / math.log(rates[1] / rates[0])
    return RateResponse((low, high), (float(rates[0]), float(rates[1])), exponent)


def _last_update(inner: torch.optim.Optimizer, first: float, rate: float, updates: int, exact: bool,
                 sparse: bool) -> float:
    """The size of the last of ``updates`` updates of a copy of ``inner``: the first at ``first``, the
    others at ``rate``, under seeded gradients (in float64 if ``exact``; sparse ones if ``sparse``)."""
    params = list(dict.fromkeys(p for g in inner.param_groups for p in g["params"]))
    stand_ins = {id(p): _stand_in(p, exact) for p in params}
    copied = _copy(inner, stand_ins)
    tensors = list(stand_ins.values())
    gen = torch.Generator().manual_seed(0)
    grads = [[torch.randn(t.shape, generator=gen, dtype=t.dtype).to(t.device) for t in tensors]
             for _ in range(updates)]
    devices = sorted({t.device.index or 0 for t in tensors if t.device.type == "cuda"})
    step = type(inner).step  # the class's: an instance's own (LRScheduler's counter) would step the user's
    if getattr(step, "hooked", False):  # torch's wrapper runs the process's step hooks, for real updates
        step = step.__wrapped__
    with torch.random.fork_rng(devices=devices), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k, grad in enumerate(grads):
            for group in copied.param_groups:
                group["lr"] = _like(group["lr"], first if k == 0 else rate)
            for t, g in zip(tensors, grad):
                t.grad = g.to_sparse() if sparse and g.dim() else g
            before = [t.detach().clone() for t in tensors]
            step(copied)
    moved = (float((t.detach() - b).abs().double().pow(2).sum()) for t, b in zip(tensors, before))
    return math.sqrt(sum(moved))


def _stand_in(p: torch.Tensor, exact: bool) -> torch.Tensor:
    """A small copy of a slice of ``p``: in float64 if ``exact`` (a real ``p``), else float32 for a
    half-precision one."""
    dtype = p.dtype
    if exact and p.is_floating_point():
        dtype = torch.float64
    elif p.dtype in (torch.float16, torch.bfloat16):
        dtype = torch.float32
    return p.detach()[tuple(slice(0, RATE_TEST_SIDE) for _ in p.shape)].to(dtype).clone()


def _copy(inner: torch.optim.Optimizer, stand_ins: dict[int, torch.Tensor]) -> torch.optim.Optimizer:
    """A copy of ``inner`` over the stand-ins: its groups' settings and attributes copied, its state fresh,
    no hooks, no instance ``step``; modules and callables it holds are shared, not copied."""
    memo: dict[int, Any] = dict(stand_ins)
    memo[id(inner.state)] = collections.defaultdict(dict)
    for name in _HOOKS:
        if hasattr(inner, name):
            memo[id(getattr(inner, name))] = collections.OrderedDict()
    copied = object.__new__(type(inner))
    for key, value in vars(inner).items():
        if key == "step":
            continue
        shared = isinstance(value, torch.nn.Module) or callable(value)
        copied.__dict__[key] = value if shared else copy.deepcopy(value, memo)
    return copied


def _like(old: Any, value: float) -> Any:
    """``value`` in the form the group held its rate (a tensor rate stays a tensor)."""
    if isinstance(old, torch.Tensor):
        return torch.tensor(value, dtype=old.dtype, device=old.device)
    return value
