"""The record of a tuning study: best rate and schedule, trials, importances, versions."""

from __future__ import annotations

import dataclasses
import json
import platform
from typing import Any

from lrkit._json import json_safe
from lrkit.finder._next_step import round_rate

__all__ = ["TuneResult", "result_from_study", "trial_rows", "MIN_IMPORTANCE_TRIALS",
           "IMPORTANCES_NEED_SKLEARN"]

#: Completed trials before fANOVA's parameter importances are reported: its forest splits the
#: values by parameter, and on fewer points every split share is noise.
MIN_IMPORTANCE_TRIALS = 4

#: ``importance_note`` (and a note) when scikit-learn, which fANOVA's random forest needs, is missing.
IMPORTANCES_NEED_SKLEARN = ("importances skipped: Optuna's fANOVA needs scikit-learn, which is not installed "
                            "(pip install 'lrkit[tune]' installs it).")


@dataclasses.dataclass
class TuneResult:
    """What :func:`~lrkit.tuning.tune` found, as plain data.

    Attributes:
        best_lr: the peak rate of the best trial (``None`` if no trial completed), as it ran:
            rates are rounded to 4 significant digits when a trial builds its schedule.
        best_schedule: the best trial's schedule as an lrkit spec string.
        best_value: the best trial's value: the task's validation metric
            (``metric``), or the objective's return value.
        best_params: the best trial's sampled parameters.
        best_trial: its Optuna trial number.
        metric: the name of the value (``"val_acc"`` ...; ``"value"`` for objectives).
        direction: ``"maximize"`` or ``"minimize"``.
        study_name, storage: where the study lives (password masked).
        n_trials: the requested number of finished (complete + pruned) trials.
        n_complete, n_pruned, n_failed: trial counts by state in the study.
        trials: one row per trial: ``number, state, value, lr, schedule, steps,
            diverged, error`` (why a FAIL trial failed, else ``None``)``, duration_s, params``.
        importances: Optuna's parameter importances (fANOVA), or ``None`` when
            the study is too small or scikit-learn (fANOVA's forest) is not installed;
            ``importance_note`` says why.
        lr_range: the rate bounds searched; ``lr_source`` where they came from.
        finder: ``{"suggestion", "interval", "steps", "rule", "optimizer", "optimizer_class"}`` of the
            finder run (``optimizer``: the lrkit name of the optimizer it swept, or ``None``), or ``None``.
        space: the search space in its dict form.
        sampler, pruner, seed, sampler_seed, worker_id: how this worker sampled.
        compute_steps: training steps spent by all trials (the finder's excluded).
        versions: ``optuna``, ``lrkit``, ``python`` (and ``torch`` when loaded).
        notes: human-readable remarks (fallbacks, resumes).

    Example:
        >>> import tempfile
        >>> from lrkit.tuning import Storage, tune
        >>> r = tune(lambda p: (p["lr"] - 0.01) ** 2, n_trials=3, storage=Storage(out=tempfile.mkdtemp()),
        ...          space={"lr": [1e-3, 0.1], "schedules": ["constant"]}, pruner="none")
        >>> r.metric, r.direction, r.n_complete, list(r.to_dict())[:3]
        ('value', 'minimize', 3, ['best_lr', 'best_schedule', 'best_value'])
    """

    best_lr: float | None
    best_schedule: str | None
    best_value: float | None
    best_params: dict[str, Any]
    best_trial: int | None
    metric: str
    direction: str
    study_name: str
    storage: str
    n_trials: int
    n_complete: int
    n_pruned: int
    n_failed: int
    trials: list[dict[str, Any]]
    importances: dict[str, float] | None
    importance_note: str
    lr_range: tuple[float, float]
    lr_source: str
    finder: dict[str, Any] | None
    space: dict[str, Any]
    sampler: str
    pruner: str
    seed: int
    sampler_seed: int
    worker_id: int
    compute_steps: int
    versions: dict[str, str]
    notes: list[str] = dataclasses.field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain data with ``best_lr``, ``best_schedule``, ``best_value`` at the top."""
        return dataclasses.asdict(self)

    def to_json(self, indent: int | None = 2) -> str:
        """JSON text; non-finite numbers are written as ``null``."""
        return json.dumps(json_safe(self.to_dict()), indent=indent)

    @property
    def why_no_best(self) -> str | None:
        """Why no trial is the best, in one sentence (``None`` when one is): how many trials diverged, were
        pruned, failed or still run, and, when every finished trial diverged, to search below the lowest rate
        tried, in a new study (a study that ran its trials does not run them again). A trial that diverged
        at its first loss, before any update, is no rate's doing: it is named so, and its rate is not read
        as too high.

        Example:
            >>> import tempfile
            >>> from lrkit.tuning import Storage, tune
            >>> r = tune(lambda p: (p["lr"] - 0.01) ** 2, n_trials=2, storage=Storage(out=tempfile.mkdtemp()),
            ...          space={"lr": [1e-3, 0.1], "schedules": ["constant"]}, pruner="none")
            >>> r.why_no_best is None
            True
        """
        if self.best_trial is not None:
            return None
        if not self.trials:
            return f"no trial of study {self.study_name!r} has run."
        states = [t["state"] for t in self.trials]
        blown = [t for t in self.trials if t["diverged"] and t["state"] == "PRUNED"]
        diverged = len(blown)
        running = sum(state in ("RUNNING", "WAITING") for state in states)
        said = [f"{diverged} diverged (the loss became NaN or infinite)" if diverged else "",
                f"{self.n_pruned - diverged} pruned" if self.n_pruned > diverged else "",
                f"{self.n_failed} failed (the trial table says why)" if self.n_failed else "",
                f"{running} still running" if running else ""]
        line = f"no trial of study {self.study_name!r} completed: " + ", ".join(w for w in said if w)
        # A trial that stopped with 0 steps made no update: its first loss was NaN or infinite before
        # any rate was applied, so its rate says nothing (a lower one would fail the same way).
        first = sum(t.get("steps") == 0 for t in blown)
        rates = [t["lr"] for t in blown if t["lr"] is not None and t.get("steps") != 0]
        if first:
            line += (f"; {'every one' if first == diverged else first} at its first loss, before any update, "
                     "which no rate can cause: check the data (a NaN or infinite input or target), the loss "
                     "and the model's initialisation")
        if diverged and diverged == len(states) - running and rates:
            line += (f"; the lowest rate tried, {min(rates):.3g}, diverged too: search a range below it "
                     "(space lr) in a new study (a new --study name: a study keeps the space it was created "
                     "with, and one that ran its trials runs no more); a loss that turns NaN at any rate "
                     "points at the data, the loss or the model instead")
        return line + ("; the running trials may still complete." if running else ".")

    def report(self, path: Any = None) -> Any:
        """The HTML report (:func:`lrkit.tuning.tune_report`); written to ``path`` when given."""
        from lrkit.tuning._plots import tune_report

        return tune_report(self, path)


def trial_rows(study: Any) -> list[dict[str, Any]]:
    """One plain row per trial of ``study``, ordered by trial number."""
    rows = []
    for t in sorted(study.get_trials(deepcopy=False), key=lambda t: t.number):
        duration = t.duration.total_seconds() if t.duration is not None else None
        last = max(t.intermediate_values) if t.intermediate_values else None
        rows.append({
            "number": t.number,
            "state": t.state.name,
            "value": t.value,
            "last_intermediate": None if last is None else t.intermediate_values[last],
            "lr": None if t.params.get("lr") is None else round_rate(t.params["lr"]),  # the rate that ran
            "schedule": t.user_attrs.get("schedule_spec"),
            "steps": t.user_attrs.get("steps"),
            "diverged": bool(t.user_attrs.get("diverged", False)),
            "retry_of": t.system_attrs.get("failed_trial"),
            "error": t.user_attrs.get("error"),
            "duration_s": duration,
            "params": dict(t.params),
        })
    return rows


def _importances(study: Any, seed: int) -> tuple[dict[str, float] | None, str]:
    """Optuna's fANOVA importances, guarded: they need a few completed trials that vary."""
    import optuna
    from optuna.trial import TrialState

    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if len(complete) < MIN_IMPORTANCE_TRIALS:
        return None, (f"importances need at least {MIN_IMPORTANCE_TRIALS} completed trials; the study has "
                      f"{len(complete)}.")
    try:
        evaluator = optuna.importance.FanovaImportanceEvaluator(seed=seed)
        imp = optuna.importance.get_param_importances(study, evaluator=evaluator)
    except (ValueError, RuntimeError) as exc:  # e.g. a single parameter, or all values equal
        return None, f"importances unavailable: {exc}"
    except ImportError:  # fANOVA's forest is scikit-learn's: the trials and the best are still the answer
        return None, IMPORTANCES_NEED_SKLEARN
    return {k: float(v) for k, v in imp.items()}, "fANOVA over the parameters every completed trial shares."


def _versions() -> dict[str, str]:
    import sys

    import optuna

    import lrkit

    out = {"optuna": optuna.__version__, "lrkit": lrkit.__version__, "python": platform.python_version()}
    if "torch" in sys.modules:
        out["torch"] = sys.modules["torch"].__version__
    return out


def result_from_study(study: Any, *, n_trials: int, metric: str, storage: str, space: Any,
                      finder: dict[str, Any] | None, sampler: str, pruner: str, seed: int,
                      sampler_seed: int, worker_id: int, notes: list[str]) -> TuneResult:
    """Read a :class:`TuneResult` back from a study (works for any worker, any time)."""
    import optuna
    from optuna.trial import TrialState

    rows = trial_rows(study)
    complete = [r for r in rows if r["state"] == "COMPLETE"]
    # the best of this one snapshot, as optuna's best_trial picks it (the first best value in trial order):
    # reading study.best_trial again could name a trial another worker completed after the snapshot
    pick = max if study.direction == optuna.study.StudyDirection.MAXIMIZE else min
    best = pick(complete, key=lambda r: r["value"]) if complete else None
    importances, note = _importances(study, seed)
    counts = {s: sum(r["state"] == s.name for r in rows) for s in (TrialState.COMPLETE, TrialState.PRUNED,
                                                                       TrialState.FAIL)}
    return TuneResult(
        best_lr=None if best is None else (best["lr"] if best["lr"] is not None else round_rate(space.lr[0])),
        best_schedule=None if best is None else best["schedule"],
        best_value=None if best is None else best["value"],
        best_params={} if best is None else best["params"],
        best_trial=None if best is None else best["number"],
        metric=metric,
        direction=study.direction.name.lower(),
        study_name=study.study_name,
        storage=storage,
        n_trials=n_trials,
        n_complete=counts[TrialState.COMPLETE],
        n_pruned=counts[TrialState.PRUNED],
        n_failed=counts[TrialState.FAIL],
        trials=rows,
        importances=importances,
        importance_note=note,
        lr_range=tuple(space.lr),
        lr_source=space.lr_source,
        finder=finder,
        space=space.to_dict(),
        sampler=sampler,
        pruner=pruner,
        seed=seed,
        sampler_seed=sampler_seed,
        worker_id=worker_id,
        compute_steps=int(sum(r["steps"] or 0 for r in rows)),
        versions=_versions(),
        notes=[*notes, note] if note == IMPORTANCES_NEED_SKLEARN else list(notes),  # an install to fix
    )
