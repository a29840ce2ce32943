"""Specs written relative to the run: ``warmup_cosine(lr=lr, warmup=0.06*total, steps=total)``.

A schedule's lengths are counted in optimizer updates, and a framework knows
that count only once the run is configured (epochs, dataset size, batch size,
gradient accumulation and world size all enter it). A *run-relative spec* names
the run's quantities instead of numbers; :func:`for_run` binds them and parses
the result with :func:`~lrkit.schedules.parse`. The spec grammar is unchanged;
the template adds bare names and arithmetic on numbers:

* a name is one of the quantities passed to :func:`for_run` (the framework
  integrations pass ``total``, the run's optimizer updates; ``epoch``, the
  updates per epoch; ``warmup``, the framework's own warmup length; and ``lr``,
  the configured peak rate);
* ``+ - * / //`` and unary ``-`` combine names and numbers. A quantity that is an
  ``int`` counts steps, a ``float`` is a rate. An expression that involves a step
  count is a step count and is **rounded to the nearest whole step** (halves
  up), so ``0.06*total`` with ``total = 950`` is ``57``; mixing a step count and
  a rate in one expression is an error (it has no unit).
* Lengths of phases that follow one another in the run (the ``warmup``,
  ``stable`` and ``decay`` of ``wsd``; the phases of ``a >> b`` or
  ``sequence``; a ``warmup``'s ``steps`` and the schedule it wraps) are rounded
  **at their boundaries**: with exact lengths :math:`\\ell_1, \\ell_2, \\dots` in run
  order and positions :math:`P_k = \\ell_1 + \\dots + \\ell_k`, phase :math:`k`
  lasts :math:`[P_k] - [P_{k-1}]` steps, :math:`[x] = \\lfloor x + 1/2 \\rfloor`.
  Each phase is within one step of its exact length, the first is rounded as
  on its own, whole lengths are unchanged, and lengths whose exact sum is the
  run's ``total`` sum to it exactly (rounded on their own, ``0.05*total``,
  ``0.75*total`` and ``0.2*total`` with ``total = 10`` would be 1 + 8 + 2 = 11).

Example:
    >>> from lrkit.schedules import for_run
    >>> s = for_run("warmup_cosine(lr=lr, warmup=0.1*total, steps=total)", total=1000, lr=3e-4)
    >>> s(100), s.horizon
    (0.0003, 1000)
    >>> for_run("cosine(lr=0.1, steps=total // 2)", total=7).horizon
    3
    >>> s = for_run("wsd(lr=0.1, warmup=0.05*total, stable=0.75*total, decay=0.2*total)", total=10)
    >>> [p.horizon for p in s.phases], s.horizon
    ([1, 7, 2], 10)
"""

from __future__ import annotations

import ast
import inspect
import math
import numbers
import operator
from collections.abc import Callable
from typing import Any

from lrkit.errors import MAX_INT, LRKitError, check_finite, scalar_value, shown
from lrkit.schedules._base import Schedule, registry
from lrkit.schedules._plateau import ReduceOnPlateau
from lrkit.schedules._spec import MAX_NESTING, _check_unicode, _operands, _show, bind, parse

__all__ = ["check_run_spec", "for_run", "run_names"]

_OWNER = "for_run"
_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
}
# The unit of a folded value: a step count, a rate, or a plain number (a literal).
_STEPS, _RATE, _NUMBER = "steps", "rate", "number"
# The parameters that make up a family's length as a phase, in run order, where they are not its
# ``steps`` alone (a family's horizon defaults to ``steps``, see Schedule.horizon). A name listed
# in _NESTED holds schedules whose lengths follow, in the order written.
_RUN_ORDER = {
    "wsd": ("warmup", "stable", "decay"),
    "warmup": ("steps", "schedule"),
    "sequence": ("phases",),
    "scale": ("schedule",),
    "clip": ("schedule",),
}
_NESTED = ("schedule", "phases")


def _half_up(value: float) -> int:
    return math.floor(value + 0.5)


def _kind(value: Any) -> str:
    return _STEPS if isinstance(value, numbers.Integral) else _RATE


def _check_quantities(quantities: dict[str, Any]) -> dict[str, int | float]:
    """The quantities as Python numbers (an integer one a step count, any other a rate), else LRKitError."""
    out: dict[str, int | float] = {}
    for name, given in quantities.items():
        value = scalar_value(given)  # a number held in a 0-d array or tensor
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            if not 0 <= value <= MAX_INT:
                allowed = "a step count in [0, 2**63 - 1]"
                raise LRKitError(f"`{name}` of {_OWNER} must be {allowed}; got {shown(value)}.")
            out[name] = int(value)
        else:
            out[name] = check_finite(name, value, _OWNER)
    return out


class _Binder(ast.NodeTransformer):
    """Replace run quantities by numbers and fold the arithmetic around them."""

    def __init__(self, quantities: dict[str, Any]) -> None:
        self.quantities = quantities
        self.lengths: dict[int, int] = {}  # id of a phase-length node -> its length rounded at the boundaries

    def _fold(self, node: ast.AST) -> tuple[float, str] | None:
        """``(value, kind)`` of an arithmetic node, or ``None`` when it is not arithmetic."""
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool)
        ):
            return node.value, _NUMBER
        if isinstance(node, ast.Name) and node.id in self.quantities:
            value = self.quantities[node.id]
            return value, _kind(value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self._fold(node.operand)
            if inner is None:
                return None
            return (-inner[0] if isinstance(node.op, ast.USub) else inner[0]), inner[1]
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            left, right = self._fold(node.left), self._fold(node.right)
            if left is None or right is None:
                return None
            kinds = {left[1], right[1]} - {_NUMBER}
            if len(kinds) > 1:
                raise LRKitError(
                    f"`spec` of {_OWNER} mixes a step count and a rate in {ast.unparse(node)!r}; "
                    "an expression must count steps or give a rate, not both."
                )
            if isinstance(node.op, (ast.Div, ast.FloorDiv)) and right[0] == 0:
                raise LRKitError(f"`spec` of {_OWNER} divides by zero in {ast.unparse(node)!r}.")
            return _OPS[type(node.op)](left[0], right[0]), (kinds.pop() if kinds else _NUMBER)
        return None

    def visit_Call(self, node: ast.Call) -> ast.AST:
        # A call's name is a schedule family (``warmup(...)``), even where a quantity has the same name.
        node.args = [self.visit(a) for a in node.args]
        for kw in node.keywords:
            kw.value = self.visit(kw.value)
        return node

    def visit(self, node: ast.AST) -> ast.AST:
        if id(node) in self.lengths:
            return ast.copy_location(ast.Constant(self.lengths[id(node)]), node)
        if isinstance(node, (ast.Name, ast.UnaryOp, ast.BinOp)) and not (
            isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift)
        ):
            folded = self._fold(node)
            if folded is not None:
                value, kind = folded
                if kind == _STEPS:
                    if not math.isfinite(value):
                        raise LRKitError(f"`spec` of {_OWNER} gives a step count that is not finite in "
                                         f"{ast.unparse(node)!r}; a step count is a whole number of updates.")
                    value = _half_up(value)  # whole steps, halves up
                return ast.copy_location(ast.Constant(value), node)
        return super().visit(node)

    def round_at_boundaries(self, tree: ast.Expression) -> None:
        """Round the run's phase lengths at their boundaries (module docstring) into :attr:`lengths`.

        A length that is not a number (a string, ``None``, an expression of a rate) ends
        the run's known positions: the phases after it are rounded from there on their own.
        """
        exact, rounded = 0.0, 0
        for node in _phase_lengths(tree.body, 0):
            folded = self._fold(node)
            whole = folded is not None and (
                folded[1] == _STEPS or isinstance(folded[0], int) or float(folded[0]).is_integer()
            )
            if not whole or abs(folded[0]) > MAX_INT or not math.isfinite(exact + folded[0]):
                exact, rounded = 0.0, 0
                continue
            exact += folded[0]
            position = _half_up(exact)
            if folded[1] == _STEPS:
                self.lengths[id(node)] = position - rounded
            rounded = position


def _phase_lengths(node: ast.AST, depth: int) -> list[ast.AST]:
    """The nodes giving the lengths of the phases ``node`` runs, in run order (none when unknown)."""
    if depth > MAX_NESTING:
        return []  # parse refuses it
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift):
        return [n for item in _operands(node) for n in _phase_lengths(item, depth + 1)]
    if isinstance(node, ast.List):
        return [n for item in node.elts for n in _phase_lengths(item, depth + 1)]
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in registry):
        return []
    try:
        named = {kw.arg: kw.value for kw in node.keywords if kw.arg is not None}
        params = inspect.signature(registry[node.func.id].factory).bind_partial(*node.args, **named).arguments
    except TypeError:
        return []  # parse names what is wrong with the call
    out: list[ast.AST] = []
    for name in _RUN_ORDER.get(node.func.id, ("steps",)):
        if name in _NESTED and name in params:
            out += _phase_lengths(params[name], depth + 1)
        elif name in params:
            out.append(params[name])
    return out


def _tree(spec: str) -> ast.Expression:
    _check_unicode(spec)
    try:
        return ast.parse(spec.strip(), mode="eval")
    except SyntaxError as exc:
        raise LRKitError(f"invalid schedule spec {_show(spec)}: {exc.msg} at column {exc.offset}.") from None
    except (RecursionError, MemoryError):
        raise _too_deep(spec) from None


def _too_deep(spec: str) -> LRKitError:
    deep = f"nested too deeply (at most {MAX_NESTING} levels)"
    return LRKitError(f"invalid schedule spec {_show(spec)}: {deep}.")


def run_names(spec: str) -> set[str]:
    """The bare names a run-relative spec uses (``lr``, ``total``, ...), schedule names excluded.

    Example:
        >>> sorted(run_names("warmup(cosine(lr=lr, steps=total - 10), steps=10)"))
        ['lr', 'total']
    """
    tree = _tree(spec)
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    constants = {"True", "False", "None", "inf", "nan"}
    return {
        n.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Name) and id(n) not in called and n.id not in constants
    }


def check_run_spec(spec: Any, allowed: tuple[str, ...], owner: str, run: str) -> set[str]:
    """Check a run-relative spec before the run exists: a schedule, or a spec naming only ``allowed``.

    Returns the names it uses (none for a schedule). The syntax, the names and each
    call's family and parameters (known, every required one given) are checked
    here; values that do not fit the run's numbers fail when :func:`for_run` binds
    them.

    Raises:
        LRKitError: for something else than a schedule or a non-empty string,
            invalid syntax, a name outside ``allowed`` (naming ``run``'s), or a call
            to an unknown family, or with an unknown, missing or surplus parameter.

    Example:
        >>> sorted(check_run_spec("cosine(lr=lr, steps=total)", ("total", "lr"), "demo", "this run"))
        ['lr', 'total']
    """
    if isinstance(spec, (Schedule, ReduceOnPlateau)):
        return set()
    if not isinstance(spec, str) or not spec.strip():
        raise LRKitError(f"`spec` of {owner} must be a schedule or a spec string; got {spec!r}.")
    names = run_names(spec)
    unknown = sorted(names - set(allowed))
    if unknown:
        raise LRKitError(f"`spec` of {owner} names {', '.join(unknown)}; {run} defines {', '.join(allowed)}.")
    for node in ast.walk(_tree(spec)):  # each call's family and parameters, whatever the run's numbers
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue  # parse names what is wrong with it
        named = {kw.arg: kw.value for kw in node.keywords if kw.arg is not None}
        try:
            bind(node.func.id, list(node.args), named)
        except LRKitError as exc:
            raise LRKitError(f"`spec` of {owner} is not a valid spec, whatever the run: {exc}") from None
    return names


def for_run(spec: str | Schedule, **quantities: int | float) -> Schedule | ReduceOnPlateau:
    """Bind a run-relative spec to the run's quantities and parse it.

    Args:
        spec: a spec whose values may name the quantities and combine them with
            ``+ - * / //`` (see the module docstring); a plain spec or a
            :class:`~lrkit.schedules.Schedule` is returned parsed, unchanged.
        **quantities: the run's numbers by name; an ``int`` is a step count
            (expressions with it are rounded to whole steps), a ``float`` a rate.

    Returns:
        The schedule (or ``reduce_on_plateau`` controller) the bound spec describes.

    Raises:
        LRKitError: when the spec names a quantity that was not given (listing
            those that were), mixes a step count and a rate in one expression,
            divides by zero, or is not a valid spec once bound; when a quantity is
            not a finite number or is a negative step count.

    Example:
        >>> s = for_run("wsd(lr=lr, warmup=warmup, stable=total - warmup - total // 5, decay=total // 5)",
        ...             total=500, warmup=50, lr=1e-3)
        >>> [p.horizon for p in s.phases]
        [50, 350, 100]
    """
    if isinstance(spec, (Schedule, ReduceOnPlateau)):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise LRKitError(f"`spec` of {_OWNER} must be a non-empty schedule spec string; got {spec!r}.")
    quantities = _check_quantities(dict(quantities))
    missing = sorted(run_names(spec) - set(quantities))
    if missing:
        known = ", ".join(sorted(quantities)) or "none"
        raise LRKitError(
            f"`spec` of {_OWNER} names {', '.join(missing)}, which this run does not define; "
            f"the run's quantities are: {known}."
        )
    tree = _tree(spec)
    binder = _Binder(quantities)
    try:
        binder.round_at_boundaries(tree)
        text = ast.unparse(ast.fix_missing_locations(binder.visit(tree)))
    except RecursionError:  # a chain of operators the parser took, deeper than a walk of it may go
        raise _too_deep(spec) from None
    return parse(text)
