"""What ``find_lr`` is given, checked whole before it snapshots, draws or steps anything.

A bad argument found after the snapshot would still be caught, but only after a DataLoader had drawn
from the torch RNG or a GradScaler had been made; so every check lives here and runs first, in the
order the arguments are listed (the first bad one is the one named). What the checks resolve on the
way (the optimizer under an accelerate wrapper, its scaler and accumulation, the rule ``"auto"``
picks, the policy for the optimizer's kind of step) comes back as one :class:`Checked` record.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

import torch

from lrkit.errors import (LRKitError, check_choice, check_count, check_flag, check_instance, check_int,
                          group_rate_problem, shown)
from lrkit.finder import MIN_STEPS, SWEEP_BYTES_PER_STEP, FinderPolicy, Sweep
from lrkit.torch._accelerate import accumulation_steps, unwrap_scaled
from lrkit.torch._batches import loader_length
from lrkit.torch._groups import check_trainable
from lrkit.torch._finder_options import Update, Validation, check_step_without_closure
from lrkit.torch._finder_rule import check_reads_rate, optimizer_steps, resolve_policy, resolve_rule

__all__ = ["Checked", "check_find_lr", "check_find_options"]

_OWNER = "find_lr"


@dataclasses.dataclass(frozen=True)
class Checked:
    """``find_lr``'s arguments as the sweep uses them, after every check passed.

    Attributes:
        optimizer: the torch optimizer the sweep steps (an accelerate wrapper's own optimizer).
        scaler: the ``GradScaler`` given, or the accelerate optimizer's, or ``None``.
        accumulation: micro-batches per update (``update.accumulation_steps``, or the Accelerator's).
        start_step: the optimizer's update count before the sweep (where a capped rate is read from).
        repeats, seed: checked integers.
        rule: the suggestion rule to apply (``"auto"`` resolved by the optimizer's kind);
            ``requested``: the rule as given.
        policy: the policy for this optimizer and loss (the anchor's distance by its momentum; under
            validation, ``val_level_floor`` as the stop rule's level floor).
    """

    optimizer: torch.optim.Optimizer
    scaler: Any
    accumulation: int
    start_step: int
    repeats: int
    seed: int
    rule: str
    requested: str
    policy: FinderPolicy


def check_trains_model(model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> None:
    """Raise if ``optimizer`` updates none of ``model``'s parameters (an optimizer built on another
    model, say a copy made before a re-initialisation): every swept rate would leave the loss where it is,
    and two sweeps would end in "no answer" for a reason the curve cannot show.

    Example:
        >>> a, b = torch.nn.Linear(2, 1), torch.nn.Linear(2, 1)
        >>> check_trains_model(a, torch.optim.SGD(b.parameters(), lr=0.1))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: `optimizer` of find_lr updates none of `model`'s 2 parameters ...
    """
    owned = {id(p) for p in model.parameters()}
    given = [p for group in optimizer.param_groups for p in group["params"]]
    if owned and given and not any(id(p) in owned for p in given):
        raise LRKitError(
            f"`optimizer` of find_lr updates none of `model`'s {len(owned)} parameters (its {len(given)} "
            "are another module's): build the optimizer from this model's parameters(); the model and "
            "optimizer are unchanged."
        )


def check_find_options(owner: str, given: dict[str, Any]) -> dict[str, Any]:
    """Check the arguments of :func:`~lrkit.torch.find_lr` that need no model, optimizer or data, those in
    ``given`` (same names: ``rule``'s name, ``policy``, ``validation``, ``repeats``, ``retry``,
    ``interval``, ``seed``, ``on_step``, ``snapshot``, ``progress``), and return them with the integers
    checked. ``find_lr`` checks them here, and so does a callback that passes them on to it, when it is
    built (``owner``: the name its errors give).

    Raises:
        LRKitError: the first bad argument, named with its value and what is allowed.

    Example:
        >>> check_find_options("find_lr", {"repeats": 3, "rule": "auto"})
        {'repeats': 3, 'rule': 'auto'}
        >>> check_find_options("find_lr", {"rule": "best"})  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: unknown rule 'best'...
    """
    checked = dict(given)
    if given.get("rule", "auto") != "auto":
        resolve_rule(given["rule"], None)  # a rule's name is checked without the optimizer ("auto" needs it)
    if "policy" in given:
        check_instance("policy", given["policy"], owner, FinderPolicy)
    if given.get("validation") is not None:
        check_instance("validation", given["validation"], owner, Validation)
    if "repeats" in given:
        checked["repeats"] = check_int("repeats", given["repeats"], owner)
    for flag in ("retry", "interval", "progress"):
        if flag in given:
            check_flag(flag, given[flag], owner)
    if "seed" in given:
        checked["seed"] = check_int("seed", given["seed"], owner, low=0)
    if given.get("on_step") is not None and not callable(given["on_step"]):
        raise LRKitError(f"`on_step` of {owner} must be callable or None; got {given['on_step']!r}.")
    if "snapshot" in given:
        check_choice("snapshot", given["snapshot"], owner, ("memory", "disk"))
    return checked


def check_find_lr(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[Any, Any], torch.Tensor],
    train_loader: Iterable[Any],
    *,
    sweep: Sweep,
    rule: str,
    policy: FinderPolicy,
    update: Update,
    validation: Validation | None,
    repeats: int,
    retry: bool,
    interval: bool,
    seed: int,
    on_step: Callable[[int, float, float], bool | None] | None,
    snapshot: str,
    progress: bool,
) -> Checked:
    """Check every argument of :func:`~lrkit.torch.find_lr` (same names) and resolve what they imply.

    Raises:
        LRKitError: the first bad argument, named with its value and what is allowed.

    Example:
        >>> import torch
        >>> from lrkit.finder import FinderPolicy, Sweep
        >>> from lrkit.torch import Update
        >>> model = torch.nn.Linear(2, 1)
        >>> opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        >>> data = [(torch.ones(1, 2), torch.ones(1, 1))]
        >>> c = check_find_lr(model, opt, torch.nn.functional.mse_loss, data,
        ...                   sweep=Sweep(), rule="auto", policy=FinderPolicy(), update=Update(),
        ...                   validation=None, repeats=1, retry=True, interval=True, seed=0, on_step=None,
        ...                   snapshot="memory", progress=False)
        >>> c.rule, c.requested, c.accumulation
        ('falling', 'auto', 1)
    """
    check_instance("model", model, _OWNER, torch.nn.Module)
    check_instance("optimizer", optimizer, _OWNER, torch.optim.Optimizer)
    if not callable(loss_fn) or isinstance(loss_fn, type):  # a loss class: called on (output, target)
        made = f": pass an instance, {loss_fn.__name__}()" if isinstance(loss_fn, type) else ""
        raise LRKitError(f"`loss_fn` of find_lr must be a callable (output, target) -> loss; "
                         f"got {shown(loss_fn)}{made}.")
    if isinstance(train_loader, (str, bytes)) or not hasattr(train_loader, "__iter__"):
        raise LRKitError(f"`train_loader` of find_lr must be an iterable of batches (a DataLoader); "
                         f"got {type(train_loader).__name__}.")
    check_instance("sweep", sweep, _OWNER, Sweep)
    check_instance("policy", policy, _OWNER, FinderPolicy)
    check_instance("update", update, _OWNER, Update)
    # an Accelerator's accumulation (read off its prepared optimizer); an fp16 one steps through its scaler
    k = accumulation_steps(optimizer, update.accumulation_steps, update.step)
    optimizer, scaler = unwrap_scaled(optimizer, update.scaler)
    if update.step is not None and scaler is not None:
        raise LRKitError("`update.step` of find_lr must be None with a scaler (here the accelerate "
                         "optimizer's): the step hook owns the whole update.")
    check_step_without_closure(optimizer, update, _OWNER)
    check_reads_rate(optimizer, _OWNER, "at every update of the sweep")
    check_trains_model(model, optimizer)
    check_trainable(optimizer, _OWNER, "; the model and optimizer are unchanged")
    start_step = optimizer_steps(optimizer)
    options = check_find_options(_OWNER, {"rule": rule, "validation": validation, "repeats": repeats,
                                          "retry": retry, "interval": interval, "seed": seed,
                                          "on_step": on_step, "snapshot": snapshot, "progress": progress})
    repeats, seed = options["repeats"], options["seed"]
    # The sweep's memory, all repeats together, must fit before anything is drawn.
    check_count("num_steps", sweep.num_steps, _OWNER, low=MIN_STEPS,
                bytes_each=SWEEP_BYTES_PER_STEP * repeats)
    requested, rule = rule, resolve_rule(rule, optimizer, policy)
    policy = resolve_policy(policy, optimizer)  # the anchor's distance for the optimizer's kind of step
    if validation is not None:  # a nearly noiseless curve: a rise must be material to count as a blow-up
        policy = policy.replace(level_floor=policy.val_level_floor)
    if (problem := group_rate_problem(optimizer.param_groups)) is not None:
        i, has_key, what = problem
        if not has_key:
            keys = sorted(key for key in optimizer.param_groups[i] if key != "params")
            raise LRKitError(f"`optimizer` of find_lr must have an 'lr' in every param group; group {i} "
                             f"has {keys}.")
        raise LRKitError(f"`optimizer` of find_lr must have a number as 'lr' in every param group (the rate "
                         f"it sweeps); got {type(optimizer).__name__}, whose group {i} has {what}.")
    if loader_length(train_loader) == 0:
        raise LRKitError("`train_loader` of find_lr must yield at least one batch; got an empty loader.")
    return Checked(optimizer, scaler, k, start_step, repeats, seed, rule, requested, policy)
