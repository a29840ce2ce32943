"""``lrkit find``: the LR range test on a built-in task or a user script.

Runs :func:`lrkit.torch.find_lr` on the task's model (its state restored
afterwards, as always), then writes ``finder.json``, ``finder.png`` and
``report.html`` under ``--out``. ``--json`` prints the
:class:`~lrkit.finder.FinderResult` on stdout (top-level numeric ``suggestion``
and ``interval``); otherwise a summary table. The progress bar goes to stderr.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from lrkit.cli._app import Command, app
from lrkit.cli._common import check_out_dir, fail, print_json, staged, stderr, user_errors
from lrkit.cli._options import (
    DEFAULT_TASK,
    JsonFlag,
    OptimizerOption,
    OutDirOption,
    ScriptOption,
    SeedOption,
    TaskOption,
)
from lrkit.cli._script import build_parts, load_script, script_errors


def build_task(task: str | None, script: str | None, optimizer: str | None,
               seed: int) -> tuple[str, dict[str, Any]]:
    """``(name, parts)`` of ``--task`` or ``--script`` by the rule of :mod:`lrkit.cli._options`."""
    if task is not None and script is not None:
        raise fail("`--task` and `--script` are exclusive; give one.")
    if script is not None:
        if optimizer is not None:
            raise fail("`--optimizer` applies to built-in tasks only; a --script builds its own optimizer.")
        return script, build_parts(script, load_script(script), seed)
    from lrkit.tasks import get_task

    name = task or DEFAULT_TASK
    with user_errors():
        return name, get_task(name).build(seed, optimizer=optimizer)


def _report(result: Any, name: str, path: Path, png: bytes) -> Path:
    from lrkit.plotting import Report

    report = Report(f"LR range test: {name}", subtitle=f"rule {result.rule}; {result.steps} steps; "
                                                       f"stopped: {result.stop_reason}")
    report.add_figure(png, caption="Raw losses, lag-free smoothed curve, suggestion and its interval.")
    report.add_heading("Suggestion")
    lo, hi = result.interval if result.interval is not None else (None, None)
    report.add_table([[result.rule, _fmt(result.suggestion), _fmt(lo), _fmt(hi), result.reason]],
                     ["rule", "suggested lr", "interval low", "interval high", "how"])
    report.add_heading("Every rule on the same sweep")
    report.add_table([[k, _fmt(v)] for k, v in result.suggestions.items()], ["rule", "suggested lr"])
    report.add_heading("Run")
    keep = ("start", "end", "num_steps", "mode", "accumulation_steps", "amp", "amp_skipped_steps", "repeats",
            "batches_used", "loader_passes", "world_size", "snapshot")
    report.add_table([[k, str(result.meta[k])] for k in keep if k in result.meta] +
                     [["wall time (s)", f"{result.wall_time:.2f}"]], ["setting", "value"])
    return report.write(path)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


@app.command("find", cls=Command)
def find_command(
    task: TaskOption = None,
    script: ScriptOption = None,
    optimizer: OptimizerOption = None,
    seed: SeedOption = 0,
    num_steps: Annotated[int, typer.Option(
        "--num-steps", metavar="N", help="Rates in the sweep (one optimizer update each).")] = 100,
    start: Annotated[float, typer.Option("--start", metavar="RATE", help="First rate of the sweep.")] = 1e-7,
    end: Annotated[float, typer.Option("--end", metavar="RATE", help="Last rate of the sweep.")] = 10.0,
    rule: Annotated[str, typer.Option("--rule", metavar="RULE", help=(
        "Rule: auto (by optimizer kind), default, falling, steepest, valley, minimum/10."))] = "auto",
    repeats: Annotated[int, typer.Option(
        "--repeats", metavar="N", help="Sweeps over fresh batches, pooled for the interval.")] = 1,
    val: Annotated[bool, typer.Option("--val", help="Record the loss on a fixed validation subset.")] = False,
    out: OutDirOption = Path("lrkit-out"),
    json_out: JsonFlag = False,
) -> None:
    """Run the LR range test and suggest a learning rate; writes finder.json, finder.png, report.html."""
    import torch

    from lrkit.finder import Sweep
    from lrkit.torch import Validation, find_lr

    check_out_dir(out)
    torch.set_num_threads(1)
    name, parts = build_task(task, script, optimizer, seed)
    val_loader = parts.get("val_loader") if val else None
    if val and val_loader is None:
        raise fail(f"`--val` needs a val_loader, which {name!r} does not provide.")
    with user_errors(), script_errors(script), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sweep = Sweep(start=start, end=end, num_steps=num_steps)
        result = find_lr(parts["model"], parts["optimizer"], parts["loss_fn"], parts["train_loader"],
                         sweep=sweep, rule=rule, repeats=repeats, progress=True,
                         validation=None if val_loader is None else Validation(val_loader))
    for w in caught:  # one plain line each, e.g. "the loader was cycled"
        stderr.print(escape(f"note: {w.message}"), soft_wrap=True)
    from lrkit.plotting._report import figure_png

    png = figure_png(result.plot())
    with staged(out) as stage:
        (stage / "finder.json").write_text(result.to_json(indent=2), encoding="utf-8")
        (stage / "finder.png").write_bytes(png)
        _report(result, name, stage / "report.html", png)
    stderr.print(escape(f"wrote {out / 'finder.json'}, {out / 'finder.png'}, {out / 'report.html'}"),
                 soft_wrap=True)
    if json_out:
        print_json(result.to_dict())
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"lrkit find: {escape(name)}", show_header=True)
    table.add_column("rule")
    table.add_column("suggested lr", justify="right")
    for rule_name, value in result.suggestions.items():
        mark = " (chosen)" if rule_name == result.rule else ""
        table.add_row(rule_name + mark, _fmt(value))
    Console(width=100).print(table)
    interval = "-" if result.interval is None else f"[{result.interval[0]:.3g}, {result.interval[1]:.3g}]"
    typer.echo(f"suggestion {_fmt(result.suggestion)}  interval {interval}  ({result.reason})")
    typer.echo(f"stopped: {result.stop_reason} after {result.steps} steps in {result.wall_time:.2f} s")
