"""``lrkit tune``: search the rate and schedule of a task (or your own, ``--script``) with Optuna.

Writes ``tune.json`` and ``tune.html`` under ``--out``; without matplotlib (the ``plot`` extra) the
result is still written and printed and ``tune.html`` skipped with a note (the trials are not lost).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from lrkit.cli._app import Command, app
from lrkit.cli._common import (
    ZOO_PREFIX, call, check_out_dir, fail, print_json, resolve_task, staged, stderr, user_errors,
)
from lrkit.cli._extras import PLOT_SKIPPED, can_draw
from lrkit.cli._options import JsonFlag, OutDirOption, ScriptOption, SeedOption, TaskOption, task_name
from lrkit.cli._script import load_script, script_errors, script_path
from lrkit.errors import check_int


def _target(task: str | None, script: str | None, seed: int) -> Any:
    """What ``tune`` searches: a task name, or the user's protocol function (tune checks what it returns)."""
    if task is not None and script is not None:
        raise fail("`--task` and `--script` are exclusive; give one.")
    if script is None:
        task = task_name(task)
        return resolve_task(task) if task.startswith(ZOO_PREFIX) else task
    func = load_script(script)

    def protocol(seed: int) -> Any:  # named `seed`: tune reads it as a task, not an objective
        return func(seed)

    protocol.__name__ = getattr(func, "__name__", "script")
    # the study is the script's (tune's source_of: FILE.py:FUNC), not this wrapper's
    source = f"{script_path(script)[0].name}:{func.__qualname__}"
    protocol.lrkit_source = source  # type: ignore[attr-defined]
    return protocol


@app.command("tune", cls=Command)
def tune_command(
    task: TaskOption = None,
    script: ScriptOption = None,
    trials: Annotated[int, typer.Option("--trials", metavar="N", help=(
        "Finished trials the study should hold (counted across workers and re-runs)."))] = 20,
    storage: Annotated[str | None, typer.Option("--storage", metavar="URL", help=(
        "sqlite:///F.db, journal:///F.log or postgresql://USER:PW@HOST/DB "
        "(default: SQLite under --out)."))] = None,
    study: Annotated[str | None, typer.Option("--study", metavar="NAME", help=(
        "Study name (default lrkit-TASK); the same name resumes/joins."))] = None,
    out: OutDirOption = Path("lrkit-out"),
    json_out: JsonFlag = False,
    seed: SeedOption = 0,
    sampler: Annotated[str, typer.Option("--sampler", metavar="NAME", help="tpe or random.")] = "tpe",
    pruner: Annotated[str, typer.Option("--pruner", metavar="NAME", help=(
        "hyperband, successive_halving, median or none."))] = "hyperband",
    space: Annotated[Path | None, typer.Option("--space", metavar="FILE", help=(
        "YAML/JSON search space (keys: lr, schedules, warmup_fraction, final_ratio, decay_fraction, "
        "optimizers)."))] = None,
    budget: Annotated[int | None, typer.Option("--budget", metavar="N", help=(
        "Training steps per trial (default: the task's; required with --script)."))] = None,
    worker_id: Annotated[int | None, typer.Option("--worker-id", metavar="N", help=(
        "Worker id for the sampler seed (default: $LRKIT_WORKER_ID or host+pid)."))] = None,
    timeout: Annotated[float | None, typer.Option("--timeout", metavar="SECONDS", help=(
        "Stop starting trials after this many seconds."))] = None,
    heartbeat: Annotated[int, typer.Option("--heartbeat", metavar="SECONDS", help=(
        "Seconds between trial heartbeats (dead trials are re-queued after 3 missed beats)."))] = 10,
    no_finder: Annotated[bool, typer.Option("--no-finder", help=(
        "Skip the range test (and its first trial); search 1e-05..10 (TunePolicy.wide_lr_range)."))] = False,
) -> None:
    """Tune the learning rate and schedule of a task; writes tune.json and tune.html under --out."""
    if trials <= 0:
        raise fail(f"`--trials` must be a positive integer; got {trials}.")
    if worker_id is not None and worker_id < 0:
        raise fail(f"`--worker-id` must be an integer >= 0; got {worker_id}.")
    # checked here too (tune and Storage check them again), so each message names the flag typed
    call(check_int, "--seed", seed, "lrkit tune", low=0)
    call(check_int, "--heartbeat", heartbeat, "lrkit tune")
    if budget is not None:
        from lrkit.tuning import MIN_BUDGET  # a schedule's warmup needs an update and not the whole run

        call(check_int, "--budget", budget, "lrkit tune", low=MIN_BUDGET)
    if script is not None and budget is None:  # a script has no budget of its own; tune's words name `budget`
        raise fail(f"`--budget` of lrkit tune is needed with --script {script!r}: the training steps of each "
                   "trial (e.g. --budget 500).")
    if timeout is not None and not timeout > 0:  # inf: no limit
        raise fail(f"`--timeout` of lrkit tune must be a number of seconds > 0; got {timeout}.")
    if study is not None and not study:
        raise fail("`--study` of lrkit tune must be a non-empty name (or left out: lrkit-TASK); got ''.")
    check_out_dir(out)
    target = _target(task, script, seed)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from lrkit.tuning import Storage, tune, tune_report

    label = escape(script or task_name(task))
    progress = Progress(TextColumn("[bold]tune[/] " + label), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), TextColumn("{task.description}"), console=stderr)
    bar = progress.add_task("", total=trials)

    def on_trial(trial: Any, finished: int, total: int) -> None:
        if not progress.live.is_started:  # start on the first trial: input errors are not drawn under a bar
            progress.start()
        value = "" if trial.value is None else f" {trial.value:.4g}"
        progress.update(bar, completed=min(finished, total),
                        description=f"trial {trial.number} {trial.state.name.lower()}{value}")

    with user_errors(), script_errors(script):
        try:
            try:
                where = Storage(url=storage, out=out, study_name=study, worker_id=worker_id,
                                heartbeat_interval=heartbeat)
                result = tune(target, n_trials=trials, space=space, sampler=sampler, pruner=pruner,
                              storage=where, seed=seed, timeout=timeout, budget=budget,
                              use_finder=not no_finder, on_trial=on_trial)
            finally:
                if progress.live.is_started:
                    progress.stop()
        except KeyboardInterrupt:
            stderr.print("interrupted; run the same command again to resume the study.")
            raise typer.Exit(code=130) from None
    for note in result.notes:
        stderr.print(escape(f"note: {note}"), soft_wrap=True)
    drawn = can_draw()  # without the plot extra the result is kept and the report skipped
    with staged(out) as stage:
        (stage / "tune.json").write_text(result.to_json(), encoding="utf-8")
        if drawn:
            tune_report(result, stage / "tune.html")
    report = out / ("tune.html" if drawn else "tune.json")
    if not drawn:
        stderr.print(escape("note: " + PLOT_SKIPPED.format(files="tune.html")), soft_wrap=True)
    if json_out:
        print_json(result.to_dict())
        return
    if result.best_schedule is None:
        typer.echo(f"{result.why_no_best} See {report}")
        return
    typer.echo(f"best {result.metric} = {result.best_value:.6g} (trial {result.best_trial}, "
               f"{result.n_complete} complete / {result.n_pruned} pruned of {result.n_trials})")
    typer.echo(f"best lr       = {result.best_lr:.6g}")
    typer.echo(f"best schedule = {result.best_schedule}")
    if (opt := result.best_params.get("optimizer")) is not None:  # the space sampled it: the rate is for it
        typer.echo(f"best optimizer = {opt} (the rate was measured with it)")
    typer.echo(f"report        = {report}")
