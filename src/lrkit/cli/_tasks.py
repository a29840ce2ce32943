"""``lrkit tasks list`` and ``lrkit train``."""

from __future__ import annotations

import math
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lrkit.cli._app import app
from lrkit.cli._common import call, fail, print_json, stderr
from lrkit.errors import check_int, check_positive

tasks_app = typer.Typer(help="The built-in training tasks.", no_args_is_help=True)
app.add_typer(tasks_app, name="tasks")


def _params(n: int) -> str:
    return f"{n / 1e6:.2f}M" if n >= 1e6 else f"{n / 1e3:.1f}k" if n >= 1e3 else str(n)


@tasks_app.command("list")
def list_tasks(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List every built-in task: data, model size, defaults, budget and cost."""
    from lrkit.tasks import registry

    infos = [registry[name].info for name in sorted(registry)]
    if json_out:
        print_json([i.to_dict() for i in infos])
        return
    table = Table("name", "data", "params", "optimizer", "lr", "budget (steps)", "metric", "cost (s, 1 core)")
    for i in infos:
        table.add_row(
            escape(i.name), escape(i.data), _params(i.n_params), i.default_optimizer, f"{i.default_lr:g}",
            f"{i.budget} ({i.budget / i.steps_per_epoch:.3g} ep)",
            i.metric + (" ↑" if i.higher_is_better else " ↓"),
            "-" if i.cost is None else f"{i.cost:g}",
        )
    Console(width=200).print(table)


@app.command("train")
def train_command(
    task: str = typer.Option(..., "--task", help="Built-in task name (see `lrkit tasks list`)."),
    lr: float = typer.Option(..., "--lr", help="Learning rate (the peak rate when a schedule is given)."),
    schedule: str | None = typer.Option(
        None, "--schedule", help="Schedule spec; its shape is rescaled to peak at --lr."
    ),
    optimizer: str | None = typer.Option(
        None, "--optimizer", help="sgd, sgd-plain, adam or adamw (default: the task's)."
    ),
    epochs: float | None = typer.Option(None, "--epochs", help="Budget in epochs (passes over the data)."),
    steps: int | None = typer.Option(None, "--steps", help="Budget in optimizer steps."),
    seed: int = typer.Option(0, "--seed", help="Seed of weights and batch order."),
    eval_every: int | None = typer.Option(None, "--eval-every", help="Also evaluate every N steps."),
    json_out: bool = typer.Option(False, "--json", help="Print the TrainResult as JSON."),
) -> None:
    """Train a built-in task at a rate (or schedule) and print its final metrics."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from lrkit.tasks import get_task, train

    the_task = call(get_task, task)
    call(check_positive, "--lr", lr, "lrkit train")
    if epochs is not None and steps is not None:
        raise fail("`--epochs` and `--steps` of lrkit train are exclusive; give one.")
    budget = None
    if steps is not None:
        budget = call(check_int, "--steps", steps, "lrkit train")
    elif epochs is not None:
        call(check_positive, "--epochs", epochs, "lrkit train")
        budget = max(1, math.ceil(epochs * the_task.info.steps_per_epoch))
    n = budget or the_task.info.budget

    with Progress(
        TextColumn(f"[bold]{escape(task)}[/]"), BarColumn(), MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]}"), TimeElapsedColumn(),
        console=stderr, transient=True,
    ) as progress:
        bar = progress.add_task("train", total=n, loss="-")

        every = max(1, n // 200)  # a redraw per step would cost more than a small task's step

        def advance(info: dict[str, Any]) -> None:
            done = info["step"] + 1
            if done % every == 0 or done == n:
                progress.update(bar, completed=done, loss=f"{info['loss']:.4g}")

        result = call(
            train, the_task, lr=lr, schedule=schedule, optimizer=optimizer, budget=budget, seed=seed,
            callbacks=[advance], eval_every=eval_every,
        )
    if json_out:
        print_json(result.to_dict())
        return
    if result.diverged:
        stderr.print(f"[red]diverged[/] at step {result.steps} (loss became NaN/inf)")
    table = Table("metric", "value")
    for k, v in result.final.items():
        table.add_row(k + (" (main)" if k == result.metric_name else ""), f"{v:.6g}")
    table.add_row("steps", str(result.steps))
    table.add_row("wall time (s)", f"{result.wall_time:.2f}")
    Console().print(table)
