"""``lrkit tune``: search the rate and schedule of a task with Optuna."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from lrkit.cli._app import app
from lrkit.cli._common import fail, out_dir, print_json, stderr, user_errors


@app.command("tune")
def tune_command(
    task: str = typer.Option(..., "--task", help="Built-in task name (see `lrkit tasks list`)."),
    trials: int = typer.Option(20, "--trials", help="Finished trials the study should hold (counted across "
                                                    "workers and re-runs)."),
    storage: str = typer.Option(None, "--storage", help="sqlite:///F.db, journal:///F.log or "
                                                        "postgresql://USER:PW@HOST/DB (default: SQLite under --out)."),
    study: str = typer.Option(None, "--study", help="Study name (default lrkit-TASK); the same name resumes/joins."),
    out: Path = typer.Option(Path("lrkit-out"), "--out", help="Output directory."),
    json_out: bool = typer.Option(False, "--json", help="Print the TuneResult as JSON on stdout."),
    seed: int = typer.Option(0, "--seed", help="Base seed (the sampler gets seed + worker hash)."),
    sampler: str = typer.Option("tpe", "--sampler", help="tpe or random."),
    pruner: str = typer.Option("hyperband", "--pruner", help="hyperband, successive_halving, median or none."),
    space: Path = typer.Option(None, "--space", help="YAML/JSON search space (keys: lr, schedules, "
                                                     "warmup_fraction, final_ratio, decay_fraction, optimizers)."),
    budget: int = typer.Option(None, "--budget", help="Training steps per trial (default: the task's)."),
    worker_id: int = typer.Option(None, "--worker-id", help="Worker id for the sampler seed "
                                                            "(default: $LRKIT_WORKER_ID or host+pid)."),
    timeout: float = typer.Option(None, "--timeout", help="Stop starting trials after this many seconds."),
    heartbeat: int = typer.Option(10, "--heartbeat", help="Seconds between trial heartbeats (dead trials are "
                                                          "re-queued after 3 missed beats)."),
    no_finder: bool = typer.Option(False, "--no-finder",
                                   help="Skip the range test (and its first trial); search 1e-5..1."),
) -> None:
    """Tune the learning rate and schedule of a task; writes tune.json and tune.html under --out."""
    if trials <= 0:
        raise fail(f"`--trials` must be a positive integer; got {trials}.")
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from lrkit.tuning import tune, tune_report

    progress = Progress(TextColumn("[bold]tune[/] " + task), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), TextColumn("{task.description}"), console=stderr)
    bar = progress.add_task("", total=trials)

    def on_trial(trial: Any, finished: int, total: int) -> None:
        if not progress.live.is_started:  # start on the first trial: input errors are not drawn under a bar
            progress.start()
        value = "" if trial.value is None else f" {trial.value:.4g}"
        progress.update(bar, completed=min(finished, total),
                        description=f"trial {trial.number} {trial.state.name.lower()}{value}")

    with user_errors():
        try:
            try:
                result = tune(task, n_trials=trials, space=space, sampler=sampler, pruner=pruner,
                              storage=storage, study_name=study, seed=seed, out=out, worker_id=worker_id,
                              timeout=timeout, budget=budget, heartbeat_interval=heartbeat,
                              use_finder=not no_finder, on_trial=on_trial)
            finally:
                if progress.live.is_started:
                    progress.stop()
        except KeyboardInterrupt:
            stderr.print("interrupted; run the same command again to resume the study.")
            raise typer.Exit(code=130) from None
    for note in result.notes:
        stderr.print(f"note: {note}")
    folder = out_dir(out)
    (folder / "tune.json").write_text(result.to_json(), encoding="utf-8")
    tune_report(result, folder / "tune.html")
    if json_out:
        print_json(result.to_dict())
        return
    if result.best_schedule is None:
        typer.echo(f"no trial of study {result.study_name!r} completed yet; see {folder / 'tune.html'}")
        return
    typer.echo(f"best {result.metric} = {result.best_value:.6g} (trial {result.best_trial}, "
               f"{result.n_complete} complete / {result.n_pruned} pruned of {result.n_trials})")
    typer.echo(f"best lr       = {result.best_lr:.6g}")
    typer.echo(f"best schedule = {result.best_schedule}")
    typer.echo(f"report        = {folder / 'tune.html'}")
