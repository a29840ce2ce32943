"""``lrkit schedule list | values | plot``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer
from rich.markup import escape
from rich.table import Table

from lrkit.cli._app import app
from lrkit.cli._common import call, fail, print_json, stderr
from lrkit.schedules import parse, registry

schedule_app = typer.Typer(help="List, evaluate and plot schedules.", no_args_is_help=True)
app.add_typer(schedule_app, name="schedule")


def _steps(steps: int) -> int:
    if steps <= 0:
        raise fail(f"`--steps` must be a positive integer; got {steps}.")
    return steps


@schedule_app.command("list")
def list_schedules(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List every registered schedule family with its torch counterpart."""
    rows = [
        {"name": i.name, "summary": i.summary, "torch": i.torch, "composite": i.composite, "example": i.example}
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


@schedule_app.command("values")
def values(
    spec: str = typer.Argument(..., help="Schedule spec, e.g. 'cosine(lr=0.1, steps=100)'."),
    steps: int = typer.Option(..., "--steps", help="Number of steps to evaluate (t = 0 .. N-1)."),
) -> None:
    """Print the rates for t = 0 .. N-1 as a JSON array."""
    n = _steps(steps)
    schedule = call(parse, spec)
    print_json([float(v) for v in schedule(np.arange(n))])


@schedule_app.command("plot")
def plot(
    spec: str = typer.Argument(..., help="Schedule spec."),
    steps: int = typer.Option(..., "--steps", help="Number of steps to plot."),
    out: Path = typer.Option(Path("schedule.png"), "--out", help="PNG file to write."),
    log: bool = typer.Option(False, "--log", help="Log-scale rate axis."),
) -> None:
    """Plot the schedule over N steps to a PNG file."""
    from lrkit.plotting import plot_schedule

    n = _steps(steps)
    schedule = call(parse, spec)
    fig = plot_schedule(schedule, n, log=log)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    stderr.print(f"wrote {out}")
    typer.echo(str(out))
