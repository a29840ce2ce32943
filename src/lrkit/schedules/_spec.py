"""Spec strings and plain dicts to schedules, without ``eval``.

Grammar (a subset of Python expression syntax, walked node by node)::

    spec   := call (">>" call)*
    call   := NAME "(" [arg ("," arg)*] ")"
    arg    := value | NAME "=" value
    value  := number | string | True | False | None | inf | list | call | spec-in-parens

Example:
    >>> s = parse("linear(start=0, end=0.1, steps=100) >> cosine(lr=0.1, steps=900)")
    >>> parse(s.to_spec()) == s
    True
"""

from __future__ import annotations

import ast
import inspect
import math
from typing import Any

from lrkit.errors import LRKitError, unknown_name
from lrkit.schedules._base import Schedule, lookup
from lrkit.schedules._plateau import ReduceOnPlateau

__all__ = ["parse", "from_dict"]

_NAMED_CONSTANTS = {"True": True, "False": False, "None": None, "inf": math.inf, "nan": math.nan}


def _where(node: ast.AST, spec: str) -> str:
    seg = ast.get_source_segment(spec, node)
    return f" in {seg!r}" if seg else ""


def _value(node: ast.AST, spec: str) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool, type(None))):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _value(node.operand, spec)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.Name) and node.id in _NAMED_CONSTANTS:
        return _NAMED_CONSTANTS[node.id]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_value(e, spec) for e in node.elts]
    if isinstance(node, ast.Call):
        return _call(node, spec)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift):
        left, right = _value(node.left, spec), _value(node.right, spec)
        for side in (left, right):
            if not isinstance(side, Schedule):
                what = (
                    f"{side.name} is a stateful controller"
                    if hasattr(side, "observe")
                    else f"{side!r} is not a schedule"
                )
                raise LRKitError(
                    f"invalid schedule spec: '>>' joins schedules, but {what}{_where(node, spec)}."
                )
        return left >> right
    raise LRKitError(
        f"invalid schedule spec: unexpected {ast.unparse(node)!r}{_where(node, spec)}; "
        "values are numbers, strings, lists or schedules."
    )


def _call(node: ast.Call, spec: str) -> Any:
    if not isinstance(node.func, ast.Name):
        raise LRKitError(f"invalid schedule spec: {ast.unparse(node.func)!r} is not a schedule name.")
    info = lookup(node.func.id)
    args = [_value(a, spec) for a in node.args]
    kwargs: dict[str, Any] = {}
    for kw in node.keywords:
        if kw.arg is None:
            raise LRKitError(f"invalid schedule spec: '**' is not allowed{_where(node, spec)}.")
        if kw.arg in kwargs:  # ast accepts repeats that Python's compiler would reject
            raise LRKitError(
                f"invalid schedule spec: parameter {kw.arg!r} is given twice{_where(node, spec)}."
            )
        kwargs[kw.arg] = _value(kw.value, spec)
    return build(info.name, args, kwargs)


def build(name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """Call the registered factory ``name``, checking parameter names first."""
    info = lookup(name)
    sig = inspect.signature(info.factory)
    valid = [p for p in sig.parameters if p != "self"]
    for key in kwargs:
        if key not in valid:
            raise unknown_name(f"parameter of {name}", key, valid)
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as exc:
        raise LRKitError(f"invalid parameters for {name}: {exc}. Parameters: {', '.join(valid)}.") from None
    return info.factory(*bound.args, **bound.kwargs)


def parse(spec: str | Schedule | ReduceOnPlateau) -> Schedule | ReduceOnPlateau:
    """Build a schedule from its spec string; a schedule is returned unchanged.

    The spec is read with :mod:`ast` and only the grammar above is accepted:
    no name lookup outside the registry, no attribute access, no evaluation.
    ``reduce_on_plateau(...)`` builds a (stateful) controller; it cannot be
    joined with ``>>``.

    Args:
        spec: a spec string such as ``"cosine(lr=0.1, steps=1000)"``.

    Returns:
        The schedule (or controller) it describes.

    Raises:
        LRKitError: on syntax errors, unknown names or keys (listing the valid
            ones), and invalid parameter values.
    """
    if isinstance(spec, (Schedule, ReduceOnPlateau)):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise LRKitError(f"`spec` must be a non-empty schedule spec string; got {spec!r}.")
    try:
        tree = ast.parse(spec.strip(), mode="eval")
    except SyntaxError as exc:
        raise LRKitError(f"invalid schedule spec {spec!r}: {exc.msg} at column {exc.offset}.") from None
    result = _value(tree.body, spec.strip())
    if not isinstance(result, (Schedule, ReduceOnPlateau)):
        raise LRKitError(
            f"invalid schedule spec {spec!r}: expected a schedule such as 'cosine(lr=0.1, steps=1000)'."
        )
    return result


def from_dict(data: dict[str, Any]) -> Schedule | ReduceOnPlateau:
    """Inverse of :meth:`Schedule.to_dict`: ``from_dict(s.to_dict()) == s``.

    Raises:
        LRKitError: if ``data`` is not a dict with a ``"name"`` key, or as :func:`parse`.
    """
    if not isinstance(data, dict) or "name" not in data:
        raise LRKitError(f"`data` must be a dict with a 'name' key; got {data!r}.")

    def conv(v: Any) -> Any:
        if isinstance(v, dict) and "name" in v:
            return from_dict(v)
        if isinstance(v, list):
            return [conv(x) for x in v]
        return v

    params = {k: conv(v) for k, v in data.items() if k != "name"}
    return build(data["name"], [], params)
