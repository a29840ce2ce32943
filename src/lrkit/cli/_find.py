"""``lrkit find``: the LR range test on a built-in task or a user script.

Runs :func:`lrkit.torch.find_lr` on the task's model (its state restored
afterwards, as always), then writes ``finder.json``, ``finder.png`` and
``report.html`` under ``--out``. ``--json`` prints the
:class:`~lrkit.finder.FinderResult` on stdout (top-level numeric ``suggestion``
and ``interval``); otherwise a summary table. The progress bar goes to stderr.
"""

from __future__ import annotations

import importlib.util
import sys
import warnings
from pathlib import Path
from typing import Any

import typer

from lrkit.cli._app import app
from lrkit.cli._common import fail, out_dir, print_json, stderr, user_errors

_PROTOCOL_KEYS = ("model", "optimizer", "loss_fn", "train_loader")


def load_script(spec: str) -> Any:
    """Import ``FILE.py:FUNC`` and return ``FUNC`` (the task protocol function of DESIGN.md).

    Raises:
        typer.Exit: code 2 with one line naming what is wrong.
    """
    path_text, sep, func_name = spec.rpartition(":")
    if not sep or not path_text or not func_name:
        raise fail(f"`--script` must look like FILE.py:FUNC; got {spec!r}.")
    path = Path(path_text)
    if not path.is_file():
        raise fail(f"`--script` file {path_text!r} does not exist.")
    module_spec = importlib.util.spec_from_file_location(f"lrkit_user_script_{path.stem}", path)
    if module_spec is None or module_spec.loader is None:
        raise fail(f"`--script` file {path_text!r} is not an importable Python file.")
    module = importlib.util.module_from_spec(module_spec)
    sys.path.insert(0, str(path.resolve().parent))  # so the script can import its neighbours
    try:
        module_spec.loader.exec_module(module)
    except Exception as exc:  # the user's code: report it in one line
        raise fail(f"`--script` file {path_text!r} failed to import: {type(exc).__name__}: {exc}") from None
    finally:
        sys.path.pop(0)
    func = getattr(module, func_name, None)
    if not callable(func):
        raise fail(f"`--script` function {func_name!r} is not defined in {path_text!r}.")
    return func


def _build(
    task: str | None, script: str | None, optimizer: str | None, seed: int
) -> tuple[str, dict[str, Any]]:
    if task is not None and script is not None:
        raise fail("`--task` and `--script` are exclusive; give one.")
    if script is not None:
        if optimizer is not None:
            raise fail("`--optimizer` applies to built-in tasks only; a --script builds its own optimizer.")
        func = load_script(script)
        try:
            parts = func(seed)
        except Exception as exc:
            raise fail(f"`--script` {script!r} raised {type(exc).__name__}: {exc}") from None
        missing = [k for k in _PROTOCOL_KEYS if not isinstance(parts, dict) or k not in parts]
        if missing:
            raise fail(f"`--script` {script!r} must return a dict with {', '.join(_PROTOCOL_KEYS)}; missing "
                       f"{', '.join(missing)}.")
        return script, parts
    from lrkit.tasks import get_task

    name = task or "digits-mlp"
    with user_errors():
        return name, get_task(name).build(seed, optimizer=optimizer)


def _report(result: Any, name: str, folder: Path, png: bytes) -> Path:
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
    return report.write(folder / "report.html")


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


@app.command("find")
def find_command(
    task: str = typer.Option(None, "--task", help="Built-in task (default digits-mlp; `lrkit tasks list`)."),
    script: str = typer.Option(None, "--script", help="FILE.py:FUNC, FUNC(seed) -> dict(model, optimizer, "
                                                      "loss_fn, train_loader[, val_loader])."),
    optimizer: str = typer.Option(None, "--optimizer", help="Optimizer of a built-in task (sgd, sgd-plain, "
                                                            "adam, adamw; default: the task's)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the task's model and data."),
    num_steps: int = typer.Option(100, "--num-steps", help="Rates in the sweep (one optimizer update each)."),
    start: float = typer.Option(1e-7, "--start", help="First rate of the sweep."),
    end: float = typer.Option(10.0, "--end", help="Last rate of the sweep."),
    rule: str = typer.Option("auto", "--rule", help="Rule: auto (by optimizer kind), default, falling, steepest, "
                             "valley, minimum/10."),
    repeats: int = typer.Option(1, "--repeats", help="Sweeps over fresh batches, pooled for the interval."),
    val: bool = typer.Option(False, "--val", help="Record the loss on a fixed validation subset."),
    out: Path = typer.Option(Path("lrkit-out"), "--out", help="Writes finder.json, finder.png, report.html."),
    json_out: bool = typer.Option(False, "--json", help="Print the FinderResult as JSON on stdout."),
) -> None:
    """Run the LR range test and suggest a learning rate."""
    import torch

    from lrkit.torch import find_lr

    torch.set_num_threads(1)
    name, parts = _build(task, script, optimizer, seed)
    val_loader = parts.get("val_loader") if val else None
    if val and val_loader is None:
        raise fail(f"`--val` needs a val_loader, which {name!r} does not provide.")
    with user_errors(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = find_lr(parts["model"], parts["optimizer"], parts["loss_fn"], parts["train_loader"],
                         start=start, end=end, num_steps=num_steps, rule=rule, repeats=repeats,
                         val_loader=val_loader, progress=True)
    for w in caught:  # one plain line each, e.g. "the loader was cycled"
        stderr.print(f"note: {w.message}", soft_wrap=True)
    folder = out_dir(out)
    (folder / "finder.json").write_text(result.to_json(indent=2), encoding="utf-8")
    from lrkit.plotting._report import figure_png

    fig = result.plot()
    png = figure_png(fig)
    (folder / "finder.png").write_bytes(png)
    _report(result, name, folder, png)
    stderr.print(f"wrote {folder / 'finder.json'}, {folder / 'finder.png'}, {folder / 'report.html'}",
                 soft_wrap=True)
    if json_out:
        print_json(result.to_dict())
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"lrkit find: {name}", show_header=True)
    table.add_column("rule")
    table.add_column("suggested lr", justify="right")
    for rule_name, value in result.suggestions.items():
        mark = " (chosen)" if rule_name == result.rule else ""
        table.add_row(rule_name + mark, _fmt(value))
    Console(width=100).print(table)
    interval = "-" if result.interval is None else f"[{result.interval[0]:.3g}, {result.interval[1]:.3g}]"
    typer.echo(f"suggestion {_fmt(result.suggestion)}  interval {interval}  ({result.reason})")
    typer.echo(f"stopped: {result.stop_reason} after {result.steps} steps in {result.wall_time:.2f} s")
