"""Learning-rate-free peers run as their authors recommend, one full training run on any protocol task.

Protocol. For a task, a seed and a budget ``B`` (default: the task's), :func:`run_lrfree` builds
the task with that seed (the same initial weights and batch order as every other method), takes
the workload's model, loss and loaders, replaces its optimizer by the peer, runs exactly ``B``
updates (epochs roll over; a non-finite training loss stops the run before its update and marks
it diverged, reported at the task's worst metrics) and evaluates with ``task.evaluate``.

The peer is read off the workload's optimizer (:class:`dev.peers_common.OptimizerFamily`): its
kind picks the peer's variant (SGD for ``torch.optim.SGD``, the Adam variant for every adaptive
optimizer), and its weight decay is passed on in its own form (decoupled for AdamW, an L2 penalty
otherwise) wherever the peer supports that form; none of the peers' documentation says to drop
the problem's regularization.

Each peer, with the sentence of its documentation that sets it (repository and path as fetched;
the installed package's ``METADATA`` carries the same README text for the pinned version):

* ``prodigy`` (prodigyopt 1.1.2; konstmish/prodigy ``README.md`` @3efb213): ``Prodigy(lr=1.0)``,
  default ``d_coef=1.0``, and ``CosineAnnealingLR(T_max=B)`` stepped once per update. "We
  recommend using `lr=1.` (default) for all networks." / "As a rule of thumb, we recommend either
  using no scheduler or using cosine annealing with the method ... we suggest setting
  `T_max=total_steps`". ``safeguard_warmup`` stays off: the README asks for it only "If you do use
  restarts" or "if you use linear warm-up"; ``use_bias_correction`` stays off: recommended only
  "when training diffusion models". Weight decay: "choose weight decay value based on your
  problem" (the workload's), "use option `decouple=False`" for an L2 penalty. Prodigy is Adam-like
  and has no SGD variant, so it is the same optimizer on SGD workloads.
* ``d-adapt`` (dadaptation 3.2; facebookresearch/dadaptation ``README.md`` @c984980):
  ``DAdaptSGD(lr=1.0, momentum=<workload's>)`` for SGD workloads, ``DAdaptAdam(lr=1.0,
  decouple=<AdamW?>)`` for adaptive ones, with ``CosineAnnealingLR(T_max=B)``. "**Set the LR
  parameter to 1.0**." / "**Use the same learning rate scheduler you would normally use on the
  problem.**" The zoo's workloads have no schedule of their own, so this harness uses the cosine
  that every scheduled method here uses (Prodigy's recommendation, the Adam baseline).
  "make sure you use decoupled if necessary" (AdamW workloads). The AdaGrad variant is not used
  for Adagrad workloads: the README calls it "experimental" and says it "does not adapt as
  efficiently as the other variants". DAdaptSGD has no Nesterov option (a Nesterov workload runs
  with its momentum, without Nesterov).
* ``schedule-free`` (schedulefree 1.4.1; facebookresearch/schedule_free ``README.md`` @70785b5):
  ``SGDScheduleFree`` / ``AdamWScheduleFree`` at their default rates (1.0 / 0.0025) and
  ``warmup_steps = ceil(0.02 B)``, no scheduler, ``optimizer.train()`` / ``optimizer.eval()``
  beside ``model.train()`` / ``model.eval()``. "Using learning rate warmup is recommended. This is
  supported through the `warmup_steps` parameter." The README names no length; the authors' own
  AlgoPerf submissions (``schedulefree/algoperf/*/schedule_free_adamw/``) use
  ``"warmup_factor": 0.02`` of the step budget, so 2% it is. "This is done by calling
  `optimizer.train()` at the same place you call `model.train()` and `optimizer.eval()` at the
  same place you call `model.eval()`." BatchNorm: "Right before eval ... model.train();
  optimizer.eval(); with torch.no_grad(): for batch in itertools.islice(train_loader, 50):
  model(batch); model.eval()": done exactly so for a model with BatchNorm. The README also says
  "This method does require tuning": the default rates are what a user who does not tune gets.
  ``SGDScheduleFree`` keeps its own ``momentum=0.9`` on every SGD workload, plain SGD included: it is
  the interpolation weight that "replaces the momentum of an underlying optimizer", not SGD's.
* ``dog`` (dog-optimizer 1.0.3; formll/dog ``README.md`` and ``src/dog/dog.py`` @8d45cf5):
  ``DoG(lr=1.0, reps_rel=1e-6)`` (``1e-4`` for a model with BatchNorm) and
  ``PolynomialDecayAverager(model)`` (gamma 8) stepped after every update; the *averaged* model is
  evaluated. "For best performance (and for fair comparison to other methods) **DoG/L-DoG must
  be combined with iterate averaging!** ... its default configuration should work well out of the
  box." / "Suggested value is 1e-6, unless the model uses batch-normalization, in which case the
  suggested value is 1e-4." No scheduler ("we do not employ a step-size decay scheme").
* ``adam-cosine`` (baseline, torch): ``Adam(lr=1e-3)`` (``AdamW(lr=1e-3)`` for a workload with
  decoupled decay) with ``CosineAnnealingLR(T_max=B)``: what a user who tunes nothing writes.

Example:
    >>> r = run_lrfree("digits-mlp", "adam-cosine", seed=0, budget=5)
    >>> r.steps, len(r.losses), r.diverged
    (5, 5, False)
"""

from __future__ import annotations

import dataclasses
import importlib.util
import itertools
import math
from collections.abc import Callable
from typing import Any

import torch

from dev.peers_common import (OptimizerFamily, cpu_clock, endless, has_batchnorm, one_thread, package_version,
                              quiet, resolve_task)

__all__ = ["LRFREE_PEERS", "LrFreeRun", "Setup", "available_lrfree_peers", "run_lrfree"]

#: Schedule-Free's warmup, a fraction of the budget: the ``warmup_factor`` of the authors' AlgoPerf
#: submissions (its README recommends warmup without a length).
SF_WARMUP_FRACTION = 0.02
#: Schedule-Free's BatchNorm recalibration: the README's ``itertools.islice(train_loader, 50)``.
SF_BN_BATCHES = 50
#: DoG's ``reps_rel``: its docstring's "Suggested value is 1e-6, unless the model uses
#: batch-normalization, in which case the suggested value is 1e-4".
DOG_REPS_REL, DOG_REPS_REL_BATCHNORM = 1e-6, 1e-4
#: How to install the peers' packages (the ``peers`` extra, pinned by constraints.txt).
PEERS_INSTALL = "pip install -c constraints.txt -e '.[peers]'"
#: The untuned baseline's rate: Adam's and AdamW's torch default.
BASELINE_LR = 1e-3


@dataclasses.dataclass
class Setup:
    """A peer as built for one run: the optimizer, what follows each update, how to evaluate.

    Attributes:
        optimizer: the peer's optimizer over the workload's parameters.
        scheduler: stepped after every update (``None``: no scheduler).
        averager: DoG's iterate averager, stepped after every update; its model is evaluated.
        config: what was built, as plain data (class, keyword arguments, schedule, evaluation).
    """

    optimizer: torch.optim.Optimizer
    scheduler: Any = None
    averager: Any = None
    config: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class LrFreeRun:
    """One full run of a peer: final metric, validation loss, divergence, cost and the loss history."""

    peer: str
    task: str
    seed: int
    budget: int
    metric_name: str
    metric: float
    val_loss: float
    diverged: bool
    steps: int
    cpu_s: float
    losses: tuple[float, ...]
    config: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {"losses": list(self.losses)}


def _cosine(opt: torch.optim.Optimizer, budget: int) -> torch.optim.lr_scheduler.LRScheduler:
    return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=budget)


def prodigy(params: Any, fam: OptimizerFamily, model: torch.nn.Module, budget: int) -> Setup:
    from prodigyopt import Prodigy

    decouple = fam.decoupled if fam.weight_decay else True  # no decay: keep Prodigy's default
    kw = {"lr": 1.0, "d_coef": 1.0, "weight_decay": fam.weight_decay, "decouple": decouple}
    opt = Prodigy(params, **kw)
    return Setup(opt, _cosine(opt, budget), config={"class": "prodigyopt.Prodigy", "kwargs": kw,
                                                    "schedule": f"CosineAnnealingLR(T_max={budget})"})


def dadapt(params: Any, fam: OptimizerFamily, model: torch.nn.Module, budget: int) -> Setup:
    from dadaptation import DAdaptAdam, DAdaptSGD

    if fam.kind == "sgd":
        cls, kw = DAdaptSGD, {"lr": 1.0, "momentum": fam.momentum, "weight_decay": fam.weight_decay}
    else:
        cls, kw = DAdaptAdam, {"lr": 1.0, "weight_decay": fam.weight_decay, "decouple": fam.decoupled}
    opt = cls(params, **kw)
    return Setup(opt, _cosine(opt, budget), config={"class": f"dadaptation.{cls.__name__}", "kwargs": kw,
                                                    "schedule": f"CosineAnnealingLR(T_max={budget})"})


def schedule_free(params: Any, fam: OptimizerFamily, model: torch.nn.Module, budget: int) -> Setup:
    from schedulefree import AdamWScheduleFree, SGDScheduleFree

    cls = SGDScheduleFree if fam.kind == "sgd" else AdamWScheduleFree
    kw = {"warmup_steps": math.ceil(SF_WARMUP_FRACTION * budget), "weight_decay": fam.weight_decay}
    opt = cls(params, **kw)
    bn = has_batchnorm(model)
    recalibrate = f" + BatchNorm recalibration on {SF_BN_BATCHES} train batches" if bn else ""
    config = {"class": f"schedulefree.{cls.__name__}", "kwargs": kw | {"lr": opt.defaults["lr"]},
              "schedule": None, "eval": "optimizer.eval()" + recalibrate}
    return Setup(opt, config=config)


def dog(params: Any, fam: OptimizerFamily, model: torch.nn.Module, budget: int) -> Setup:
    from dog import DoG, PolynomialDecayAverager

    kw = {"lr": 1.0, "weight_decay": fam.weight_decay,
          "reps_rel": DOG_REPS_REL_BATCHNORM if has_batchnorm(model) else DOG_REPS_REL}
    opt = DoG(params, **kw)
    return Setup(opt, averager=PolynomialDecayAverager(model),
                 config={"class": "dog.DoG", "kwargs": kw, "schedule": None,
                         "eval": "PolynomialDecayAverager(model) (gamma 8): the averaged model"})


def adam_cosine(params: Any, fam: OptimizerFamily, model: torch.nn.Module, budget: int) -> Setup:
    cls = torch.optim.AdamW if fam.decoupled else torch.optim.Adam
    kw = {"lr": BASELINE_LR, "weight_decay": fam.weight_decay}
    opt = cls(params, **kw)
    return Setup(opt, _cosine(opt, budget), config={"class": f"torch.optim.{cls.__name__}", "kwargs": kw,
                                                    "schedule": f"CosineAnnealingLR(T_max={budget})"})


#: Every peer: ``name -> (distribution it needs or None for torch alone, builder)``.
LRFREE_PEERS: dict[str, tuple[str | None, Callable[..., Setup]]] = {
    "prodigy": ("prodigyopt", prodigy),
    "d-adapt": ("dadaptation", dadapt),
    "schedule-free": ("schedulefree", schedule_free),
    "dog": ("dog-optimizer", dog),
    "adam-cosine": (None, adam_cosine),
}
_MODULES = {"prodigyopt": "prodigyopt", "dadaptation": "dadaptation", "schedulefree": "schedulefree",
            "dog-optimizer": "dog"}


def available_lrfree_peers() -> dict[str, str | None]:
    """``peer -> None`` when it can run here, else the reason it cannot (the missing package)."""
    out: dict[str, str | None] = {}
    for name, (dist, _) in LRFREE_PEERS.items():
        missing = dist is not None and importlib.util.find_spec(_MODULES[dist]) is None
        out[name] = f"{dist} is not installed ({PEERS_INSTALL})" if missing else None
    return out


def _evaluate(task: Any, setup: Setup, model: torch.nn.Module, train_loader: Any, val_loader: Any) -> dict:
    opt = setup.optimizer
    if hasattr(opt, "eval") and callable(opt.eval):  # Schedule-Free: evaluate at x, not y
        if has_batchnorm(model):
            model.train()
            opt.eval()
            with torch.no_grad():
                for x, _ in itertools.islice(train_loader, SF_BN_BATCHES):
                    model(x)
            model.eval()
        else:
            opt.eval()
    evaluated = setup.averager.averaged_model if setup.averager is not None else model
    return task.evaluate(evaluated, val_loader)


def run_lrfree(task: Any, peer: str, seed: int = 0, budget: int | None = None) -> LrFreeRun:
    """One full run of ``peer`` on ``task`` (a Task or a built-in name), configured as documented.

    Returns:
        An :class:`LrFreeRun`: the final metric (``task.info.metric``) and ``val_loss``, whether a
        non-finite training loss stopped it, the updates done, the CPU seconds of training and
        evaluation, the training loss of every update, and the configuration that was built.

    Raises:
        ValueError: for an unknown peer, one whose package is missing, or a budget below 1.
    """
    if peer not in LRFREE_PEERS:
        raise ValueError(f"`peer` must be one of {sorted(LRFREE_PEERS)}; got {peer!r}.")
    reason = available_lrfree_peers()[peer]
    if reason is not None:
        raise ValueError(f"peer {peer!r} cannot run: {reason}.")
    task = resolve_task(task)
    budget = int(task.info.budget if budget is None else budget)
    if budget < 1:
        raise ValueError(f"`budget` must be an integer >= 1; got {budget}.")
    dist, build = LRFREE_PEERS[peer]
    with one_thread():
        parts = task.build(seed)
        model, loss_fn = parts["model"], parts["loss_fn"]
        fam = OptimizerFamily.of(parts["optimizer"])
        losses: list[float] = []
        diverged, metrics = False, {}
        with quiet(), cpu_clock() as clock:
            setup = build(model.parameters(), fam, model, budget)  # some peers print on construction
            model.train()
            if hasattr(setup.optimizer, "train") and callable(setup.optimizer.train):
                setup.optimizer.train()
            batches = endless(parts["train_loader"])
            for _ in range(budget):
                x, y = next(batches)
                setup.optimizer.zero_grad(set_to_none=True)
                loss = loss_fn(model(x), y)
                if not torch.isfinite(loss):
                    diverged = True
                    break
                loss.backward()
                setup.optimizer.step()
                if setup.scheduler is not None:
                    setup.scheduler.step()
                if setup.averager is not None:
                    setup.averager.step()
                losses.append(float(loss.detach()))
            if not diverged:
                metrics = _evaluate(task, setup, model, parts["train_loader"], parts["val_loader"])
        config = setup.config | {"workload_optimizer": dataclasses.asdict(fam),
                                 "package": package_version(dist) if dist else package_version("torch")}
        info = task.info
        worst = task.worst()
        metric = float(metrics.get(info.metric, math.nan))
        if not math.isfinite(metric):
            diverged, metrics = True, worst
            metric = float(worst[info.metric])
        return LrFreeRun(peer=peer, task=info.name, seed=seed, budget=budget, metric_name=info.metric,
                         metric=metric, val_loss=float(metrics.get("val_loss", math.inf)), diverged=diverged,
                         steps=len(losses), cpu_s=clock.seconds, losses=tuple(losses), config=config)
