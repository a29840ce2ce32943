"""Options several commands share, declared once so their names, metavars and help agree.

The ``--task`` rule, the same in ``find``, ``train`` and ``tune``: it defaults to the built-in
:data:`DEFAULT_TASK` (what ``make run`` uses); ``find`` and ``tune`` take ``--script FILE.py:FUNC``
instead, and the two are exclusive.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["DEFAULT_TASK", "task_name", "TaskOption", "ScriptOption", "OptimizerOption", "SeedOption",
           "JsonFlag",
           "OutDirOption"]

#: The built-in task a command runs when neither --task nor --script is given: the smallest real
#: workload whose range test and tuning finish in about a minute on one core.
DEFAULT_TASK = "digits-mlp"

def task_name(task: str | None) -> str:
    """``--task`` as given, or :data:`DEFAULT_TASK` when absent (an empty name is an error, not absent)."""
    return DEFAULT_TASK if task is None else task


TaskOption = Annotated[str | None, typer.Option(
    "--task", metavar="NAME", help=f"Built-in task (default {DEFAULT_TASK}; see `lrkit tasks list`).")]
ScriptOption = Annotated[str | None, typer.Option(
    "--script", metavar="FILE.py:FUNC",
    help="Your own task instead of --task: FUNC(seed) -> dict(model, optimizer, loss_fn, train_loader"
         "[, val_loader]).")]
OptimizerOption = Annotated[str | None, typer.Option(
    "--optimizer", metavar="NAME", help="Optimizer of a built-in task: sgd, sgd-plain, nesterov, adam, "
                                        "adamw, rmsprop, adagrad, nadam or radam (default: the task's).")]
SeedOption = Annotated[int, typer.Option(
    "--seed", metavar="N", help="Seed of the model's weights and data order.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]
OutDirOption = Annotated[Path, typer.Option("--out", metavar="DIR", help="Folder for the outputs.")]
