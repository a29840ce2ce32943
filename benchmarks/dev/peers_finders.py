"""Range-test peers run from their own packages as they ship, on any protocol task.

Protocol. For a task and a seed, :func:`run_finder_peers` builds the task with that seed once per
peer (every peer starts from the same weights, optimizer and batch order: the workload's own
optimizer, with its momentum, betas and weight decay), runs the peer's range test over the task's
training loader (epochs roll over as in training) with the peer's own defaults, and reads the
peer's own suggestion. Sweeps are 100 updates long wherever the peer allows a length (all three
default to 100). Each result carries the suggested rate or ``None`` with the peer's reason, the
updates the sweep took (the peers stop early on divergence, each by its own rule) and the CPU
seconds of sweep plus suggestion. Where a peer promises to restore the model it is checked
(tests/benchmarks_dev).

The peers, with the documentation each configuration follows:

* ``torch-lr-finder`` (torch-lr-finder 0.2.2; davidtvs/pytorch-lr-finder ``README.md`` and
  ``torch_lr_finder/lr_finder.py`` @76df305): ``LRFinder(model, optimizer, criterion)``,
  ``range_test(train_loader, start_lr=1e-7, end_lr=10, num_iter=100)`` (``step_mode="exp"``,
  ``smooth_f=0.05``, ``diverge_th=5``: its defaults), the suggestion of
  ``plot(suggest_lr=True)`` ("'steepest': the point with steepest gradient (minimal gradient)",
  after its default ``skip_start=10, skip_end=5``), then ``reset()``. The README's "Tweaked
  version from fastai" builds the optimizer with ``lr=1e-7`` and sweeps ``num_iter=100``; its
  other examples and ``range_test``'s default end at ``end_lr=10`` (the README's first example
  says 100): 10 is used, the default, which is also fastai's end, so the two sweep one range.
  "`LRFinder.range_test()` will change the model weights and the optimizer parameters. Both can be
  restored to their initial state with `LRFinder.reset()`." A task loader that is not a torch
  ``DataLoader`` goes through ``TrainDataLoaderIter``, the README's documented way.
* ``lightning`` (lightning 2.6.6; ``lightning/pytorch/tuner/lr_finder.py``):
  ``Tuner(trainer).lr_find(module, train_dataloaders=loader)`` with every default
  (``min_lr=1e-8, max_lr=1, num_training=100, mode="exponential", early_stop_threshold=4.0``)
  and ``.suggestion()`` ("the point with the steepest negative gradient", ``skip_begin=10,
  skip_end=1``). The LightningModule wraps the workload's model, loss and optimizer and has the
  ``lr`` attribute Lightning's docs ask for ("either `model` or `model.hparams` should have one of
  these fields: ('lr', 'learning_rate')"). The Trainer runs on CPU without logger, checkpoints,
  progress bar or summary (display only; none of them changes the sweep). Lightning restores the
  model from a checkpoint after the sweep ("Restore initial state of model").
* ``fastai valley`` and ``fastai minimum/10``: :mod:`dev.peers_fastai` (one sweep, two rules).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import tempfile
from collections.abc import Callable
from typing import Any

import torch

from dev.peers_common import cpu_clock, one_thread, package_version, quiet, resolve_task

__all__ = ["FINDER_PEERS", "FinderResult", "SWEEP_STEPS", "available_finder_peers", "lightning_finder",
           "run_finder_peers", "torch_lr_finder"]

#: Updates of every sweep: the three peers' own default length.
SWEEP_STEPS = 100
#: torch-lr-finder's range: the README's fastai-style start (``lr=1e-7``) and ``range_test``'s default end.
TLF_START, TLF_END = 1e-7, 10.0


@dataclasses.dataclass(frozen=True)
class FinderResult:
    """One peer's answer on one built task.

    Attributes:
        peer: ``"torch-lr-finder"``, ``"lightning"``, ``"fastai valley"``, ``"fastai minimum/10"``.
        lr: the suggested rate, or ``None`` when the peer gave none.
        reason: the peer's rule, or why it gave no rate (its own message).
        steps: optimizer updates of the sweep.
        cpu_s: CPU seconds of the sweep and the suggestion (one sweep shared by fastai's two rules).
        source: the package that produced it, ``name==version``.
    """

    peer: str
    lr: float | None
    reason: str
    steps: int
    cpu_s: float
    source: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def torch_lr_finder(parts: dict[str, Any]) -> list[FinderResult]:
    """torch-lr-finder's range test and ``plot(suggest_lr=True)`` suggestion; the model is ``reset()``."""
    from matplotlib.figure import Figure
    from torch_lr_finder import LRFinder, TrainDataLoaderIter

    loader = parts["train_loader"]
    if not isinstance(loader, torch.utils.data.DataLoader):
        loader = TrainDataLoaderIter(loader)
    finder = LRFinder(parts["model"], parts["optimizer"], parts["loss_fn"])
    lr, reason = None, "steepest gradient of the smoothed loss (plot(suggest_lr=True))"
    try:
        with quiet(), cpu_clock() as clock:
            finder.range_test(loader, start_lr=TLF_START, end_lr=TLF_END, num_iter=SWEEP_STEPS)
            try:
                _, lr = finder.plot(ax=Figure().add_subplot(), suggest_lr=True)
            except RuntimeError as err:  # too few points after skip_start + skip_end
                reason = str(err)
    finally:
        finder.reset()
    steps = len(finder.history["lr"])
    return [FinderResult("torch-lr-finder", None if lr is None else float(lr), reason, steps, clock.seconds,
                         package_version("torch-lr-finder"))]


def lightning_finder(parts: dict[str, Any]) -> list[FinderResult]:
    """Lightning's ``Tuner.lr_find`` with its defaults and ``suggestion()``."""
    import lightning as L
    from lightning.pytorch.tuner import Tuner

    class TaskModule(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.model = parts["model"]
            self.lr = parts["optimizer"].param_groups[0]["lr"]

        def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
            x, y = batch
            return parts["loss_fn"](self.model(x), y)

        def configure_optimizers(self) -> torch.optim.Optimizer:
            return parts["optimizer"]

    with tempfile.TemporaryDirectory() as tmp, quiet():
        trainer = L.Trainer(accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
                            enable_progress_bar=False, enable_model_summary=False, default_root_dir=tmp)
        with cpu_clock() as clock:
            found = Tuner(trainer).lr_find(TaskModule(), train_dataloaders=parts["train_loader"])
            lr = found.suggestion() if found is not None else None
    steps = len(found.results["lr"]) if found is not None else 0
    reason = ("steepest negative gradient of the smoothed loss (suggestion())" if lr is not None
              else f"no suggestion: too few finite points after skip_begin=10, skip_end=1 ({steps} points)")
    return [FinderResult("lightning", None if lr is None else float(lr), reason, steps, clock.seconds,
                         package_version("lightning"))]


def _fastai(parts: dict[str, Any]) -> list[FinderResult]:
    from dev.peers_fastai import fastai_finder

    return fastai_finder(parts)


#: Every finder peer: ``name -> (importable module it needs, runner)``.
FINDER_PEERS: dict[str, tuple[str, Callable[[dict[str, Any]], list[FinderResult]]]] = {
    "torch-lr-finder": ("torch_lr_finder", torch_lr_finder),
    "lightning": ("lightning", lightning_finder),
    "fastai": ("fastai", _fastai),
}


def available_finder_peers() -> dict[str, str | None]:
    """``peer -> None`` when it can run here, else the reason it cannot."""
    from dev.peers_fastai import FASTAI_INSTALL

    how = {"torch-lr-finder": "pip install -c constraints.txt -e '.[peers]'", "fastai": FASTAI_INSTALL,
           "lightning": "pip install -c constraints.txt -e '.[dev]'"}
    return {name: None if importlib.util.find_spec(module) else f"{module} is not installed ({how[name]})"
            for name, (module, _) in FINDER_PEERS.items()}


def run_finder_peers(task: Any, seed: int = 0, peers: tuple[str, ...] | None = None) -> list[FinderResult]:
    """Each peer's suggestion on ``task`` (a Task or a built-in name) built with ``seed``.

    Args:
        task: a :class:`lrkit.tasks.Task` (a zoo workload) or a built-in task's name.
        seed: the seed every peer's copy of the task is built with.
        peers: names from :data:`FINDER_PEERS` (default: every one that is installed).

    Returns:
        One :class:`FinderResult` per peer rule (fastai gives two: valley and minimum/10).

    Raises:
        ValueError: for an unknown peer or one that is not installed.
    """
    task = resolve_task(task)
    available = available_finder_peers()
    names = tuple(n for n, why in available.items() if why is None) if peers is None else tuple(peers)
    for name in names:
        if name not in FINDER_PEERS:
            raise ValueError(f"`peers` must name peers from {sorted(FINDER_PEERS)}; got {name!r}.")
        if available[name] is not None:
            raise ValueError(f"peer {name!r} cannot run: {available[name]}.")
    out: list[FinderResult] = []
    with one_thread():
        for name in names:
            out.extend(FINDER_PEERS[name][1](task.build(seed)))
    return out
