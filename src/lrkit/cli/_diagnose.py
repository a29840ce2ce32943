"""``lrkit diagnose HISTORY [--json] [--report FILE.html]``: what the learning rate did to a logged run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.markup import escape

from lrkit.cli._app import Command, app
from lrkit.cli._common import call, check_out_file, fail, print_json, stderr
from lrkit.diagnostics import MIN_POINTS, read_history
from lrkit.diagnostics import diagnose as _diagnose


@app.command("diagnose", cls=Command)
def diagnose(
    history: Annotated[Path, typer.Argument(
        metavar="HISTORY",
        help="CSV with a header `step,loss[,lr]` (extra columns ignored; `lrkit train --history` writes "
             "one), `lrkit train --json` output (.json), or TensorBoard event file(s).")],
    json_out: Annotated[bool, typer.Option("--json", help="Print the diagnosis as JSON.")] = False,
    report: Annotated[Path | None, typer.Option("--report", metavar="FILE.html", help=(
        "Also write the HTML report: the verdict, what to do, the curve and the evidence."))] = None,
) -> None:
    """Diagnose a training-loss history: too high, too low, spikes, plateau, NaN, or healthy."""
    if report is not None:
        check_out_file(report, (".html",), "--report")
    h = call(read_history, history)
    if h.losses.size < MIN_POINTS and np.all(np.isfinite(h.losses)):  # a NaN still gets its verdict
        # named for the file the user gave, not for diagnose's `losses` (a shell user passed none)
        raise fail(f"the history file {history} holds too few training losses to diagnose: at least "
                   f"{MIN_POINTS} are needed; got {h.losses.size}. Log the loss at more steps (every "
                   "update is best: the tests read a trend) and train again.")
    norms = h.grad_norms if h.grad_norms is not None and np.all(np.isfinite(h.grad_norms)) else None
    d = call(_diagnose, h.losses, h.lrs, steps=h.steps, grad_norms=norms, val_losses=h.val_losses,
             val_steps=h.val_steps)
    if report is not None:
        call(d.report, report, losses=h.losses, steps=h.steps, lrs=h.lrs)
        stderr.print(escape(f"wrote {report}"), soft_wrap=True)
    if json_out:
        print_json(d.to_dict())
        return
    runner = f"; runner-up: {d.runner_up}" if d.runner_up else ""
    typer.echo(f"verdict: {d.verdict} (confidence {d.confidence:.2f}{runner})")
    typer.echo(f"recommendation: {d.recommendation}")
    for e in d.evidence:
        if e.fired:
            typer.echo(f"  evidence: {e.detail}")
    if h.lrs is None:
        stderr.print(escape(f"note: {history} has no complete `lr` column; the tests used step counts."))
