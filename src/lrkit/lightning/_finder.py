"""``lrkit.lightning.LearningRateFinder``: Lightning's finder callback, backed by lrkit's range test.

It takes Lightning's arguments and, like Lightning's callback, runs before
``fit`` trains and sets the module's ``lr`` / ``learning_rate`` (or
``attr_name``) and the optimizer to the suggestion. What it does differently:

* **Everything comes back exactly** (Lightning-AI/pytorch-lightning#6675): the
  sweep runs inside ``lrkit.torch.find_lr``, which restores parameters,
  buffers, gradients, optimizer state and every RNG bit for bit from a CPU
  snapshot; no checkpoint file, no fit-loop restart.
* **Again during training** (#20008): ``epochs=(5, 10)`` runs it at the start
  of those epochs too, on the model as trained so far.
* **Under DDP** (#19912): each update goes through the strategy
  (``strategy.training_step``: the DDP wrapper and the precision plugin's
  autocast), and each loss is the mean over ranks, so every rank records the
  same curve, stops at the same step and picks the same rate.
* **The rule** (#21141): lrkit's suggestion rules and divergence bar, chosen on
  workloads outside the built-in tasks (docs/evidence.md), not the steepest
  slope of an exponentially smoothed curve.
* **The rate sticks**: the suggestion moves the param groups (keeping their
  ratios), torch schedulers' ``base_lrs`` and lrkit schedules together
  (``lrkit.torch._retune``), so a scheduler does not overwrite it at its next
  step (#21030).
* **A resume is not a new start**: ``fit(ckpt_path=...)`` restores the optimizer
  after ``on_fit_start``, so a sweep there would be thrown away (and would leave
  the module's rate unlike the one trained at). The callback keeps each sweep's
  suggestion in the checkpoint (``state_dict``); on a resume it makes no sweep
  the checkpointed run made, sets the module's rate to the suggestion that run
  set last (``applied``; a guess or a kept ``low`` reading is not applied), and
  says so in one log line (``lrkit.lightning``, INFO, on global rank zero only;
  ``_finder_resume.py``).

One sweep update is one optimizer update of Lightning's automatic optimization
(``lrkit.lightning._sweep_update``), drawn from the batches a training epoch takes
(``limit_train_batches`` holds for the sweep too); the module's ``self.log`` calls are muted
during the sweep and no callback is called, so loggers and callbacks see only the real run.
"""

from __future__ import annotations

import importlib
import inspect
import math
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import torch

from lrkit._frameworks import lightning_pytorch
from lrkit.errors import LRKitError, check_choice, check_flag, shown, unknown_name
from lrkit.finder import FinderResult, Sweep, check_sweep, confidence
from lrkit.torch import Update, check_find_options, find_lr
from lrkit.lightning._finder_resume import BEFORE_FIT, OWNER, ResumeBookkeeping
from lrkit.lightning._sweep_update import BatchGroups, ThresholdStop, lightning_update, muted_logging
from lrkit.torch._retune import retune, schedule_group, schedule_share

pl = lightning_pytorch("lrkit.lightning")
_parsing = importlib.import_module(f"{pl.__name__}.utilities.parsing")  # from the package that answered
try:
    lightning_hasattr, lightning_setattr = _parsing.lightning_hasattr, _parsing.lightning_setattr
except AttributeError as _missing:  # what `from ... import` says of a name the package lacks
    raise ImportError(f"cannot import name {_missing.name!r} from {_parsing.__name__!r}",
                      name=_parsing.__name__) from None

__all__ = ["LearningRateFinder"]

_ATTRS = ("lr", "learning_rate")
_MODES = {"exponential": "exp", "linear": "linear"}
# find_lr's keyword arguments a LearningRateFinder passes on (its sweep and update are its own arguments'),
# and Sweep's fields by the names of this callback's arguments (a user coming from lrkit writes num_steps).
_PASSED = tuple(name for name, p in inspect.signature(find_lr).parameters.items()
                if p.kind is inspect.Parameter.KEYWORD_ONLY and name not in ("sweep", "update"))
_SWEEP_ARGS = {"start": "min_lr", "end": "max_lr", "num_steps": "num_training_steps"}


class LearningRateFinder(ResumeBookkeeping, pl.Callback):
    """Run lrkit's range test before ``fit`` (and at chosen epochs) and set the rate it suggests.

    Args:
        min_lr, max_lr, num_training_steps, mode: Lightning's sweep arguments
            (``"exponential"`` or ``"linear"``); lrkit's defaults for the range,
            ``1e-7`` to ``10``, where its rules were chosen.
        early_stop_threshold: ``None`` (default): lrkit's divergence bar only; a
            number adds Lightning's rule (stop when the running loss exceeds
            this many times its best).
        update_attr: set the module's rate attribute and the optimizer to the
            suggestion (Lightning's default, ``True``). The suggestion is the reference group's
            rate (``meta["rate_group"]``); the attribute gets group 0's share of it, ``suggestion *
            c_0`` (the first group above 0 if group 0 is at ``lr=0``), what ``configure_optimizers``
            builds group 0 from, so the optimizer it builds again trains at the rates the run does.
        attr_name: the attribute; by default ``lr`` or ``learning_rate`` on the
            module or its ``hparams``, as Lightning looks them up.
        epochs: run again at the start of each of these epochs. A reading sure only ``low``
            (:func:`lrkit.finder.confidence`) leaves the rate the run has trained at unchanged, with a
            warning; before training it is applied, with a warning.
        at_fit_start: run in ``on_fit_start`` (default ``True``).
        **find_kwargs: passed to :func:`lrkit.torch.find_lr` (``rule``, ``policy``, ``interval``,
            ``repeats``, ``snapshot``, ``progress``, ...); an unknown name or a bad value is refused
            here, when the callback is built.

    Attributes:
        results: ``{epoch: FinderResult}`` of every sweep of this fit (``-1``: before fit).
        suggestions: ``{epoch: suggested rate or None}`` of every sweep of the run, those made
            before the checkpoint a fit resumed from included: what :meth:`state_dict` saves.
        applied: the rate (the reference group's) the run last set on the module and the optimizer,
            ``None`` if it set none (a guess, no suggestion, a kept ``low`` reading): what a resume puts
            back on the module, also saved by :meth:`state_dict`.
        result: the latest :class:`~lrkit.finder.FinderResult` (``None`` before any).
        optimal_lr: Lightning's name for the latest result (here a ``FinderResult``:
            ``suggestion`` is an attribute, ``lrs`` / ``losses`` the curve).

    Raises:
        LRKitError: for a bad argument; at the sweep, for a module with manual
            optimization or several optimizers, or without the rate attribute
            when ``update_attr`` is set.

    Example:
        >>> import tempfile, torch
        >>> class Net(pl.LightningModule):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.lr, self.lin = 1e-3, torch.nn.Linear(2, 1)
        ...     def training_step(self, batch, batch_idx):
        ...         return torch.nn.functional.mse_loss(self.lin(batch[0]).squeeze(1), batch[1])
        ...     def configure_optimizers(self):
        ...         return torch.optim.SGD(self.parameters(), lr=self.lr)
        ...     def train_dataloader(self):
        ...         x = torch.randn(256, 2, generator=torch.Generator().manual_seed(0))
        ...         data = torch.utils.data.TensorDataset(x, x @ torch.tensor([1.0, -2.0]))
        ...         return torch.utils.data.DataLoader(data, batch_size=16)
        >>> finder = LearningRateFinder(num_training_steps=30, interval=False, progress=False)
        >>> trainer = pl.Trainer(max_epochs=1, accelerator="cpu", logger=False, enable_checkpointing=False,
        ...                      enable_progress_bar=False, enable_model_summary=False,
        ...                      default_root_dir=tempfile.mkdtemp(), callbacks=[finder])
        >>> _ = torch.manual_seed(0)  # the weights: the example reads the same curve whatever ran before
        >>> model = Net()
        >>> trainer.fit(model)  # the sweep runs first, restores the model, then training runs at its rate
        >>> model.lr == finder.result.suggestion == trainer.optimizers[0].param_groups[0]["lr"]
        True
    """

    def __init__(
        self,
        min_lr: float = 1e-7,
        max_lr: float = 10.0,
        num_training_steps: int = 100,
        mode: str = "exponential",
        early_stop_threshold: float | None = None,
        update_attr: bool = True,
        attr_name: str = "",
        *,
        epochs: Sequence[int] = (),
        at_fit_start: bool = True,
        **find_kwargs: Any,
    ) -> None:
        check_choice("mode", mode, OWNER, tuple(_MODES))
        if early_stop_threshold is not None and not (
            isinstance(early_stop_threshold, (int, float)) and early_stop_threshold > 1
        ):
            raise LRKitError(
                f"`early_stop_threshold` of {OWNER} must be None or a number > 1; "
                f"got {early_stop_threshold!r}."
            )
        if not isinstance(epochs, Iterable) or isinstance(epochs, (str, bytes)):  # epochs=5 for epochs=(5,)
            raise LRKitError(f"`epochs` of {OWNER} must be a sequence of epoch numbers, e.g. (5,); "
                             f"got {shown(epochs)}.")
        epochs = tuple(epochs)
        if any(isinstance(e, bool) or not isinstance(e, int) or e < 0 for e in epochs):
            raise LRKitError(f"`epochs` of {OWNER} must be epoch numbers >= 0; got {list(epochs)!r}.")
        taken = sorted(set(find_kwargs) & {"sweep", "update"} | (
            {"on_step"} & set(find_kwargs) if early_stop_threshold is not None else set()))
        if taken:
            raise LRKitError(f"`{taken[0]}` of {OWNER} is set by its own arguments (min_lr, max_lr, "
                             "num_training_steps, mode; the Trainer's update; early_stop_threshold).")
        for name in find_kwargs:  # refused here, where it is written, not inside Trainer.fit's hooks
            if name in _SWEEP_ARGS:
                raise LRKitError(f"`{name}` of {OWNER} is a setting of the sweep: pass "
                                 f"{_SWEEP_ARGS[name]}={shown(find_kwargs[name])} (Lightning's name).")
            if name not in _PASSED:
                raise unknown_name(f"argument of {OWNER}", name, _PASSED)
        check_find_options(OWNER, find_kwargs)
        check_flag("update_attr", update_attr, OWNER)  # "no" from a config is truthy
        # Sweep's checks, naming this callback's arguments (Lightning's names), not Sweep's fields
        start, end, steps = check_sweep(min_lr, max_lr, num_training_steps, OWNER,
                                        tuple(_SWEEP_ARGS.values()))
        self.sweep = Sweep(start=start, end=end, num_steps=steps, mode=_MODES[mode])
        self.find_kwargs = find_kwargs
        self.early_stop_threshold, self.update_attr, self.attr_name = (
            early_stop_threshold,
            update_attr,
            attr_name,
        )
        self.epochs, self.at_fit_start = frozenset(epochs), at_fit_start
        self.results: dict[int, FinderResult] = {}
        self.result: FinderResult | None = None
        self.suggestions: dict[int, float | None] = {}
        self.applied: float | None = None
        self._restored: frozenset[int] = frozenset()  # sweeps made before the checkpoint resumed from
        self._resumed_from: Any = None  # the checkpoint, until on_train_start has said so

    @property
    def optimal_lr(self) -> FinderResult | None:
        """Lightning's attribute name for the latest result."""
        return self.result

    def _attr(self, module: Any) -> str:
        names = (self.attr_name,) if self.attr_name else _ATTRS
        for name in names:
            if lightning_hasattr(module, name):
                return name
        raise LRKitError(
            f"`attr_name` of {OWNER} must name the module's learning rate; the module and its "
            f"hparams have none of {', '.join(names)} (set update_attr=False to only measure)."
        )

    def lr_find(self, trainer: Any, module: Any) -> FinderResult:
        """Run the range test now on ``module`` as ``trainer`` trains it; set the rate if ``update_attr``.

        Call it from any hook (Lightning's own callback offers the same method for subclasses).
        """
        return self._run(trainer, module, trainer.current_epoch)

    def _set_module_rate(self, trainer: Any, module: Any, lr: float) -> None:
        """Set the module's rate attribute from ``lr``, the reference group's rate: to group 0's share of it
        (:func:`~lrkit.torch._retune.schedule_share`), what ``configure_optimizers`` builds group 0 from."""
        lightning_setattr(module, self._attr(module), schedule_share(trainer.optimizers[0], float(lr)))

    def _group_0_rate(self, trainer: Any) -> float:
        optimizer = trainer.optimizers[0]  # the rate in the units every rate is quoted in (schedule_group)
        return optimizer.param_groups[schedule_group(optimizer)]["lr"]

    def _run(self, trainer: Any, module: Any, key: int) -> FinderResult:
        if not module.automatic_optimization:
            raise LRKitError(
                f"`module` of {OWNER} must use automatic optimization; this one steps its "
                "optimizers itself (manual optimization)."
            )
        if len(trainer.optimizers) != 1:
            raise LRKitError(
                f"`module` of {OWNER} must configure one optimizer; got {len(trainer.optimizers)}."
            )
        attr = self._attr(module) if self.update_attr else None
        if trainer.train_dataloader is None:
            trainer.fit_loop.setup_data()  # on_fit_start runs before the fit loop loads its data
        loader = trainer.train_dataloader
        if not hasattr(loader, "__iter__") or isinstance(loader, (dict, list, tuple)):
            raise LRKitError(
                f"`train_dataloader` of {OWNER} must be one loader; got {type(loader).__name__}."
            )
        optimizer = trainer.optimizers[0]
        kwargs = dict(self.find_kwargs)
        if self.early_stop_threshold is not None:
            kwargs["on_step"] = ThresholdStop(float(self.early_stop_threshold))
        # an epoch's batches only (limit_train_batches): the sweep trains on nothing the run leaves out
        groups = BatchGroups(loader, trainer.accumulate_grad_batches, trainer.strategy.batch_to_device,
                             limit=trainer.num_training_batches)
        with muted_logging(module):
            update = Update(step=lightning_update(trainer, module))
            result = find_lr(module, optimizer, _unused_loss, groups, sweep=self.sweep, update=update,
                             **kwargs)
        result.meta.update(
            runner="lrkit.lightning.LearningRateFinder",
            epoch=trainer.current_epoch,
            accumulation_steps=trainer.accumulate_grad_batches,
        )
        self.result = self.results[key] = result
        self.suggestions[key] = result.suggestion
        if attr is not None:  # looked up before the sweep: a module without it fails before any update
            self._apply(trainer, module, result)
        return result

    def _apply(self, trainer: Any, module: Any, result: FinderResult) -> None:
        lr = result.suggestion
        guessed = result.is_guess  # "a guess, not a measurement"
        if lr is None or not math.isfinite(lr) or guessed:
            what = "only a guess, no measured rate," if guessed and lr is not None else "no suggestion"
            if trainer.is_global_zero:  # every rank swept the same curve: one warning per run (as _say)
                warnings.warn(f"{OWNER} has {what} to apply ({result.reason}); the rate is unchanged.",
                              stacklevel=3)
            return
        word, why = confidence(result)
        if word == "low" and self._kept_on_a_low_reading(trainer, float(lr), why):
            return
        self._set_module_rate(trainer, module, float(lr))  # before retune: its ratios are the configured ones
        self.applied = float(lr)
        schedulers = [cfg.scheduler for cfg in trainer.lr_scheduler_configs]
        retune(trainer.optimizers[0], schedulers, float(lr))

    def _kept_on_a_low_reading(self, trainer: Any, lr: float, why: str) -> bool:
        """Say that a reading sure only ``low`` is applied, or, once the run has trained (a sweep at a later
        epoch), that it is not: the rate in place then is the one the run has trained at, and a reading the
        advice calls a starting point only is no reason to move it (a mid-run sweep that is mostly noise read
        40-2300x below it). Whether the rate is kept (the same on every rank: they swept the same curve)."""
        now = float(self._group_0_rate(trainer))
        kept = trainer.global_step > 0
        lr = schedule_share(trainer.optimizers[0], lr)  # the reading in group 0's units, as module.lr gets it
        if trainer.is_global_zero:
            epoch = trainer.current_epoch
            done = (f"at epoch {epoch}: the rate is unchanged at {now:.3g}, the one this run has trained at "
                    f"(the reading is in results[{epoch}])" if kept
                    else f"before training: applied, the rate {now:.3g} -> {lr:.3g}")
            warnings.warn(f"{OWNER} read {lr:.3g}, how sure: low, {done}. {why}", stacklevel=4)
        return kept

    def on_fit_start(self, trainer: Any, module: Any) -> None:
        if trainer.ckpt_path is None:  # a fresh fit: sweeps restored for an earlier one do not count
            self._restored, self.applied = frozenset(), None
        if trainer.ckpt_path is not None:  # a resume: the optimizer restored next sets the rate
            self._resumed_from = trainer.ckpt_path
            return
        if self.at_fit_start:
            self._run(trainer, module, BEFORE_FIT)

    def on_train_epoch_start(self, trainer: Any, module: Any) -> None:
        epoch = trainer.current_epoch
        if epoch not in self.epochs or self._made_before_resume(trainer, epoch):
            return
        self._run(trainer, module, epoch)


def _unused_loss(output: Any, target: Any) -> torch.Tensor:
    raise AssertionError(
        "Lightning's training_step computes the loss; this is never called"
    )  # pragma: no cover
