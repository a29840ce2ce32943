"""``TrainResult``: the plain-data record of one training run."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

from lrkit._json import json_safe
from lrkit.errors import LRKitError

__all__ = ["TrainResult", "write_history_rows"]


@dataclasses.dataclass
class TrainResult:
    """The record of one training run.

    Attributes:
        history: one row per optimizer step: ``{"step", "lr", "train_loss"}`` plus the
            validation metrics on evaluation steps (``step`` is the update number ``t``,
            ``lr`` the rate that update used: param group 0's, the others keeping their ratios to it).
        final: validation metrics at the end, named for what they are (``val_acc``,
            ``val_loss``, ``val_mse``); the worst values (chance accuracy, ``inf``) if diverged.
        metric: ``final[metric_name]``, the task's main metric.
        metric_name: e.g. ``"val_acc"``; ``higher_is_better`` gives its direction.
        higher_is_better: direction of ``metric``.
        steps: optimizer steps taken.
        wall_time: seconds spent in the run (building excluded).
        diverged: a training or validation loss became NaN or infinite.
        stopped: why the run ended: ``"budget"``, ``"callback"`` or ``"diverged"``.
        task, optimizer, lr, schedule, seed, budget: what was run (schedule as a spec; ``lr`` and
            ``schedule`` in param group 0's units, the group :func:`~lrkit.tasks.train` sets).
        autopilot: for a run of :func:`~lrkit.tasks.train_autopilot`, the Autopilot's account:
            ``mode``; ``peak``, the rate it chose for its reference group (of the groups above 0, the one
            holding the most trainable parameters), in which its ``events``' rates are too;
            ``group_0_factor``, group 0's rate over that group's (``lr == peak * group_0_factor``; 1.0
            with one group, and with group 0 frozen at 0: ``lr`` is then the reference's);
            ``probe_steps``, ``total_steps``; ``None`` for a run at a given rate.

    Example:
        >>> from lrkit.tasks import train
        >>> r = train("wine-logreg", lr=4.0, budget=3)
        >>> r.steps, r.stopped, [round(h["lr"], 2) for h in r.history]
        (3, 'budget', [4.0, 4.0, 4.0])
        >>> TrainResult.from_dict(r.to_dict()) == r
        True
    """

    history: list[dict[str, float]]
    final: dict[str, float]
    metric: float
    metric_name: str
    higher_is_better: bool
    steps: int
    wall_time: float
    diverged: bool
    stopped: str
    task: str
    optimizer: str
    lr: float
    schedule: str | None
    seed: int
    budget: int
    autopilot: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data; ``TrainResult.from_dict`` inverts it."""
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        """JSON text; non-finite numbers (a diverged loss) are written as ``null``."""
        return json.dumps(json_safe(self.to_dict()))

    def write_history(self, path: str | Path) -> Path:
        """Write the per-step history as a ``step,loss,lr[,val_loss]`` CSV, the file ``lrkit diagnose`` reads.

        ``loss`` is the training loss of each update (a diverged run's last one is ``nan`` or
        ``inf``), ``lr`` the rate that update used, ``val_loss`` (when the run was evaluated) the
        validation loss after that update, blank where there was no evaluation. Parents are created.

        Raises:
            LRKitError: for a path that does not end in ``.csv`` or cannot be written.

        Example:
            >>> import tempfile, os
            >>> from lrkit.tasks import train
            >>> r = train("wine-logreg", lr=1.0, budget=3)
            >>> p = r.write_history(os.path.join(tempfile.mkdtemp(), "h.csv"))
            >>> p.read_text().splitlines()[0]
            'step,loss,lr,val_loss'
        """
        return write_history_rows(self.history, path, "TrainResult.write_history")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainResult:
        """Rebuild a result from :meth:`to_dict` or parsed :meth:`to_json` output.

        A ``null`` final metric reads back as ``inf`` (the only non-finite value a final
        metric takes: a diverged run's loss); a ``null`` in the history as NaN.
        """

        def num(v: Any, missing: float) -> Any:
            return missing if v is None else v

        d = dict(data)
        d["history"] = [{k: num(v, math.nan) for k, v in row.items()} for row in d["history"]]
        d["final"] = {k: num(v, math.inf) for k, v in d["final"].items()}
        d["metric"] = num(d["metric"], math.inf)
        return cls(**d)


def write_history_rows(rows: list[dict[str, Any]], path: str | Path,
                       owner: str = "write_history_rows") -> Path:
    """Write history rows (``step``, ``train_loss``, ``lr``, optional ``val_loss``) as the
    ``step,loss,lr[,val_loss]`` CSV ``lrkit diagnose`` reads: :meth:`TrainResult.write_history`'s file, also
    for the rows of a run that did not finish (``lrkit train`` interrupted). Parents are created.

    Raises:
        LRKitError: for a path that does not end in ``.csv`` or cannot be written (naming ``owner``).

    Example:
        >>> import os, tempfile
        >>> p = write_history_rows([{"step": 0, "train_loss": 2.0, "lr": 0.1}],
        ...                        os.path.join(tempfile.mkdtemp(), "h.csv"))
        >>> p.read_text().splitlines()
        ['step,loss,lr', '0,2.0,0.1']
    """
    path = Path(path)
    if path.suffix.lower() != ".csv":
        raise LRKitError(f"`path` of {owner} must end in .csv; got {str(path)!r}.")
    val = any("val_loss" in row for row in rows)
    lines = ["step,loss,lr" + (",val_loss" if val else "")] + [
        f"{int(row['step'])},{float(row['train_loss'])!r},{float(row['lr'])!r}"
        + (f",{float(row['val_loss'])!r}" if "val_loss" in row else ("," if val else ""))
        for row in rows]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    except OSError as exc:
        raise LRKitError(f"`path` of {owner} cannot be written: {path} ({exc.strerror or exc}).") from None
    return path
