"""The root Typer application, the command classes every command uses, and the CLI's error rule.

Conventions every ``lrkit`` command follows (a test walks the command tree and checks them):

- **One error line.** Every usage error, whether lrkit's own (an :class:`~lrkit.LRKitError`) or
  Typer's and Click's (a missing option, a bad type, an unknown option), is one ``error: ...``
  line on stderr and exit code 2, never a boxed panel. An unexpected exception is one
  ``error: ...`` line too (exit code 1); ``LRKIT_DEBUG=1`` shows its traceback instead. A missing
  optional extra is not unexpected: its line names the command and the install line
  (``pip install 'lrkit[torch]'``, :mod:`lrkit.cli._extras`), exit code 2.
- **Readable help.** Positionals show as ``SPEC``, options as ``--steps N``, flags with no
  type after them: :class:`Command` fills in a metavar where a declaration gives none.
- **``lrkit --version``** prints the installed version.

Commands register with ``@app.command("name", cls=Command)`` (groups: ``typer.Typer(cls=Group)``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from lrkit.cli._extras import extra_message, missing_extra

try:  # recent Typer vendors Click as typer._click; older releases use click itself
    from typer._click.exceptions import ClickException as _ClickException
except ImportError:  # pragma: no cover - depends on the installed Typer
    from click.exceptions import ClickException as _ClickException

__all__ = ["app", "Command", "Group", "lrkit_version", "error_line"]

#: Exit code of a usage error (the Unix convention Click follows too).
USAGE_EXIT = 2
#: Exit code of an unexpected failure (a bug, or the user's own code failing in a way lrkit did not name).
FAILURE_EXIT = 1


def lrkit_version() -> str:
    """The installed distribution's version (``"unknown"`` when run from a bare source tree)."""
    try:
        return version("lrkit")
    except PackageNotFoundError:  # pragma: no cover - always installed in development and CI
        return "unknown"


def error_line(message: str) -> str:
    """``message`` as the one ``error: ...`` line: newlines folded, whitespace collapsed.

    Example:
        >>> error_line("No such option: --bogus\\n  (Possible options: --out)")
        'error: No such option: --bogus (Possible options: --out)'
    """
    return "error: " + " ".join(str(message).split())


def _type_metavar(param: Any, ctx: Any) -> str:
    """``<int>`` -> ``INTEGER``, as Click writes types; anything else upper-cased."""
    shown = param.display_type(ctx) if hasattr(param, "display_type") else param.type.name
    label = str(shown).strip("<>").split("|")[0]
    return {"int": "INTEGER", "float": "FLOAT", "str": "TEXT", "bool": "BOOLEAN"}.get(label, label.upper())


def _no_type(ctx: Any) -> None:
    return None


def _fill_metavars(params: Sequence[Any], ctx: Any) -> None:
    """Give every parameter without a declared metavar a readable one (see :class:`Command`)."""
    for param in params:
        if isinstance(param, TyperArgument):
            # the metavar names it; Typer would add its Python type (``<str>``) in a second column
            param.display_type_rich = _no_type
        if param.metavar is not None:
            continue
        if isinstance(param, TyperArgument):
            param.metavar = (param.name or "ARG").upper()
        elif getattr(param, "is_flag", False) or getattr(param, "count", False):
            param.metavar = ""
        else:
            param.metavar = _type_metavar(param, ctx)


class Command(TyperCommand):
    """A Typer command with readable help: no ``<bool>`` after a flag, no ``{spec}`` positionals.

    A positional shows its metavar (default: its name upper-cased), ``[DEMO]`` when optional; an
    option with no declared metavar shows its type as Click names it (``INTEGER``, ``FLOAT``,
    ``TEXT``, ``PATH``); a flag shows nothing.
    """

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        _fill_metavars(self.get_params(ctx), ctx)
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = param.metavar + ("..." if param.nargs != 1 else "")
                pieces.append(name if param.required else f"[{name}]")
        return pieces

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _fill_metavars(self.get_params(ctx), ctx)
        super().format_help(ctx, formatter)


#: How a bad value of each option type is described, in lrkit's message shape.
_TYPE_WORDS = {"INTEGER": "an integer", "FLOAT": "a number"}


def _given(args: list[str], param: Any) -> str | None:
    """The text the user gave ``param`` on the command line (``--steps abc`` / ``--steps=abc``), if found."""
    for name in getattr(param, "opts", ()):
        for i, arg in enumerate(args):
            if arg == name and i + 1 < len(args):
                return args[i + 1]
            if arg.startswith(name + "="):
                return arg[len(name) + 1:]
    return None


def _usage_message(exc: Any, args: list[str]) -> str:
    """A Click/Typer usage error in lrkit's shape: what, where, what was given, where to look."""
    ctx, param = getattr(exc, "ctx", None), getattr(exc, "param", None)
    where = ctx.command_path if ctx is not None else "lrkit"
    if isinstance(exc, typer.BadParameter) and param is not None and ctx is not None:
        words, got = _TYPE_WORDS.get(_type_metavar(param, ctx)), _given(args, param)
        if words is not None and got is not None:
            return f"`{param.opts[0]}` of {where} must be {words}; got {got!r}."
    return f"{exc.format_message()} (see `{where} --help`)"


class Group(TyperGroup):
    """A Typer group with :class:`Command`'s readable help, whose ``main`` applies the error rule."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _fill_metavars(self.get_params(ctx), ctx)
        super().format_help(ctx, formatter)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _ClickException as exc:  # Click/Typer usage errors: missing or unknown option, bad type
            given = sys.argv[1:] if args is None else list(args)
            typer.echo(error_line(_usage_message(exc, given)), err=True)
            sys.exit(USAGE_EXIT)
        except typer.Abort:
            typer.echo(error_line("aborted."), err=True)
            sys.exit(FAILURE_EXIT)
        except Exception as exc:  # a bug or an unnamed failure of the user's code: one line, not a traceback
            if os.environ.get("LRKIT_DEBUG"):
                raise
            given = sys.argv[1:] if args is None else list(args)
            if (module := missing_extra(exc)) is not None:  # an extra not installed: say which, not "a bug"
                typer.echo(error_line(extra_message(self.command_path(given), module)), err=True)
                sys.exit(USAGE_EXIT)
            typer.echo(error_line(f"unexpected {type(exc).__name__}: {exc} (LRKIT_DEBUG=1 shows the "
                                  "traceback; please report it)"), err=True)
            sys.exit(FAILURE_EXIT)
        sys.exit(rv if isinstance(rv, int) else 0)  # non-standalone Click returns Exit's code

    def command_path(self, args: Sequence[str]) -> str:
        """The command ``args`` name, as typed (``lrkit tasks list``): the leading words that are commands."""
        words, group = ["lrkit"], self
        for arg in args:
            commands = getattr(group, "commands", None)
            if arg.startswith("-") or not commands or arg not in commands:
                break
            words.append(arg)
            group = commands[arg]
        return " ".join(words)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"lrkit {lrkit_version()}")
        raise typer.Exit()


app = typer.Typer(
    name="lrkit",
    cls=Group,
    help="Schedule, find, watch, tune and see the learning rate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    show_version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True,
                     help="Print lrkit's version and exit."),
    ] = False,
) -> None:
    """Schedule, find, watch, tune and see the learning rate."""
