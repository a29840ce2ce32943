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
import io
import math
import tokenize
from typing import Any

from lrkit.errors import MAX_INT, MAX_SHOWN, LRKitError, unknown_name
from lrkit.schedules._base import Schedule, lookup
from lrkit.schedules._plateau import ReduceOnPlateau

__all__ = ["parse", "from_dict"]

_NAMED_CONSTANTS = {"True": True, "False": False, "None": None, "inf": math.inf, "nan": math.nan}

#: Longest spec accepted, in characters. A 1,000-phase schedule or a multistep with 10,000
#: milestones is under 100 kB; past that, Python's ast objects (about 1 kB per number) cost
#: memory and seconds (10^6 milestones: 1.1 GB, 7 s) for no schedule anyone writes by hand.
MAX_SPEC_CHARS = 100_000
#: Deepest nesting of calls and lists inside one phase (``warmup(clip(scale(...)))``). Real
#: specs nest 3-4 deep; the bound keeps the recursive walk far from Python's recursion limit.
MAX_NESTING = 50


def _show(spec: str) -> str:
    """The spec as messages quote it: ``repr``, cut to :data:`~lrkit.errors.MAX_SHOWN` characters."""
    text = repr(spec)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 3] + "...'"


def _where(node: ast.AST, spec: str) -> str:
    seg = ast.get_source_segment(spec, node)
    return f" in {seg!r}" if seg else ""


def _operands(node: ast.BinOp) -> list[ast.AST]:
    """The operands of a ``a >> b >> ...`` chain in order, collected without recursion."""
    out: list[ast.AST] = []
    stack: list[ast.AST] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.BinOp) and isinstance(item.op, ast.RShift):
            stack += [item.right, item.left]
        else:
            out.append(item)
    return out


def _joined(phases: list[Any], where: str) -> Any:
    """``phases[0] >> phases[1] >> ...`` as one flat sequence, each phase checked to be a schedule."""
    for side in phases:
        if not isinstance(side, Schedule):
            what = f"{side.name} is a stateful controller" if hasattr(side, "observe") else (
                f"{side!r:.60} is not a schedule")
            raise LRKitError(f"invalid schedule spec: '>>' joins schedules, but {what}{where}.")
    return build("sequence", [], {"phases": phases})


def _value(node: ast.AST, spec: str, depth: int = 0) -> Any:
    if depth > MAX_NESTING:
        raise LRKitError(f"invalid schedule spec {_show(spec)}: nested more than {MAX_NESTING} levels deep.")
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool, type(None))):
        if isinstance(node.value, int) and not isinstance(node.value, bool) and abs(node.value) > MAX_INT:
            raise LRKitError(f"invalid schedule spec {_show(spec)}: an integer of {node.value.bit_length()} "
                             f"bits is larger than {MAX_INT} (2**63 - 1){_where(node, spec)[:60]}.")
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _value(node.operand, spec, depth + 1)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.Name) and node.id in _NAMED_CONSTANTS:
        return _NAMED_CONSTANTS[node.id]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_value(e, spec, depth + 1) for e in node.elts]
    if isinstance(node, ast.Call):
        return _call(node, spec, depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift):
        return _joined([_value(e, spec, depth + 1) for e in _operands(node)], _where(node, spec))
    names = sorted({n.id for n in ast.walk(node) if isinstance(n, ast.Name)} - set(_NAMED_CONSTANTS))
    if names:  # a run-relative spec (the README's `lr=lr, steps=total`) read where no run binds it
        where = "" if isinstance(node, ast.Name) else _where(node, spec)
        raise LRKitError(
            f"invalid schedule spec: {names[0][:40]!r}{where} is a name, not a number. A spec names "
            "a run's quantities (lr, total, epoch, warmup) only where they are bound: "
            "lrkit.schedules.for_run(spec, total=..., lr=...), which lrkit.hf.use_schedule, "
            "lrkit.lightning.configure_optimizers and lrkit train call for you; elsewhere give numbers."
        )
    raise LRKitError(
        f"invalid schedule spec: unexpected {ast.unparse(node)!r}{_where(node, spec)}; "
        "values are numbers, strings, lists or schedules."
    )


def _call(node: ast.Call, spec: str, depth: int) -> Any:
    if not isinstance(node.func, ast.Name):
        raise LRKitError(f"invalid schedule spec: {ast.unparse(node.func)!r:.80} is not a schedule name.")
    info = lookup(node.func.id)
    args = [_value(a, spec, depth) for a in node.args]
    kwargs: dict[str, Any] = {}
    for kw in node.keywords:
        if kw.arg is None:
            raise LRKitError(f"invalid schedule spec: '**' is not allowed{_where(node, spec)}.")
        if kw.arg in kwargs:  # ast accepts repeats that Python's compiler would reject
            raise LRKitError(
                f"invalid schedule spec: parameter {kw.arg!r} is given twice{_where(node, spec)}."
            )
        kwargs[kw.arg] = _value(kw.value, spec, depth)
    return build(info.name, args, kwargs)


def build(name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """Call the registered factory ``name``, checking parameter names first (:func:`bind`)."""
    bound = bind(name, args, kwargs)
    return lookup(name).factory(*bound.args, **bound.kwargs)


def bind(name: str, args: list[Any], kwargs: dict[str, Any]) -> inspect.BoundArguments:
    """``args`` and ``kwargs`` bound to the registered family ``name``'s parameters, values unchecked.

    What a spec's call must satisfy whatever its values: a known family, known parameter names, every
    required one given. ``parse`` calls it before building; a run-relative spec is checked with it before
    its run's numbers exist (:func:`lrkit.schedules.check_run_spec`).

    Raises:
        LRKitError: for an unknown family or parameter (with a did-you-mean), or a missing or surplus one.

    Example:
        >>> bind("cosine", [], {"lr": "lr"})
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: invalid parameters for cosine: missing a required argument: 'steps'. ...
    """
    sig = inspect.signature(lookup(name).factory)
    valid = [p for p in sig.parameters if p != "self"]
    for key in kwargs:
        if key not in valid:
            raise unknown_name(f"parameter of {name}", key, valid)
    try:
        return sig.bind(*args, **kwargs)
    except TypeError as exc:
        raise LRKitError(f"invalid parameters for {name}: {exc}. Parameters: {', '.join(valid)}.") from None


def _check_unicode(spec: str) -> None:
    """Refuse a spec with a lone surrogate (bytes that were not UTF-8): Python's parser cannot encode it."""
    try:
        spec.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise LRKitError(f"`spec` must be valid Unicode text; character {exc.start} is a lone surrogate "
                         f"{spec[exc.start]!r} (was the text not UTF-8?).") from None


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

    Example:
        >>> s = parse("linear(start=0, end=0.1, steps=10) >> cosine(lr=0.1, steps=90)")
        >>> s.horizon, s(10)
        (100, 0.1)
        >>> parse("cosin(lr=0.1, steps=90)")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: unknown schedule 'cosin'; did you mean 'cosine'? ...
    """
    if isinstance(spec, (Schedule, ReduceOnPlateau)):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise LRKitError(f"`spec` must be a non-empty schedule spec string; got {spec!r:.80}.")
    if len(spec) > MAX_SPEC_CHARS:
        raise LRKitError(f"`spec` must be at most {MAX_SPEC_CHARS} characters; got {len(spec)}.")
    _check_unicode(spec)
    text = spec.strip()
    phases = [_value(_parse_phase(text, a, b), text[a:b]) for a, b in _top_level_phases(text)]
    result = phases[0] if len(phases) == 1 else _joined(phases, "")
    if not isinstance(result, (Schedule, ReduceOnPlateau)):
        raise LRKitError(
            f"invalid schedule spec {_show(spec)}: expected a schedule such as 'cosine(lr=0.1, steps=1000)'."
        )
    return result


def _parse_phase(text: str, a: int, b: int) -> ast.AST:
    """``text[a:b]`` as an expression tree; any failure of Python's parser is one :class:`LRKitError`."""
    try:
        return ast.parse(text[a:b], mode="eval").body
    except SyntaxError as exc:
        where = f"column {a + (exc.offset or 1)}" if exc.offset is not None else "its end"
        raise LRKitError(f"invalid schedule spec {_show(text)}: {exc.msg} at {where}.") from None
    except (ValueError, RecursionError, MemoryError) as exc:  # NUL bytes, too deep for the parser
        raise LRKitError(f"invalid schedule spec {_show(text)}: {exc}.") from None


def _top_level_phases(text: str) -> list[tuple[int, int]]:
    """``(start, stop)`` of each phase of ``a >> b >> ...`` at bracket depth 0.

    Splitting the chain before parsing keeps a chain of any length away from the recursion
    of Python's parser; brackets and strings (``">>"`` inside quotes) are respected by the
    tokenizer. Text the tokenizer rejects is left whole for the parser's own message.
    """
    offsets = [0]  # start of each line, to turn (row, col) into a character offset
    for line in text.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    cuts, depth = [], 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type != tokenize.OP:
                continue
            if tok.string in "([{":
                depth += 1
            elif tok.string in ")]}":
                depth -= 1
            elif tok.string == ">>" and depth == 0:
                start = offsets[tok.start[0] - 1] + tok.start[1]
                cuts.append((start, start + 2))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return [(0, len(text))]
    bounds = [0] + [x for cut in cuts for x in cut] + [len(text)]
    phases = []
    for a, b in zip(bounds[0::2], bounds[1::2]):
        segment = text[a:b]
        lead = len(segment) - len(segment.lstrip())
        phases.append((a + lead, a + len(segment.rstrip())))
    return phases


def from_dict(data: dict[str, Any]) -> Schedule | ReduceOnPlateau:
    """Inverse of :meth:`Schedule.to_dict`: ``from_dict(s.to_dict()) == s``.

    Raises:
        LRKitError: if ``data`` is not a dict with a ``"name"`` key, or as :func:`parse`.

    Example:
        >>> from lrkit.schedules import cosine, from_dict, warmup
        >>> s = warmup(cosine(lr=0.1, steps=100), steps=10)
        >>> from_dict(s.to_dict()) == s
        True
        >>> from_dict({"name": "cosine", "lr": 0.1, "steps": 100})
        cosine(lr=0.1, steps=100, min_lr=0.0)
    """
    if not isinstance(data, dict) or "name" not in data:
        raise LRKitError(f"`data` must be a dict with a 'name' key; got {data!r}.")
    if not isinstance(data["name"], str):
        raise LRKitError(f"`name` of from_dict must be a schedule name (a string); got {data['name']!r:.80}.")

    def conv(v: Any) -> Any:
        if isinstance(v, dict) and "name" in v:
            return from_dict(v)
        if isinstance(v, list):
            return [conv(x) for x in v]
        return v

    params = {k: conv(v) for k, v in data.items() if k != "name"}
    return build(data["name"], [], params)
