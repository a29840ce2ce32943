"""``lrkit schedule list | values | plot``.

``--steps`` defaults to the spec's own length (its ``horizon``: ``steps=`` of each phase) when it
has one; a spec without a length (``exponential``, a ``>>`` chain ending in one) needs ``--steps``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.markup import escape
from rich.table import Table

from lrkit.cli._app import Command, Group, app
from lrkit.cli._common import call, check_out_file, fail, print_json, staged, stderr
from lrkit.errors import check_count
from lrkit.plotting import PLOT_BYTES_PER_STEP
from lrkit.schedules import Schedule, parse, registry

schedule_app = typer.Typer(cls=Group, help="List, evaluate and plot schedules.", no_args_is_help=True)
app.add_typer(schedule_app, name="schedule")

#: Memory per printed step: the float64 rate, its Python float in the list and about 25 bytes of
#: JSON text (``"  0.09999999999999999,\\n"``); rounded up.
VALUES_BYTES_PER_STEP = 80
#: File types ``schedule plot`` writes (matplotlib picks the format from the suffix).
PLOT_SUFFIXES = (".png", ".svg", ".pdf")

Spec = Annotated[str, typer.Argument(metavar="SPEC", help="Schedule spec, e.g. 'cosine(lr=0.1, steps=100)'.")]
Steps = Annotated[
    int | None,
    typer.Option("--steps", metavar="N", help="Steps t = 0 .. N-1 (default: the spec's own length, "
                                              "its steps=)."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _schedule_and_steps(spec: str, steps: int | None, owner: str, bytes_each: int) -> tuple[Schedule, int]:
    """Parse ``spec`` and settle the step count: ``--steps``, else the spec's length, checked to fit."""
    schedule = call(parse, spec)
    if not isinstance(schedule, Schedule):  # reduce_on_plateau: a controller, not a function of t
        raise fail(f"`SPEC` of {owner} must be a schedule of the step; {schedule.name} reacts to a metric "
                   "and has no values to list.")
    if steps is None:
        steps = schedule.horizon
        if steps is None:
            raise fail(f"`--steps` of {owner} is needed: {spec!r} has no length of its own (no steps=).")
    return schedule, call(check_count, "--steps", steps, owner, bytes_each=bytes_each)


@schedule_app.command("list", cls=Command)
def list_schedules(json_out: JsonFlag = False) -> None:
    """List every registered schedule family with its torch counterpart."""
    rows = [
        {"name": i.name, "summary": i.summary, "torch": i.torch, "composite": i.composite,
         "example": i.example}
        for i in sorted(registry.values(), key=lambda i: i.name)
    ]
    if json_out:
        print_json(rows)
        return
    table = Table("name", "what it does", "torch counterpart", "example spec")
    for r in rows:
        table.add_row(escape(r["name"]), escape(r["summary"]), escape(r["torch"]), escape(r["example"]))
    from rich.console import Console

    Console(width=200).print(table)


@schedule_app.command("values", cls=Command)
def values(spec: Spec, steps: Steps = None) -> None:
    """Print the rates for t = 0 .. N-1 as a JSON array."""
    schedule, n = _schedule_and_steps(spec, steps, "lrkit schedule values", VALUES_BYTES_PER_STEP)
    print_json([float(v) for v in schedule(np.arange(n))])


@schedule_app.command("plot", cls=Command)
def plot(
    spec: Spec,
    steps: Steps = None,
    out: Annotated[Path, typer.Option(
        "--out", metavar="FILE", help="Image to write: .png, .svg or .pdf.")] = Path("schedule.png"),
    log: Annotated[bool, typer.Option("--log", help="Log-scale rate axis.")] = False,
) -> None:
    """Plot the schedule over N steps to an image file."""
    check_out_file(out, PLOT_SUFFIXES)
    schedule, n = _schedule_and_steps(spec, steps, "lrkit schedule plot", PLOT_BYTES_PER_STEP)
    from lrkit.plotting import plot_schedule

    fig = call(plot_schedule, schedule, n, log=log)
    with staged(out.parent) as stage:
        fig.savefig(stage / out.name, dpi=120)
    stderr.print(escape(f"wrote {out}"), soft_wrap=True)
    typer.echo(str(out))
