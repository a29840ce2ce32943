"""The labelled corpus of loss histories that ``diagnose_accuracy.py`` scores ``lrkit.diagnose`` on.

Every history is produced at a *setting* whose label is known before any detector runs (the table
is in ``diagnose_accuracy.py``'s docstring): the built-in tasks (``lrkit.tasks``), a noisy quadratic
trained by SGD (``lrkit.diagnostics.synthetic``), the workloads new to the corpus in held-out v4-v7
(``lrkit.tasks.from_arrays`` on scikit-learn data, their default rate measured on a grid) and the
six sequence models of held-out v8 (``dev/seq_dev.py``). The splits are fixed by seed
(``SEED_SPLITS``). Cached in ``benchmarks/results/diagnose_corpus.npz`` (:func:`build_corpus`,
:func:`save`, :func:`load`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

from dev import seq_dev  # noqa: F401  (the v8 workloads' module, read by seq_histories)
from dev.seq_histories import V8_SETTINGS, seq_history
from dev.settings import setting_plan

from lrkit.diagnostics.synthetic import Quadratic, sgd_history

CACHE = Path(__file__).resolve().parents[1] / "results" / "diagnose_corpus.npz"
#: The measured default rates of the workloads new in held-out v4 (a grid, see ``_measure_default``).
NEW_DEFAULTS = Path(__file__).resolve().parents[1] / "results" / "diagnose_new_workloads.json"
SEEDS = range(36)
#: Seeds added after the early-blow-up rule (the second threshold revision): never looked at before it.
FRESH_SEEDS = range(8, 12)
#: Seeds added before the third revision (the flat-noisy-tail test of ``too_low_slow``): generated
#: first, then left unscored until that revision was final, and scored once.
NEW_SEEDS = range(12, 16)
#: Held-out v4 (session 2): generated and frozen before the fourth revision, scored once after it.
V4_SEEDS = range(16, 20)
#: Held-out v5 (session 2): generated and frozen after v4 was scored, before v4's errors were studied
#: (no revision came of it), scored once; it adds a fourth new workload (``V5_TASKS``).
V5_SEEDS = range(20, 24)
#: Held-out v6 (session 2): generated and frozen before the fifth revision (spike by return), left
#: unscored while it was made (``--without-v6``), scored once; it adds a fifth new workload (``V6_TASKS``).
V6_SEEDS = range(24, 28)
#: Held-out v7 (session 3): generated and frozen before v4-v6's errors were studied again (late learning of
#: a good rate vs. a too-low one), left unscored during that study (``--without-v7``), scored once; it adds
#: two more new workloads (``V7_TASKS``).
V7_SEEDS = range(28, 32)
#: Held-out v8: generated and committed before it was scored, then scored once with the
#: unchanged fifth revision; it adds a family the detector never saw, six character LMs (``V8_TASKS``).
V8_SEEDS = range(32, 36)
HELD_OUT_TASKS = {"digits-cnn"}
ACCEPT = {
    "healthy": {"healthy"},
    # A good *constant* rate may reach its SGD noise floor within the budget; "plateau" (advice:
    # decay) is then a correct reading too. Reported separately as the strict figure.
    "healthy (constant rate)": {"healthy", "plateau"},
    "too_high": {"too_high_diverging", "too_high_oscillating"},
    "nan": {"nan"},
    "too_low": {"too_low_slow"},
    "spikes": {"loss_spikes"},
    "plateau": {"plateau"},
}
QUAD_SETTINGS = ("good", "good+schedule", "too_high", "too_low", "spikes", "plateau")
# (task, settings); plateau only where theory guarantees a noise floor (SGD on a least-squares problem).
TASKS = {
    "digits-mlp": ("good", "good+schedule", "too_high", "too_low", "spikes"),
    "digits-cnn": ("good", "good+schedule", "too_high", "too_low", "spikes"),
    "diabetes-linear": ("good", "good+schedule", "too_high", "too_low", "spikes", "plateau"),
    "wine-logreg": ("good", "good+schedule", "too_high", "too_low", "spikes"),
}
# Workloads never in the corpus before held-out v4: sklearn data through ``lrkit.tasks.from_arrays``.
# Their "good" rate is measured, as the built-in tasks' defaults were: the best mean final validation
# loss over a half-decade grid (1e-4 .. 10), seeds 0 and 1, at the workload's budget, constant rate.
# Plateau again only where theory guarantees an SGD noise floor (least squares with label noise).
NEW_TASKS = {
    "cancer-logreg": ("good", "good+schedule", "too_high", "too_low", "spikes"),
    "regression-linear": ("good", "good+schedule", "too_high", "too_low", "spikes", "plateau"),
    "blobs-mlp": ("good", "good+schedule", "too_high", "too_low", "spikes"),
}
# New in held-out v5 only: a nonlinear regression MLP trained by SGD with momentum.
V5_TASKS = {"friedman-mlp": ("good", "good+schedule", "too_high", "too_low", "spikes")}
# New in held-out v6 only: a 4-class MLP on make_classification data trained by SGD with momentum.
V6_TASKS = {"classify-mlp-sgd": ("good", "good+schedule", "too_high", "too_low", "spikes")}
# New in held-out v7 only: digits through a small MLP trained by Adam, and two moons through a tanh MLP
# trained by plain gradient descent (no momentum).
V7_TASKS = {"digits-adam-mlp": ("good", "good+schedule", "too_high", "too_low", "spikes"),
            "moons-mlp-gd": ("good", "good+schedule", "too_high", "too_low", "spikes")}
ALL_NEW = {**NEW_TASKS, **V5_TASKS, **V6_TASKS, **V7_TASKS}
# New in held-out v8 only: the sequence models of ``seq_dev.py`` (GRU, transformer and NPLM character LMs,
# two optimizers each), their histories made by ``dev.seq_histories.seq_history``. Not in ``ALL_NEW``: their
# good rate is the grid-best of ``no_tuning.py --dev``'s cached grid, not measured by ``_measure_default``.
V8_TASKS = {f"seq-{n}-{o}": V8_SETTINGS for n, o in seq_dev.WORKLOADS}
#: The held-out splits made of whole seeds, newest first, with the workloads new to the corpus each
#: one holds (all that existed when it was generated) and, for v6-v8, the ones it introduced.
SEED_SPLITS: tuple[tuple[str, range], ...] = (
    ("held-out v8", V8_SEEDS), ("held-out v7", V7_SEEDS), ("held-out v6", V6_SEEDS),
    ("held-out v5", V5_SEEDS), ("held-out v4", V4_SEEDS), ("held-out v3", NEW_SEEDS),
    ("fresh held-out", FRESH_SEEDS))
SPLIT_NEW_TASKS = {"held-out v4": NEW_TASKS, "held-out v5": {**NEW_TASKS, **V5_TASKS},
                   "held-out v6": {**NEW_TASKS, **V5_TASKS, **V6_TASKS}, "held-out v7": ALL_NEW,
                   "held-out v8": {**ALL_NEW, **V8_TASKS}}
SPLIT_FIRST_SEEN = {"held-out v6": (V6_TASKS, "classify-mlp-sgd (new in v6)"),
                    "held-out v7": (V7_TASKS, "digits-adam-mlp and moons-mlp-gd (new in v7)"),
                    "held-out v8": (V8_TASKS, "the six sequence models (new in v8)")}
GRID = tuple(float(10.0**e) for e in np.arange(-4.0, 1.01, 0.5))


def new_task(name: str, lr: float = 1e-3):
    """The v4 workloads: logistic regression (breast cancer), a noisy linear regression, an MLP."""
    from sklearn import datasets

    from lrkit.tasks import from_arrays

    if name == "cancer-logreg":
        x, y = datasets.load_breast_cancer(return_X_y=True)
        return from_arrays(x, y, model=lambda: torch.nn.Linear(30, 2), optimizer="sgd-plain", lr=lr,
                           batch_size=32, budget=300, name=name)
    if name == "regression-linear":  # raw (unstandardized) targets: a loss in the thousands
        x, y = datasets.make_regression(800, 20, n_informative=10, noise=30.0, random_state=3)
        return from_arrays(x, y, model=lambda: torch.nn.Linear(20, 1), task_type="regression",
                           optimizer="sgd-plain", lr=lr, batch_size=32, budget=300, name=name)
    if name == "friedman-mlp":
        x, y = datasets.make_friedman1(1000, 10, noise=1.0, random_state=11)
        return from_arrays(x, y, model=lambda: torch.nn.Sequential(torch.nn.Linear(10, 64), torch.nn.Tanh(),
                                                                    torch.nn.Linear(64, 1)),
                           task_type="regression", optimizer="sgd", lr=lr, batch_size=32, budget=400,
                           name=name)
    if name == "classify-mlp-sgd":
        x, y = datasets.make_classification(1200, 16, n_informative=6, n_classes=4, flip_y=0.05,
                                            random_state=17)
        return from_arrays(x, y, model=lambda: torch.nn.Sequential(torch.nn.Linear(16, 48), torch.nn.ReLU(),
                                                                    torch.nn.Linear(48, 4)),
                           optimizer="sgd", lr=lr, batch_size=32, budget=400, name=name)
    if name == "digits-adam-mlp":
        x, y = datasets.load_digits(return_X_y=True)
        return from_arrays(x, y, model=lambda: torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(),
                                                                    torch.nn.Linear(32, 10)),
                           optimizer="adam", lr=lr, batch_size=32, budget=300, name=name)
    if name == "moons-mlp-gd":
        x, y = datasets.make_moons(1000, noise=0.3, random_state=23)
        return from_arrays(x, y, model=lambda: torch.nn.Sequential(torch.nn.Linear(2, 32), torch.nn.Tanh(),
                                                                    torch.nn.Linear(32, 32), torch.nn.Tanh(),
                                                                    torch.nn.Linear(32, 2)),
                           optimizer="sgd-plain", lr=lr, batch_size=32, budget=400, name=name)
    x, y = datasets.make_classification(1000, 20, n_informative=8, n_classes=3, random_state=5)
    return from_arrays(x, y, model=lambda: torch.nn.Sequential(torch.nn.Linear(20, 64), torch.nn.ReLU(),
                                                                torch.nn.Linear(64, 3)),
                       optimizer="adam", lr=lr, batch_size=64, budget=400, name=name)


def _measure_default(name: str) -> dict:
    """Grid-best constant rate of a new workload (mean final validation loss over seeds 0 and 1)."""
    from lrkit.tasks import train

    torch.set_num_threads(1)
    key = "val_mse" if name in ("regression-linear", "friedman-mlp") else "val_loss"
    task = new_task(name)
    means = {}
    for lr in GRID:
        vals = [train(task, lr=lr, seed=s).final[key] for s in (0, 1)]
        means[lr] = float(np.mean(vals)) if np.all(np.isfinite(vals)) else float("inf")
    best = min(means, key=means.get)
    return {"default_lr": best, "metric": key, "grid": {f"{k:.4g}": v for k, v in means.items()}}


def new_defaults() -> dict[str, dict]:
    have = json.loads(NEW_DEFAULTS.read_text()) if NEW_DEFAULTS.exists() else {}
    for name in ALL_NEW:
        if name not in have:
            have[name] = _measure_default(name)
            print(f"{name}: default rate {have[name]['default_lr']:.3g}", file=sys.stderr)
            NEW_DEFAULTS.write_text(json.dumps(have, indent=1))
    return have


def setting_label(setting: str, losses: np.ndarray) -> str:
    base = {"good": "healthy (constant rate)", "good+schedule": "healthy", "too_high": "too_high",
            "too_low": "too_low", "spikes": "spikes", "plateau": "plateau"}[setting]
    # A fact of the data, not of the detector: a history holding NaN/inf must be called `nan`.
    return "nan" if not np.all(np.isfinite(losses)) else base


def _task_history(name: str, setting: str, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    from lrkit.tasks import get_task, train

    if name in V8_TASKS:  # a sequence model: its own training loop and good rate (``dev.seq_histories``)
        return seq_history(name, setting, seed)
    torch.set_num_threads(1)
    new = name in ALL_NEW
    task = new_task(name, new_defaults()[name]["default_lr"]) if new else get_task(name)
    opt = task.info.default_optimizer
    lr, schedule, budget, bad = setting_plan(setting, task.info.default_lr, task.info.budget, seed)
    target = task if new else name
    if bad:

        def target(s: int, _bad=bad) -> dict:  # the task with three corrupted batches
            parts = task.build(s, optimizer=opt, lr=lr)
            classes = task.n_classes if getattr(task, "task_type", "") == "classification" else 0
            parts["train_loader"] = _Corrupt(parts["train_loader"], _bad, classes)
            return parts

    r = train(target, lr=lr, schedule=schedule, optimizer=opt, budget=budget, seed=seed)
    losses = np.array([h["train_loss"] for h in r.history])
    lrs = np.array([h["lr"] for h in r.history])
    return losses, lrs, float(r.metric)


class _Corrupt:
    """Wrap a loader: batches number ``bad`` (counted over all epochs) get wrong targets.

    Classification: every label shifted to another class; regression: targets x 30
    (a unit error). Either makes that batch's loss jump far above the run's level,
    and its gradient kicks the weights, as a corrupted batch does in practice.
    """

    def __init__(self, loader, bad: set[int], classes: int) -> None:
        self.loader, self.bad, self.count, self.classes = loader, bad, 0, classes

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self):
        for x, y in self.loader:
            if self.count in self.bad:
                if self.classes:
                    y = (y + torch.randint(1, self.classes, y.shape)) % self.classes
                else:
                    y = y * 30.0
            self.count += 1
            yield x, y


def _quadratic_history(setting: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng([2000 + seed, QUAD_SETTINGS.index(setting)])
    p = Quadratic.random(rng, kappa=float(10 ** rng.uniform(1, 2)))
    kappa = 1.0 / float(p.lam.min())
    eta = rng.uniform(0.3, 1.0)
    n = int(rng.integers(300, 1000))
    spikes: tuple[int, ...] = ()
    if setting == "too_high":  # half beyond 2/L (diverges), half just below it (large noisy swings)
        eta = 2 * (rng.uniform(1.02, 1.3) if seed % 2 else rng.uniform(0.95, 0.99))
    elif setting == "too_low":
        eta = 2 * 10 ** rng.uniform(-3.3, -2.3)
    elif setting == "good":
        n = int(kappa / eta * rng.uniform(1, 3))
    elif setting == "plateau":
        n = int(kappa / eta * rng.uniform(8, 15))
    elif setting == "spikes":
        n = int(kappa / eta * rng.uniform(3, 6))
        spikes = tuple(int(k) for k in rng.choice(np.arange(n // 5, n), size=3, replace=False))
    lrs = np.full(n, eta)
    if setting == "good+schedule":
        n = int(kappa / eta * rng.uniform(3, 6))
        lrs = eta * 0.5 * (1 + np.cos(np.pi * np.arange(n) / n))
    # A random unit and offset per history: the detector must not depend on either.
    scale, shift = 10 ** rng.uniform(-3, 3), rng.uniform(-5, 5)
    return sgd_history(p, lrs, rng, spikes=spikes) * scale + shift, lrs


def build_corpus(existing: list[dict] | None = None) -> list[dict]:
    corpus = list(existing or [])
    have = {c["seed"] for c in corpus}
    for seed in SEEDS:
        if seed in have:
            continue
        tasks = {**TASKS, **SPLIT_NEW_TASKS.get(_seed_split(seed), {})}
        for name, settings in tasks.items():
            for setting in settings:
                losses, lrs, metric = _task_history(name, setting, seed)
                corpus.append(dict(source=name, setting=setting, seed=seed, losses=losses, lrs=lrs,
                                   metric=metric))
        for setting in QUAD_SETTINGS:
            losses, lrs = _quadratic_history(setting, seed)
            corpus.append(dict(source="quadratic", setting=setting, seed=seed, losses=losses, lrs=lrs,
                               metric=float("nan")))
        print(f"seed {seed}: {len(corpus)} histories", file=sys.stderr)
    return corpus


def save(corpus: list[dict]) -> None:
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    lengths = np.array([len(c["losses"]) for c in corpus])
    meta = [{k: c[k] for k in ("source", "setting", "seed", "metric")} for c in corpus]
    np.savez_compressed(CACHE, losses=np.concatenate([c["losses"] for c in corpus]),
                        lrs=np.concatenate([c["lrs"] for c in corpus]), lengths=lengths,
                        meta=json.dumps(meta))


def load() -> list[dict]:
    """The cached corpus: one dict per history (its setting, seed, metric, losses and rates)."""
    data = np.load(CACHE)
    meta = json.loads(str(data["meta"]))
    bounds = np.concatenate([[0], np.cumsum(data["lengths"])])
    # Each data[...] decompresses the whole array again: read each once (slicing a fresh copy per
    # history kept 1632 x 2 full arrays alive through the views, 18 GB).
    losses, lrs = data["losses"], data["lrs"]
    return [dict(m, losses=losses[a:b], lrs=lrs[a:b]) for m, a, b in zip(meta, bounds[:-1], bounds[1:])]


def split(c: dict) -> str:
    """``design`` (thresholds set on it), ``held-out v1`` (scored once with the first thresholds,
    then looked at), ``fresh held-out`` (built after the second revision, then looked at), or
    ``held-out v3`` (built before the third revision, scored only after it), or ``held-out v4``
    (built and frozen before the fourth revision, with three new workloads, scored once after it), or
    ``held-out v5`` (built after v4 was scored, with a fourth new workload; scored once), ``held-out v6``
    (built before the fifth revision, with a fifth new workload; scored once after it), or ``held-out v7``
    (built before v4-v6 were studied again, with two more new workloads; scored once), or ``held-out v8``
    (built and committed before it was scored, with six sequence models; scored once)."""
    by_seed = _seed_split(c["seed"])
    if by_seed is not None:
        return by_seed
    return "held-out v1" if c["source"] in HELD_OUT_TASKS or c["seed"] % 2 == 1 else "design"


def _seed_split(seed: int) -> str | None:
    """The split of :data:`SEED_SPLITS` that holds ``seed`` (``None``: design or held-out v1)."""
    return next((name for name, seeds in SEED_SPLITS if seed in seeds), None)


def held_out(c: dict) -> bool:
    return split(c) != "design"
