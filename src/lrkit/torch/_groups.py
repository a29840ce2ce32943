"""Reading and writing one scheduled value in torch optimizer param groups.

The adapter schedules one *key* of every param group: ``"lr"`` by default, or
any other number a group holds (``"momentum"``, ``"weight_decay"``, ...), or one
entry of a tuple-valued key written with an index (``"betas[0]"`` for Adam's
first-moment decay). This module turns such a key into a validated accessor so
the per-step write in ``_scheduler.py`` stays a plain dict assignment whenever it
can.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import torch

from lrkit.errors import LRKitError, check_positive

__all__ = ["GroupKey", "LR_KEY", "apart", "parse_key", "initial_values", "initial_scales", "group_sizes",
           "check_trainable", "first_positive", "group_ratios", "check_group_0", "check_scales"]

_KEY = re.compile(r"^([A-Za-z_]\w*)(?:\[(\d+)\])?$")


class GroupKey:
    """One scheduled value in a param group: ``name`` or ``name[index]``.

    ``fast`` is True when every group holds a plain Python number under the
    key, so that a write is ``group[name] = value``; tensors (fused/capturable
    optimizers keep ``lr`` as a tensor) are filled in place and tuple entries
    are replaced by rebuilding the tuple.
    """

    def __init__(self, key: str, name: str, index: int | None) -> None:
        self.key = key
        self.name = name
        self.index = index
        self.fast = False

    @property
    def initial_name(self) -> str:
        """Where the value at construction is remembered (torch uses ``initial_lr``)."""
        return f"initial_{self.key}"

    def read(self, group: dict[str, Any]) -> float:
        value = group[self.name]
        if self.index is not None:
            value = value[self.index]
        return float(value.item()) if isinstance(value, torch.Tensor) else float(value)

    def write(self, group: dict[str, Any], value: float) -> None:
        if self.index is None:
            current = group[self.name]
            if isinstance(current, torch.Tensor):
                current.fill_(value)  # keep the tensor object: fused kernels hold it
            else:
                group[self.name] = value
            return
        entries = list(group[self.name])
        if isinstance(entries[self.index], torch.Tensor):
            entries[self.index].fill_(value)
        else:
            entries[self.index] = value
        group[self.name] = tuple(entries)


#: Every param group's ``"lr"``: its writer fills a tensor rate in place (what a compiled or capturable
#: step reads), so the Autopilot writes rates as the adapter does.
LR_KEY = GroupKey("lr", "lr", None)


def parse_key(key: Any, groups: Sequence[dict[str, Any]]) -> GroupKey:
    """Validate ``key`` against every param group and return its accessor.

    Raises:
        LRKitError: if ``key`` is not a string of the form ``name`` or
            ``name[index]``, or some group lacks it or holds a non-number there.
    """
    match = _KEY.match(key) if isinstance(key, str) else None
    if match is None:
        raise LRKitError(
            "`key` of LRScheduler must be a param-group key such as 'lr', 'momentum', "
            f"'weight_decay' or 'betas[0]'; got {key!r}."
        )
    name, index = match.group(1), None if match.group(2) is None else int(match.group(2))
    gkey = GroupKey(key, name, index)
    fast = index is None
    for i, group in enumerate(groups):
        if name not in group:
            keys = ", ".join(sorted(k for k in group if k != "params"))
            raise LRKitError(
                f"`key` of LRScheduler must name a value of every optimizer param group; got {key!r}, "
                f"which param group {i} lacks (its keys: {keys})."
            )
        value = group[name]
        if index is not None:
            if not isinstance(value, (tuple, list)) or index >= len(value):
                raise LRKitError(
                    f"`key` of LRScheduler must index into a tuple of param group {i}; got {key!r}, "
                    f"but {name!r} is {value!r}."
                )
            value = value[index]
        if isinstance(value, torch.Tensor):
            fast = False
            if value.numel() != 1:
                raise LRKitError(
                    f"`key` of LRScheduler must name a number in param group {i}; got {key!r}, "
                    f"a tensor of shape {tuple(value.shape)}."
                )
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise LRKitError(
                f"`key` of LRScheduler must name a finite number in param group {i}; got {key!r} = {value!r}."
            )
    gkey.fast = fast
    return gkey


#: Significant digits of the rates a message shows, and the most it shows (a float64 prints exactly in 17).
_SHOWN_DIGITS, _ALL_DIGITS = 4, 17


def apart(a: float, b: float) -> tuple[str, str]:
    """``a`` and ``b`` printed with the fewest significant digits (at least 4) that tell them apart: a
    cosine's first step moves a rate in its 5th digit, and a message naming two rates must show two.

    Example:
        >>> apart(1.3258e-05, 1.32589e-05), apart(0.1, 0.2)
        (('1.3258e-05', '1.3259e-05'), ('0.1', '0.2'))
    """
    for digits in range(_SHOWN_DIGITS, _ALL_DIGITS + 1):
        shown = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if shown[0] != shown[1]:
            return shown
    return shown


def initial_values(gkey: GroupKey, groups: Sequence[dict[str, Any]]) -> list[float]:
    """Each group's initial value: ``group["initial_<key>"]`` when present (torch's schedulers and this
    adapter record it at construction, and it is saved with the optimizer, so an optimizer restored from
    a checkpoint still yields its original ratios), else the current value. Records the initial value in
    every group that lacks it.

    Example:
        >>> groups = [{"lr": 0.1, "initial_lr": 0.2}, {"lr": 0.05}]
        >>> initial_values(LR_KEY, groups), groups[1]["initial_lr"]
        ([0.2, 0.05], 0.05)
    """
    initial = []
    for group in groups:
        if gkey.initial_name not in group:
            group[gkey.initial_name] = gkey.read(group)
        value = group[gkey.initial_name]
        initial.append(float(value.item()) if isinstance(value, torch.Tensor) else float(value))
    return initial


def initial_scales(gkey: GroupKey, groups: Sequence[dict[str, Any]]) -> list[float]:
    """Each group's initial value (:func:`initial_values`) divided by group 0's: the ratio the adapter keeps.

    Raises:
        LRKitError: if group 0's initial value is 0 while another group's is not
            (the ratio is undefined: pass ``group_scales=``).
    """
    initial = initial_values(gkey, groups)
    ref = initial[0]
    if ref == 0.0:
        if any(v != 0.0 for v in initial[1:]):
            raise LRKitError(
                f"`group_scales` of LRScheduler must be given when param group 0 has {gkey.key} = 0 and "
                f"others do not (the ratio to group 0 is undefined); got initial values {initial}."
            )
        return [1.0] * len(initial)
    return [v / ref for v in initial]


def group_sizes(groups: Sequence[dict[str, Any]]) -> list[int]:
    """The number of trainable parameters (elements with ``requires_grad``) each param group holds.

    A parameter frozen with ``requires_grad=False`` but still listed (a fine-tune's backbone kept in
    the optimizer at its own rate) is never updated, so it does not count towards the reference group.

    Example:
        >>> frozen = torch.zeros(5)
        >>> group_sizes([{"params": [torch.zeros(3, 2, requires_grad=True), frozen]}, {"params": []}])
        [6, 0]
    """
    return [sum(p.numel() for p in g["params"] if p.requires_grad) for g in groups]


def check_trainable(optimizer: torch.optim.Optimizer, owner: str, done: str = "") -> None:
    """Raise when ``optimizer`` holds parameters and none of them requires grad (every one frozen).

    No rate can then change the model: a sweep runs its updates for nothing and ends in "no answer",
    an Autopilot probes a curve no rate moves. The one check for ``find_lr`` and the Autopilot, made
    before either draws a batch; an optimizer with no parameters at all is left to torch's own error.

    Args:
        optimizer: the optimizer to check.
        owner: the function or class named in the message.
        done: what the message adds about the state left (e.g. ``"; the model and optimizer are unchanged"``).

    Raises:
        LRKitError: naming ``optimizer`` of ``owner`` and the way out.

    Example:
        >>> body = torch.nn.Linear(2, 2).requires_grad_(False)
        >>> check_trainable(torch.optim.SGD(body.parameters(), lr=0.1), "demo")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: `optimizer` of demo holds 2 parameters and none requires grad ...
    """
    held = [p for g in optimizer.param_groups for p in g["params"]]
    if held and not any(p.requires_grad for p in held):
        raise LRKitError(
            f"`optimizer` of {owner} holds {len(held)} parameter{'s' if len(held) != 1 else ''} and none "
            "requires grad (each has requires_grad=False: frozen), so no rate can change the model; build it "
            "from the parameters to train (a new head's, or [p for p in model.parameters() if "
            f"p.requires_grad]), or unfreeze them{done}."
        )


def first_positive(rates: Sequence[float]) -> int | None:
    """The first group with a rate above 0 (``None`` if there is none): the reference of a caller that
    keeps each group's ratio to group 0 (:class:`~lrkit.torch.LRScheduler`) when group 0 is frozen.

    Example:
        >>> first_positive([0.0, 0.1, 0.05]), first_positive([0.0])
        (1, None)
    """
    return next((i for i, lr in enumerate(rates) if lr > 0), None)


def group_ratios(lrs: Sequence[float], sizes: Sequence[int]) -> tuple[int, list[float]]:
    """The reference group and each group's rate over the reference's.

    The reference is, of the groups with a positive rate, the one holding the most trainable parameters
    (:func:`group_sizes`: a frozen backbone still listed in the optimizer counts for nothing; ties: the
    larger rate, then the first listed). A search that keeps the groups' ratios moves one rate, and its
    range (the Autopilot's probe band, ``find_lr``'s sweep) is a range for *that* group: the kind's band
    was measured on models whose one group holds every parameter, and the group holding most of them is
    the nearest to that. The choice does not depend on the order of the groups, so neither does the
    search: listed either way, a fine-tune's backbone (1e-5) and head (1e-3) sweep the same rates, and
    the rate reported (``find_lr``'s suggestion, the Autopilot's peak, :func:`~lrkit.torch.retune`'s
    ``lr``) is the backbone's. Why not the largest rate or the first group, measured:
    ``docs/evidence.md#discriminative-param-groups-the-reference-group``.

    The Autopilot and :func:`~lrkit.torch.find_lr` drive one rate and keep the groups' ratios: group
    ``g`` gets ``rate * lr_g / lr_ref``. A group frozen with ``lr=0`` (a backbone, say) stays at 0
    wherever it is listed; with no positive rate at all, every group gets the rate.

    Example:
        >>> group_ratios([1e-3, 1e-5], [325, 16_576])   # head, backbone: the backbone's rate is driven
        (1, [100.0, 1.0])
        >>> group_ratios([0.0, 0.1, 0.05], [10, 10, 10])
        (1, [0.0, 1.0, 0.5])
        >>> group_ratios([0.0, 0.0], [1, 1])
        (0, [1.0, 1.0])
    """
    live = [i for i, lr in enumerate(lrs) if lr > 0]
    if not live:
        return 0, [1.0] * len(lrs)
    ref = max(live, key=lambda i: (sizes[i], lrs[i], -i))
    return ref, [lr / lrs[ref] for lr in lrs]


def check_group_0(optimizer: torch.optim.Optimizer, owner: str, user: str) -> None:
    """Refuse a group 0 at lr=0 beside a group above it, for a caller (``user``) that keeps each
    group's ratio to group 0 and takes no ``group_scales``: :func:`~lrkit.tasks.train`.

    Freezing a backbone with ``lr=0`` and listing it first leaves the ratios undefined, and the way
    out (list a trained group first) is the caller's. (The Autopilot and
    :func:`~lrkit.torch.find_lr` take the ratios to a reference group above 0 (:func:`group_ratios`), so
    they do not need this; :class:`~lrkit.torch.LRScheduler` takes ``group_scales``.)

    Example:
        >>> import torch
        >>> a, b = torch.nn.Linear(1, 1), torch.nn.Linear(1, 1)
        >>> opt = torch.optim.SGD([{"params": a.parameters()}, {"params": b.parameters(), "lr": 0.0}], lr=0.1)
        >>> check_group_0(opt, "find_lr", "the sweep")   # a frozen group after a trained one: fine
    """
    rates = [float(g.get("lr", 0.0)) for g in optimizer.param_groups]
    live = first_positive(rates)
    if live is not None and live > 0:
        raise LRKitError(f"`optimizer` of {owner} has param group 0 at lr=0 and group {live} at "
                         f"{rates[live]:g}: {user} keeps each group's ratio to group 0, which is undefined; "
                         "list a group with lr > 0 first (a group at lr=0 after it stays at 0).")


def check_scales(scales: Any, n_groups: int) -> list[float]:
    """Validate explicit group scales: ``n_groups`` finite numbers >= 0.

    Raises:
        LRKitError: for a wrong length, a non-number, a negative or non-finite entry.
    """
    ok = isinstance(scales, (list, tuple)) and len(scales) == n_groups
    values = []
    for c in scales if ok else ():
        try:  # a number held in a numpy scalar or a 0-d tensor too
            values.append(check_positive("group_scales", c, "LRScheduler", allow_zero=True))
        except LRKitError:
            ok = False
            break
    if not ok:
        raise LRKitError(
            f"`group_scales` of LRScheduler must be a list of {n_groups} finite numbers >= 0 "
            f"(one per param group); got {scales!r}."
        )
    return values
