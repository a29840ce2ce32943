"""``lrkit find``: the LR range test on a built-in task or a user script.

Runs :func:`lrkit.torch.find_lr` on the task's model (its state restored
afterwards, as always), then writes ``finder.json``, ``finder.png`` and
``report.html`` under ``--out``. ``--json`` prints the
:class:`~lrkit.finder.FinderResult` on stdout (top-level numeric ``suggestion``
and ``interval``) with an ``advice`` object (:func:`lrkit.finder.advise`: the rate,
the optimizer, how sure, the next step's spec and code); otherwise the same advice
in words. The progress bar goes to stderr.
A sweep without a signal is swept again (``find_lr``'s second pass); the answer
says how it was reached. A run that still has no suggestion writes its outputs,
then ends with one ``error: no suggestion: ...`` line naming the reason and what
to check, and exit code 3: never a null suggestion with exit code 0.
Without matplotlib (the ``plot`` extra) the sweep's answer is still written and printed
(``finder.json``, the advice); ``finder.png`` and ``report.html`` are skipped with a note naming
``pip install 'lrkit[plot]'``: a sweep of many minutes is never lost to a figure.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from lrkit.cli._app import Command, app, error_line
from lrkit.cli._common import (
    call, check_out_dir, fail, print_json, resolve_task, staged, stderr, user_errors,
)
from lrkit.cli._extras import PLOT_SKIPPED, can_draw
from lrkit.cli._options import (
    JsonFlag,
    OptimizerOption,
    OutDirOption,
    ScriptOption,
    SeedOption,
    TaskOption,
    task_name,
)
from lrkit.cli._script import build_parts, load_script, script_errors
from lrkit.errors import LRKitError, check_count, check_int, check_positive

#: Exit code of a range test that gave no suggestion, after its second pass (the outputs are written).
NO_ANSWER_EXIT = 3


def build_task(task: str | None, script: str | None, optimizer: str | None,
               seed: int) -> tuple[str, dict[str, Any]]:
    """``(name, parts)`` of ``--task`` or ``--script`` by the rule of :mod:`lrkit.cli._options`."""
    if task is not None and script is not None:
        raise fail("`--task` and `--script` are exclusive; give one.")
    if script is not None:
        if optimizer is not None:
            raise fail("`--optimizer` applies to built-in tasks only; a --script builds its own optimizer.")
        import torch

        torch.manual_seed(seed)  # as train and tune do: --seed sets the weights and batch order FUNC draws
        return script, build_parts(script, load_script(script), seed)
    name = task_name(task)
    with user_errors():
        return name, resolve_task(name).build(seed, optimizer=optimizer)


def script_ways_out(script: str | None) -> dict[str, str]:
    """The library's ways out that name ``find_lr``'s own arguments, and what a ``--script`` user does.

    ``Update(forward=...)`` and ``Update(step=...)`` are arguments of :func:`lrkit.torch.find_lr` that
    ``lrkit find`` does not have: a script changes what its function returns, or calls find_lr itself.
    """
    from lrkit.torch import BATCH_LAYOUTS, FIND_LR_WAYS_OUT

    if script is None:
        return {}
    func = script.rpartition(":")[2]
    return {
        FIND_LR_WAYS_OUT["forward"]: (
            f"From the command line, make {func}'s train_loader yield {BATCH_LAYOUTS} (for example "
            "[(b['x'], b['y']) for b in loader]); or call lrkit.torch.find_lr from Python with "
            "update=Update(forward=lambda model, batch: (output, target))."),
        FIND_LR_WAYS_OUT["step"]: ("`lrkit find --script` cannot pass that step: call lrkit.torch.find_lr "
                                   "from Python. " + FIND_LR_WAYS_OUT["step"]),
    }


@contextlib.contextmanager
def _said_for_the_cli(ways: dict[str, str]) -> Iterator[None]:
    """Re-word an :class:`LRKitError` whose way out is a library argument the command line lacks."""
    try:
        yield
    except LRKitError as exc:
        text = str(exc)
        for python, cli in ways.items():
            if python in text:
                raise LRKitError(text.replace(python, cli)) from None
        raise


#: ``--end``'s default: a range ending there was not set by the user, so a bad range blames ``--start``.
END_DEFAULT = 10.0


def _check_rates(start: float, end: float) -> None:
    """The sweep's range, in the flags' names (``Sweep`` names its fields, which a CLI user never saw)."""
    call(check_positive, "--start", start, "lrkit find")
    call(check_positive, "--end", end, "lrkit find")
    if end > start:
        return
    if end == END_DEFAULT:
        raise fail(f"`--start` of lrkit find must be < --end={end:g}; got {start:g}.")
    raise fail(f"`--end` of lrkit find must be > --start={start:g}; got {end:g}.")


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
    end: Annotated[float, typer.Option(
        "--end", metavar="RATE", help="Last rate of the sweep.")] = END_DEFAULT,
    rule: Annotated[str, typer.Option("--rule", metavar="RULE", help=(
        "Rule: auto (by optimizer kind), default, falling, steepest, valley, minimum/10."))] = "auto",
    repeats: Annotated[int, typer.Option(
        "--repeats", metavar="N", help="Sweeps over fresh batches, pooled for the interval.")] = 1,
    val: Annotated[bool, typer.Option("--val", help="Record the loss on a fixed validation subset.")] = False,
    budget: Annotated[int | None, typer.Option("--budget", metavar="N", help=(
        "Optimizer updates of the run the rate is for: the next step's schedule is written for it "
        "(default: a built-in task's budget; a --script's: a template over total_steps)."))] = None,
    out: OutDirOption = Path("lrkit-out"),
    json_out: JsonFlag = False,
) -> None:
    """Run the LR range test and suggest a learning rate; writes finder.json, finder.png, report.html."""
    import torch

    from lrkit.finder import MIN_STEPS, SWEEP_BYTES_PER_STEP, Sweep
    from lrkit.torch import Validation, find_lr

    check_out_dir(out)
    if budget is not None:
        call(check_int, "--budget", budget, "lrkit find")
    # The sweep is checked before the task or script is built (a user's FUNC can be costly).
    repeats = call(check_int, "--repeats", repeats, "lrkit find")
    call(check_int, "--seed", seed, "lrkit find", low=0)  # here too, so the message names the flag
    call(check_count, "--num-steps", num_steps, "lrkit find", low=MIN_STEPS,
         bytes_each=SWEEP_BYTES_PER_STEP * repeats)
    _check_rates(start, end)
    sweep = call(Sweep, start=start, end=end, num_steps=num_steps)
    torch.set_num_threads(1)
    name, parts = build_task(task, script, optimizer, seed)
    val_loader = parts.get("val_loader") if val else None
    if val and val_loader is None:
        raise fail(f"`--val` needs a val_loader, which {name!r} does not provide.")
    with user_errors(), _said_for_the_cli(script_ways_out(script)), script_errors(script), \
            warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = find_lr(parts["model"], parts["optimizer"], parts["loss_fn"], parts["train_loader"],
                         sweep=sweep, rule=rule, repeats=repeats, progress=True,
                         validation=None if val_loader is None else Validation(val_loader))
    for w in caught:  # one plain line each (a warning raised by the user's own code)
        stderr.print(escape(f"note: {w.message}"), soft_wrap=True)
    from lrkit.finder import advise
    from lrkit.plotting import figure_png, finder_report

    if budget is None and script is None:
        budget = resolve_task(name).info.budget
    builtin = None if script is not None else name
    advice = advise(result, budget=budget, task=builtin, script=script)
    drawn = can_draw()  # without the plot extra the answer is kept and the figures skipped
    png = figure_png(result.plot()) if drawn else None
    data = {**result.to_dict(), "advice": advice.to_dict()}  # the FinderResult's fields, plus the advice
    with staged(out) as stage:
        (stage / "finder.json").write_text(json.dumps(data, indent=2, allow_nan=False), encoding="utf-8")
        if png is not None:
            (stage / "finder.png").write_bytes(png)
            finder_report(result, stage / "report.html", budget=budget, task=builtin, script=script,
                          title=f"LR range test: {name}")
    files = ("finder.json", "finder.png", "report.html") if drawn else ("finder.json",)
    stderr.print(escape(f"wrote {', '.join(str(out / f) for f in files)}"), soft_wrap=True)
    if not drawn:
        skipped = PLOT_SKIPPED.format(files="finder.png and report.html")
        stderr.print(escape(f"note: {skipped}"), soft_wrap=True)
    if json_out:  # what finder.json holds
        print_json(data)
        _answered(result)
        return
    for line in advice.lines():
        typer.echo(line)
    others = ", ".join(f"{k} {_fmt(v)}" for k, v in result.suggestions.items() if k != result.rule)
    typer.echo(f"other rules on the same sweep (for comparison): {others}")
    updates = result.meta.get("updates", result.steps)
    more = f" ({updates} updates over {len(result.meta['passes'])} sweeps)" if updates != result.steps else ""
    report = f"report: {out / 'report.html'}" if drawn else "no report (matplotlib is not installed)"
    typer.echo(f"stopped: {result.stop_reason} after {result.steps} steps{more} in {result.wall_time:.2f} s; "
               f"{report}")
    _answered(result)


def _answered(result: Any) -> None:
    """A sweep without an answer is not a success: one ``error:`` line and exit code 3."""
    if result.suggestion is not None:
        return
    typer.echo(error_line(f"no suggestion: {result.reason}."), err=True)
    raise typer.Exit(code=NO_ANSWER_EXIT)
