"""Autopilot's input checks: what it needs from the optimizer, the model, the budget and each loss.

Each check raises one :class:`~lrkit.LRKitError` line naming the argument, the bad value and what
is allowed, before the Autopilot has changed anything (the model's weights are never touched
before the first applied update; the rates it wrote are put back when the first loss fails).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import torch

from lrkit.errors import LRKitError, check_int, exception_line, group_rate_problem
from lrkit.finder import MIN_POINTS
from lrkit.torch._finder_rule import check_reads_rate, needs_closure
from lrkit.torch._groups import check_trainable

__all__ = ["MIN_BUDGET", "check_budget", "check_first_loss", "check_optimizer", "check_scaler",
           "first_step_failed", "has_gradients", "loss_leaves", "loss_value"]

#: Fewest updates a budget may have: a ramp is at most half of it and a range test reads a rate
#: from at least ``lrkit.finder.MIN_POINTS`` (8) of them.
MIN_BUDGET = 2 * MIN_POINTS

_OWNER = "Autopilot"


def check_budget(budget: int | None) -> int | None:
    """``budget`` as an int (``None`` stays ``None``).

    Raises:
        LRKitError: for a budget below :data:`MIN_BUDGET` or not an integer.

    Example:
        >>> check_budget(100), check_budget(None)
        (100, None)
        >>> try:
        ...     check_budget(10)
        ... except LRKitError as e:
        ...     print(e)  # doctest: +NORMALIZE_WHITESPACE
        `budget` of Autopilot must be an integer >= 16 (its probe reads a rate from at least 8 updates,
        at most half the budget); got 10.
    """
    if budget is None:
        return None
    if isinstance(budget, int) and not isinstance(budget, bool) and 0 < budget < MIN_BUDGET:
        raise LRKitError(f"`budget` of {_OWNER} must be an integer >= {MIN_BUDGET} (its probe reads a rate "
                         f"from at least {MIN_POINTS} updates, at most half the budget); got {budget}.")
    return check_int("budget", budget, _OWNER, low=MIN_BUDGET)


def check_optimizer(optimizer: object, model: torch.nn.Module | None) -> torch.optim.Optimizer:
    """The optimizer, if the Autopilot can drive it: a torch optimizer with an ``lr`` in every
    parameter group and a step that needs no closure and reads the rate at every update (not Rprop),
    holding a parameter that requires grad, and updating every trainable parameter of ``model`` (when given).

    Raises:
        LRKitError: naming what is missing.

    Example:
        >>> m = torch.nn.Linear(2, 1)
        >>> try:
        ...     check_optimizer(torch.optim.SGD([m.weight], lr=0.1), m)
        ... except LRKitError as e:
        ...     print(e)  # doctest: +NORMALIZE_WHITESPACE
        `model` of Autopilot has 1 trainable parameter the optimizer does not update (first: 'bias',
        shape (1,)); give the optimizer every trainable parameter, set requires_grad=False on those to
        keep fixed, or, if another optimizer trains them (a GAN, a head's own optimizer), pass model= the
        submodule this optimizer trains (its rollbacks put back that part only).
    """
    if not isinstance(optimizer, torch.optim.Optimizer):
        kind = type(optimizer).__name__
        raise LRKitError(f"`optimizer` of {_OWNER} must be a torch optimizer; got {kind}.")
    if (problem := group_rate_problem(optimizer.param_groups)) is not None:
        i, has_key, what = problem
        if not has_key:
            raise LRKitError(f"`optimizer` of {_OWNER} must have an 'lr' in every parameter group (the rate "
                             f"it drives); got {type(optimizer).__name__} whose group {i} has none.")
        raise LRKitError(f"`optimizer` of {_OWNER} must have a number as 'lr' in every parameter group (the "
                         f"rate it drives); got {type(optimizer).__name__} whose group {i} has {what}.")
    if needs_closure(optimizer):
        name = type(optimizer).__name__
        raise LRKitError(f"`optimizer` of {_OWNER} must take a step without a closure (the Autopilot "
                         f"calls optimizer.step() once per loss it is given); got {name}, whose step "
                         "re-evaluates the loss through one.")
    check_reads_rate(optimizer, _OWNER, "at every update: the probe, the warmup, the decay")
    check_trainable(optimizer, _OWNER, "; nothing was changed")
    if model is not None:
        if not isinstance(model, torch.nn.Module):
            raise LRKitError(f"`model` of {_OWNER} must be a torch.nn.Module; got {type(model).__name__}.")
        updated = {id(p) for g in optimizer.param_groups for p in g["params"]}
        missing = [(n, p) for n, p in model.named_parameters() if p.requires_grad and id(p) not in updated]
        if missing:
            name, p = missing[0]
            s = "" if len(missing) == 1 else "s"
            # A rollback puts back the optimizer's parameters and the model's buffers: one it cannot put
            # back (left out by mistake, or trained by another optimizer) would mix two states.
            raise LRKitError(f"`model` of {_OWNER} has {len(missing)} trainable parameter{s} the optimizer "
                             f"does not update (first: {name!r}, shape {tuple(p.shape)}); give the optimizer "
                             "every trainable parameter, set requires_grad=False on those to keep fixed, or, "
                             "if another optimizer trains them (a GAN, a head's own optimizer), pass model= "
                             "the submodule this optimizer trains (its rollbacks put back that part only).")
    return optimizer


def check_first_loss(value: float, grads_ok: bool, model_known: bool = True) -> None:
    """The first update's loss and gradients must be finite: no rate can be tried otherwise.

    The refusal says what is as it was, and only that: no update ran and the rates are put back; the
    model's buffers (BatchNorm's running statistics, which the refused batch's forward already wrote) are
    put back from the Autopilot's snapshot only when it was given the model (``model_known``).

    Raises:
        LRKitError: for a NaN or infinite loss, or a non-finite gradient.

    Example:
        >>> check_first_loss(1.0, True)
        >>> try:
        ...     check_first_loss(float("nan"), True)
        ... except LRKitError as e:
        ...     print(e)  # doctest: +NORMALIZE_WHITESPACE
        `loss` of Autopilot.step must be finite at the first update, before any rate is tried; got nan
        (nothing was applied: the model and the optimizer's rates are as they were).
    """
    if math.isfinite(value) and grads_ok:
        return
    finite_loss = math.isfinite(value)
    what = f"`loss` of {_OWNER}.step must be finite" if not finite_loss else "the gradients must be finite"
    got = f"{value}" if not finite_loss else (
        "a NaN or infinite gradient under a finite loss; if a GradScaler scales the loss, its first updates "
        "overflow by design (it starts high and backs off): pass it, Autopilot(..., scaler=scaler), to skip "
        "them as scaler.step does")
    undone = "nothing was applied: the model and the optimizer's rates are as they were"
    if not model_known:
        undone = ("no update was applied and the optimizer's rates are as they were; the batch's forward may "
                  "have written the model's buffers, such as BatchNorm's running statistics, which the "
                  "Autopilot puts back only when given the model: Autopilot(..., model=model)")
    raise LRKitError(f"{what} at the first update, before any rate is tried; got {got} ({undone}).")


def first_step_failed(optimizer: torch.optim.Optimizer, exc: Exception) -> LRKitError:
    """The error for an ``optimizer.step()`` that raised at the Autopilot's first update, naming it.

    Example:
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        >>> err = first_step_failed(opt, AssertionError("requires closure"))
        >>> print(err)  # doctest: +NORMALIZE_WHITESPACE
        `optimizer` of Autopilot failed in its step at the first update (AssertionError: requires closure):
        the Autopilot calls optimizer.step() with no closure, once per loss it is given, so an optimizer
        whose step needs one (as SAM's does) cannot be driven by it; got SGD (the optimizer's rates are as
        they were).
    """
    what = exception_line(exc)
    return LRKitError(f"`optimizer` of {_OWNER} failed in its step at the first update ({what}): the "
                      "Autopilot calls optimizer.step() with no closure, once per loss it is given, so an "
                      "optimizer whose step needs one (as SAM's does) cannot be driven by it; got "
                      f"{type(optimizer).__name__} (the optimizer's rates are as they were).")


def check_scaler(scaler: Any) -> Any:
    """``scaler``, a loss scaler the loop scales the loss with (``torch.amp.GradScaler``: ``unscale_``
    and ``update``), or ``None``.

    Raises:
        LRKitError: naming ``scaler`` of Autopilot, for anything else.

    Example:
        >>> check_scaler(None) is None, type(check_scaler(torch.amp.GradScaler("cpu"))).__name__
        (True, 'GradScaler')
    """
    if scaler is not None and not all(callable(getattr(scaler, m, None)) for m in ("unscale_", "update")):
        raise LRKitError(f"`scaler` of {_OWNER} must be the loop's loss scaler (a torch.amp.GradScaler) or "
                         f"None; got {type(scaler).__name__}.")
    return scaler


def has_gradients(optimizer: torch.optim.Optimizer) -> bool:
    """Whether any parameter of ``optimizer`` has a ``.grad`` (``loss.backward()`` ran since ``zero_grad``).

    Example:
        >>> w = torch.nn.Parameter(torch.ones(2))
        >>> opt = torch.optim.SGD([w], lr=0.1)
        >>> has_gradients(opt), ((w * 3).sum().backward(), has_gradients(opt))[1]
        (False, True)
    """
    return any(p.grad is not None for g in optimizer.param_groups for p in g["params"])


def _kind(value: object) -> str:
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {list(value.shape)}"
    return type(value).__name__


def loss_value(loss: object, optimizer: torch.optim.Optimizer) -> float:
    """The number an update's ``loss`` stands for, once it is known to be one and to have gradients.

    ``Autopilot.step`` reads the loss as a number (the probe's curve, the guard's spike test) and
    applies the gradients in ``.grad``: a tuple such as ``(loss, logs)``, a dict or a per-sample loss
    vector is no such number, and a step with no gradient anywhere (``loss.backward()`` forgotten, or
    an optimizer of another model's parameters, told apart by the loss's graph) would spend an update of
    the budget moving nothing.

    Raises:
        LRKitError: naming ``loss`` of Autopilot.step, before anything is applied or recorded.

    Example:
        >>> w = torch.nn.Parameter(torch.ones(2))
        >>> opt = torch.optim.SGD([w], lr=0.1)
        >>> loss = (w ** 2).sum()
        >>> loss.backward()
        >>> loss_value(loss, opt), loss_value(2, opt)
        (2.0, 2.0)
        >>> try:
        ...     loss_value((loss, {"mse": 2.0}), opt)
        ... except LRKitError as e:
        ...     print(e)  # doctest: +NORMALIZE_WHITESPACE
        `loss` of Autopilot.step must be a number or a one-element tensor (the loss whose gradients are
        in .grad); got tuple.
    """
    if isinstance(loss, torch.Tensor) and loss.numel() == 1:
        value = float(loss.detach())
    elif isinstance(loss, numbers.Real) and not isinstance(loss, bool):
        value = float(loss)
    else:
        raise LRKitError(f"`loss` of {_OWNER}.step must be a number or a one-element tensor (the loss whose "
                         f"gradients are in .grad); got {_kind(loss)}.")
    if not has_gradients(optimizer):
        raise LRKitError(_no_gradient(loss, optimizer))
    return value


def loss_leaves(loss: object) -> list[torch.Tensor]:
    """The leaf tensors ``loss`` was computed from (its graph's ``AccumulateGrad`` nodes): what its
    ``backward()`` writes a ``.grad`` to. Empty for a number, or a tensor with no graph (detached).

    Example:
        >>> a, b = torch.nn.Parameter(torch.ones(1)), torch.nn.Parameter(torch.ones(1))
        >>> [x is a for x in loss_leaves((a * 3).sum())], loss_leaves(2.0)
        ([True], [])
    """
    node = loss.grad_fn if isinstance(loss, torch.Tensor) else None
    seen, todo, leaves = set(), [node] if node is not None else [], []
    while todo:
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        if hasattr(node, "variable"):  # AccumulateGrad: a leaf's .grad is written here
            leaves.append(node.variable)
        todo.extend(nxt for nxt, _ in node.next_functions)
    return leaves


def _no_gradient(loss: object, optimizer: torch.optim.Optimizer) -> str:
    """Why no parameter of the optimizer has a gradient, read from the loss's graph when it has one: a
    loss computed from none of the optimizer's parameters (an optimizer built on another model, say a
    copy made before a re-initialisation) gets none from ``backward()``, called or not."""
    leaves = loss_leaves(loss)
    given = {id(p) for g in optimizer.param_groups for p in g["params"]}
    if leaves and not any(id(x) in given for x in leaves):
        return (f"`optimizer` of {_OWNER} updates none of the {len(leaves)} parameters the loss depends on "
                f"(its {len(given)} are another module's): build the optimizer from the parameters() of the "
                "model the loss is computed with; got a step with no gradient to apply (nothing was "
                "applied).")
    cause = "" if leaves else (" (or the optimizer holds other parameters than the ones the loss depends on: "
                               "build it from the model the loss is computed with)")
    return (f"`loss` of {_OWNER}.step must come after loss.backward(): no parameter of the optimizer has a "
            f"gradient{cause}; got a step with none (nothing was applied).")
