"""``lrkit tasks list`` and ``lrkit train``.

Which rate ``train`` uses is lrkit's one rule (:func:`lrkit.tasks.resolve_schedule`,
``docs/schedule.md``): ``--lr`` when it is given; else the peak of ``--schedule`` over the budget
(the spec's own rate); else the task's default rate (``lrkit tasks list``). When both are given
and disagree, the library's RateConflictWarning is printed as a note on stderr (and its
ScheduleLengthWarning, for a schedule written for another run length). ``--history
FILE.csv`` writes the run's ``step,loss,lr`` rows, the file ``lrkit diagnose`` reads.

``--autopilot`` trains with no rate given (:func:`lrkit.tasks.train_autopilot`: the Autopilot told
the budget chooses the peak inside the run), so ``--lr`` and ``--schedule`` do not apply; the JSON
is the same :class:`~lrkit.tasks.TrainResult`, with the Autopilot's account in ``autopilot``.
``--script FILE.py:FUNC`` trains the user's task function instead of ``--task`` (its budget: one
pass over its ``train_loader`` unless ``--steps`` or ``--epochs`` says otherwise).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lrkit.cli._app import Command, Group, app
from lrkit.cli._common import (
    ZOO_PREFIX, call, check_out_file, fail, print_json, resolve_task, stderr,
)
from lrkit.cli._options import JsonFlag, OptimizerOption, ScriptOption, SeedOption, TaskOption, task_name
from lrkit.cli._script import build_parts, load_script, script_errors
from lrkit.errors import RateConflictWarning, check_count, check_int, check_positive

tasks_app = typer.Typer(cls=Group, help="The built-in training tasks.", no_args_is_help=True)
app.add_typer(tasks_app, name="tasks")


def _params(n: int) -> str:
    return f"{n / 1e6:.2f}M" if n >= 1e6 else f"{n / 1e3:.1f}k" if n >= 1e3 else str(n)


@tasks_app.command("list", cls=Command)
def list_tasks(
    json_out: JsonFlag = False,
    zoo: Annotated[bool, typer.Option(
        "--zoo", help="List the workload zoo (run as --task zoo/NAME).")] = False,
) -> None:
    """List every built-in task (or zoo workload): data, model size, defaults, budget and cost."""
    if zoo:
        from lrkit.zoo import registry
    else:
        from lrkit.tasks import registry

    infos = [registry[name].info for name in sorted(registry)]
    if json_out:
        print_json([i.to_dict() for i in infos])
        return
    table = Table("name", "data", "params", "optimizer", "lr", "budget (steps)", "metric", "cost (s, 1 core)")
    for i in infos:
        table.add_row(
            escape(ZOO_PREFIX + i.name if zoo else i.name), escape(i.data), _params(i.n_params),
            i.default_optimizer, f"{i.default_lr:g}",
            f"{i.budget} ({i.budget / i.steps_per_epoch:.3g} ep)",
            i.metric + (" ↑" if i.higher_is_better else " ↓"),
            "-" if i.cost is None else f"{i.cost:g}",
        )
    Console(width=200).print(table)


def _check_rate(lr: float | None, schedule: str | None, task: Any) -> tuple[float | None, list[str]]:
    """``--lr`` checked (``None`` when absent: the library applies the rule), and the notes to print
    once the run has started without an error (a note before an ``error:`` line would be a second line)."""
    if lr is not None:
        return call(check_positive, "--lr", lr, "lrkit train"), []
    if schedule is None and task is not None:
        return None, [f"no --lr or --schedule; training at {task.info.name}'s default rate "
                      f"{task.info.default_lr:g}."]
    return None, []


def _train_budget(steps: int | None, epochs: float | None, per_epoch: int | None, script: str | None,
                  the_task: Any, *, autopilot: bool) -> tuple[int | None, int]:
    """``(budget, n)``: the budget ``--steps`` / ``--epochs`` ask for (``None``: the default), and the
    updates the run will make (the task's budget, or one pass of a script's loader, by default)."""
    from lrkit.tasks import HISTORY_BYTES_PER_STEP  # --steps is checked here too, so the message names it

    budget = None
    if steps is not None:
        budget = call(check_count, "--steps", steps, "lrkit train", bytes_each=HISTORY_BYTES_PER_STEP)
    elif epochs is not None:
        call(check_positive, "--epochs", epochs, "lrkit train")
        if per_epoch is None:
            raise fail(f"`--epochs` of lrkit train needs a train_loader with a length; `--script` {script!r} "
                       "returns one without: give --steps.")
        budget = call(check_count, "--epochs", max(1, math.ceil(epochs * per_epoch)),
                      "lrkit train (in steps)", bytes_each=HISTORY_BYTES_PER_STEP)
    if budget is None and script is not None and per_epoch is None:
        raise fail(f"`--steps` of lrkit train is needed: `--script` {script!r} returns a train_loader "
                   "with no length (one pass is the default budget).")
    n = budget or (the_task.info.budget if script is None else per_epoch)
    if autopilot:
        from lrkit.torch import MIN_BUDGET

        if n < MIN_BUDGET:
            raise fail(f"`--steps` of lrkit train --autopilot must be >= {MIN_BUDGET} (the probe reads a "
                       f"rate from at least {MIN_BUDGET // 2} updates, at most half the budget); got {n}.")
    return budget, n


@app.command("train", cls=Command)
def train_command(
    task: TaskOption = None,
    script: ScriptOption = None,
    autopilot: Annotated[bool, typer.Option("--autopilot", help=(
        "Train with no rate given: the Autopilot, told the budget, chooses the peak inside the run "
        "(not with --lr or --schedule)."))] = False,
    lr: Annotated[float | None, typer.Option("--lr", metavar="RATE", help=(
        "Learning rate (the peak when a schedule is given). Default: the schedule's own peak, "
        "else the task's default rate."))] = None,
    schedule: Annotated[str | None, typer.Option("--schedule", metavar="SPEC", help=(
        "Schedule spec, e.g. 'cosine(lr=0.01, steps=920)'; with --lr, rescaled to peak at --lr."))] = None,
    optimizer: OptimizerOption = None,
    epochs: Annotated[float | None, typer.Option(
        "--epochs", metavar="E", help="Budget in epochs (passes over the data).")] = None,
    steps: Annotated[int | None, typer.Option(
        "--steps", metavar="N", help="Budget in optimizer steps (default: the task's).")] = None,
    seed: SeedOption = 0,
    eval_every: Annotated[int | None, typer.Option(
        "--eval-every", metavar="N", help="Also evaluate every N steps.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the TrainResult as JSON.")] = False,
    history: Annotated[Path | None, typer.Option("--history", metavar="FILE.csv", help=(
        "Also write the run's step,loss,lr history there (what `lrkit diagnose` reads)."))] = None,
) -> None:
    """Train a built-in task or your script at a rate, a schedule or --autopilot; print the final metrics."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from lrkit.tasks import ScheduleLengthWarning, train, train_autopilot, write_history_rows

    if autopilot and (lr is not None or schedule is not None):
        raise fail(f"`{'--lr' if lr is not None else '--schedule'}` of lrkit train does not apply with "
                   "--autopilot (it chooses the rate); give one or the other.")
    if epochs is not None and steps is not None:
        raise fail("`--epochs` and `--steps` of lrkit train are exclusive; give one.")
    if eval_every is not None:  # checked here too, so the message names the flag
        call(check_int, "--eval-every", eval_every, "lrkit train")
    call(check_int, "--seed", seed, "lrkit train", low=0)
    if schedule is not None and not schedule.strip():
        raise fail("`--schedule` of lrkit train must be a schedule spec such as 'cosine(lr=0.01, steps=920)' "
                   "(or left out: a constant rate); got ''.")
    task, the_task, per_epoch = _train_target(task, script, optimizer, seed)
    budget, n = _train_budget(steps, epochs, per_epoch, script, the_task, autopilot=autopilot)
    if history is not None:
        check_out_file(history, (".csv",), "--history")
    own = None if script is not None else the_task  # a script's rate is its optimizer's
    rate, notes = (None, []) if autopilot else _check_rate(lr, schedule, own)

    rows: list[dict[str, Any]] = []  # the history so far, kept for an interrupted run's --history
    try:
        with Progress(
            TextColumn(f"[bold]{escape(task)}[/]"), BarColumn(), MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}"), TimeElapsedColumn(),
            console=stderr, transient=True,
        ) as progress:
            bar = progress.add_task("train", total=n, loss="-")

            every = max(1, n // 200)  # a redraw per step would cost more than a small task's step

            def advance(info: dict[str, Any]) -> None:
                rows.append({"step": info["step"], "lr": info["lr"], "train_loss": info["loss"],
                             **({"val_loss": info["val_loss"]} if "val_loss" in info else {})})
                done = info["step"] + 1
                if done % every == 0 or done == n:
                    progress.update(bar, completed=done, loss=f"{info['loss']:.4g}")

            with warnings.catch_warnings(record=True) as caught:  # the rate rule's notes, as one line each
                warnings.simplefilter("always", RateConflictWarning)
                warnings.simplefilter("always", ScheduleLengthWarning)
                with script_errors(script):
                    if autopilot:
                        result = call(train_autopilot, the_task, budget=budget, optimizer=optimizer,
                                      seed=seed, callbacks=[advance], eval_every=eval_every)
                    else:
                        result = call(train, the_task, lr=rate, schedule=schedule, optimizer=optimizer,
                                      budget=budget, seed=seed, callbacks=[advance], eval_every=eval_every)
    except KeyboardInterrupt:  # Ctrl-C: say where the run stopped and keep what --history was asked for
        said = f"interrupted after {len(rows)} of {n} updates"
        if history is not None and rows:
            call(write_history_rows, rows, history, "--history")
            said += f"; wrote the history so far to {history} (what lrkit diagnose reads)"
        stderr.print(escape(said + "."), soft_wrap=True)
        raise typer.Exit(code=130) from None
    if autopilot:
        notes.extend(_skipped_words(result))
    for note in [*notes, *(str(w.message) for w in caught)]:
        stderr.print(escape(f"note: {note}"), soft_wrap=True)
    if history is not None:
        call(result.write_history, history)
        stderr.print(escape(f"wrote {history}"), soft_wrap=True)
    if json_out:
        print_json(result.to_dict())
        return
    if result.diverged:
        stderr.print(f"[red]diverged[/] at step {result.steps} (loss became NaN/inf)")
    table = Table("metric", "value")
    for k, v in result.final.items():
        table.add_row(k + (" (main)" if k == result.metric_name else ""), f"{v:.6g}")
    if autopilot and result.lr is not None:  # the first thing asked of a run given no rate
        table.add_row("peak lr (Autopilot)", f"{result.lr:.4g}")
    table.add_row("steps", str(result.steps))
    table.add_row("wall time (s)", f"{result.wall_time:.2f}")
    Console().print(table)


def _skipped_words(result: Any) -> list[str]:
    """The Autopilot's updates skipped for a NaN or infinite loss, in one note (else none): the metrics
    table alone hides them, and a bad sample in the data comes round once an epoch."""
    bad = [row["step"] for row in result.history if not math.isfinite(row.get("train_loss", 0.0))]
    if not bad:
        return []
    return [f"the Autopilot skipped {len(bad)} of its {result.steps} updates, whose loss was NaN or infinite "
            f"(first at update {bad[0]}), and trained on; NaN losses that come back while the loss keeps "
            "falling often come from the data (a NaN or inf in a sample): check it."]


def _train_target(task: str | None, script: str | None, optimizer: str | None,
                  seed: int) -> tuple[str, Any, int | None]:
    """``(name, task, steps per epoch)`` of ``--task`` or ``--script`` (exclusive): a built-in task,
    or the user's function, called once here so that a broken script is one line before training."""
    if task is not None and script is not None:
        raise fail("`--task` and `--script` are exclusive; give one.")
    if script is None:
        name = task_name(task)
        the_task = call(resolve_task, name)
        return name, the_task, the_task.info.steps_per_epoch
    if optimizer is not None:
        raise fail("`--optimizer` applies to built-in tasks only; a --script builds its own optimizer.")
    from lrkit.tasks import loader_length  # a stream (IterableDataset) has no length: per epoch unknown

    func = load_script(script)
    loader = build_parts(script, func, seed)["train_loader"]
    return script, func, loader_length(loader)
