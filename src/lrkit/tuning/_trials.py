"""What ``tune`` does around each trial of a study: the surplus check, failures recorded and capped.

Optuna calls :meth:`TrialLoop.objective` for each trial and :meth:`TrialLoop.after` once it is
recorded. lrkit adds three things to that loop:

* **No surplus trials.** Before a trial trains it checks that fewer than ``n_trials`` live trials
  precede it; one that lost that race (two workers asked at the same instant) is marked FAIL with
  the user attribute ``surplus`` and never trains.
* **A failing trial is recorded, not fatal** (up to :data:`MAX_CONSECUTIVE_FAILURES` in a row): its
  cause goes into the trial (user attribute ``error``) and ``notes``; Optuna's own traceback of it
  is muted (:class:`QuietFailures`), so the cause is said once.
* **A result another worker took for dead is dropped**, since that worker re-queued its parameters.
* **An interrupted trial is queued again** (Ctrl-C: Optuna records it FAIL and the interrupt goes on to
  the caller): its parameters run on the next run of the study, as a killed worker's do
  (:func:`~lrkit.tuning._study.requeue`), so the finder's first trial is not lost to a Ctrl-C.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from lrkit.errors import LRKitError
from lrkit.tuning._study import enough, fail_stale, live_trials, mark_worker, requeue, taken_for_dead

__all__ = ["MAX_CONSECUTIVE_FAILURES", "QuietFailures", "TrialLoop", "interrupt_of", "quiet_optuna"]

#: A study stops after this many trials in a row fail (the objective raised, or returned
#: no usable value). A transient fault (out of memory at one large rate, a flaky file
#: system) fails a trial or two between good ones; a broken objective fails every trial,
#: and each failure costs a whole trial, so a few in a row is evidence enough. Without a
#: cap a study of such an objective starts new trials forever.
MAX_CONSECUTIVE_FAILURES = 3


class _Surplus(Exception):
    """A trial created after the study already had ``n_trials`` live trials."""


class _TrialFailed(Exception):
    """A trial whose objective raised (not an :class:`LRKitError`): recorded as FAIL, the study goes on."""


class QuietFailures(logging.Filter):
    """Drops Optuna's log records of the trials in ``numbers`` (its chained traceback of a trial
    whose objective raised, or was interrupted): tune records the cause and says it once.

    Example:
        >>> quiet = QuietFailures()
        >>> quiet.numbers.add(2)
        >>> [quiet.filter(logging.makeLogRecord({"msg": f"Trial {n} failed with ..."})) for n in (1, 2)]
        [True, False]
    """

    def __init__(self) -> None:
        super().__init__()
        self.numbers: set[int] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        words = str(record.msg).split(" ", 3)  # "Trial 2 failed with ..."
        return not (words[0] == "Trial" and words[1].isdigit() and int(words[1]) in self.numbers
                    and words[2:3] == ["failed"])


@contextmanager
def quiet_optuna() -> Iterator[QuietFailures]:
    """Optuna's logging at WARNING, and a :class:`QuietFailures` on its trial log, for the block."""
    import optuna

    previous = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(logging.WARNING)
    quiet, source = QuietFailures(), logging.getLogger("optuna.study._optimize")
    source.addFilter(quiet)
    try:
        yield quiet
    finally:
        source.removeFilter(quiet)
        optuna.logging.set_verbosity(previous)


def interrupt_of(exc: BaseException) -> KeyboardInterrupt | None:
    """The ``KeyboardInterrupt`` in ``exc``'s chain of causes and contexts, or ``None``.

    A Ctrl-C that lands in library code's ``try`` whose ``finally`` then fails (Optuna's ``_run_trial`` reads
    the state its interrupted tell never set) surfaces as that failure, the interrupt as its context: it is
    still the user's Ctrl-C, and is said as one.

    Example:
        >>> try:
        ...     try:
        ...         raise KeyboardInterrupt
        ...     finally:
        ...         raise UnboundLocalError("cannot access local variable 'updated_state'")
        ... except UnboundLocalError as e:
        ...     type(interrupt_of(e)).__name__, interrupt_of(ValueError("x"))
        ('KeyboardInterrupt', None)
    """
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        if isinstance(link, KeyboardInterrupt):
            return link
        seen.add(id(link))
        link = link.__cause__ or link.__context__
    return None


def _fail_reason(trial: Any) -> str:
    """Why Optuna failed a trial itself (e.g. the objective returned NaN), in one line."""
    reason = str(trial.system_attrs.get("fail_reason") or "the objective returned no usable value")
    return reason.splitlines()[0] if reason else reason


class TrialLoop:
    """Runs ``run_trial(trial)`` in ``study`` until it holds ``n_trials`` finished trials.

    Args:
        study: the loaded Optuna study.
        run_trial: trains one trial and returns its value (``Target.run`` bound to the space and seed).
        n_trials: finished trials the study should hold.
        notes: where what happened to the user's trials is said (appended to).
        quiet: the filter that mutes Optuna's traceback of a trial tune reports itself.
        on_trial: ``cb(frozen_trial, n_finished, n_trials)`` after each trial, or ``None``.
    """

    def __init__(self, study: Any, run_trial: Callable[[Any], float], *, n_trials: int, notes: list[str],
                 quiet: QuietFailures, on_trial: Callable[[Any, int, int], None] | None) -> None:
        self.study, self.run_trial, self.n_trials = study, run_trial, n_trials
        self.notes, self.quiet, self.on_trial = notes, quiet, on_trial
        self.failures: list[str] = []  # the causes of the current run of failed trials
        self.last_error: BaseException | None = None
        self.returned: int | None = None  # the number of the trial whose objective last returned a value
        self.interrupted: Any = None  # the trial a Ctrl-C stopped, queued again once Optuna has failed it
        self.current: Any = None  # the trial of the objective's last call (its result told after it returns)

    def objective(self, trial: Any) -> float:
        """Optuna's objective: the surplus check, then the trial, its failure recorded."""
        self.returned, self.current = None, trial
        try:
            return self._checked(trial)
        except KeyboardInterrupt:  # Ctrl-C: Optuna marks the trial failed (a re-run resumes); the caller
            # says so in one line, not Optuna's traceback, wherever it landed: in the user's training or
            # in the trial's own bookkeeping (mark_worker's database commit).
            self.quiet.numbers.add(trial.number)
            self.interrupted = trial
            raise

    def _checked(self, trial: Any) -> float:
        """The surplus check, then the trial, its failure recorded."""
        import optuna

        mark_worker(trial)  # a live worker's trial is never taken for a dead one
        ahead = sum(t.number < trial.number for t in live_trials(self.study))
        if ahead >= self.n_trials:
            trial.set_user_attr("surplus", True)
            self.study.stop()
            raise _Surplus(f"study already has {self.n_trials} live trials")
        try:
            value = self.run_trial(trial)
            self.returned = trial.number
            return value
        except (LRKitError, optuna.TrialPruned):
            raise  # a usage error is the same in every trial: stop at once
        except Exception as exc:  # the user's code failed in this trial: record it, go on (capped)
            cause = f"{type(exc).__name__}: {exc}"
            trial.set_user_attr("error", cause)
            self.quiet.numbers.add(trial.number)
            self.last_error = exc
            raise _TrialFailed(cause) from exc

    def after(self, study: Any, trial: Any) -> None:
        """Optuna's callback once a trial is recorded: count failures in a row, report, stop when done."""
        from optuna.trial import TrialState

        if trial.user_attrs.get("surplus"):
            return
        if trial.state == TrialState.FAIL:
            self.failures.append(trial.user_attrs.get("error") or _fail_reason(trial))
            self.notes.append(f"trial {trial.number} failed ({self.failures[-1]}); recorded as FAIL with its "
                              "cause, and the study went on.")
            if len(self.failures) >= MAX_CONSECUTIVE_FAILURES:
                study.stop()
        else:
            self.failures.clear()
        finished = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED))
        if self.on_trial is not None:
            self.on_trial(trial, len(finished), self.n_trials)
        if n_dead := fail_stale(study):  # a worker killed before its trial's first heartbeat, which Optuna's
            # check before each trial skips: counted live, it would stop this worker a trial short
            self.notes.append(f"re-queued {n_dead} trial(s) left running by a killed process.")
        if enough(study, self.n_trials):
            study.stop()

    def _requeue_interrupted(self) -> None:
        """Queue again the trial a Ctrl-C stopped: one Optuna failed after its objective was interrupted,
        or one whose result the interrupt kept from the storage (still RUNNING). A trial whose result was
        stored stays as it is; an interrupt between trials leaves none to queue."""
        from optuna.trial import TrialState

        for trial in (self.interrupted, self.current):
            if trial is None:
                continue
            stored = self.study._storage.get_trial(trial._trial_id)
            if trial is self.interrupted or stored.state == TrialState.RUNNING:
                requeue(self.study, [stored])
                return

    def run(self, timeout: float | None) -> None:
        """Optimize until the study has its trials, ``timeout`` seconds pass, or too many fail in a row.

        Raises:
            LRKitError: a usage error from a trial, or :data:`MAX_CONSECUTIVE_FAILURES` failed trials
                in a row (the message names the last cause; the failed trials stay in the study).
        """
        study, started = self.study, time.monotonic()
        while not enough(study, self.n_trials):
            left = None if timeout is None else timeout - (time.monotonic() - started)
            if left is not None and left <= 0:
                break
            try:
                study.optimize(self.objective, n_trials=None, timeout=left, callbacks=[self.after],
                               catch=(_Surplus, _TrialFailed), gc_after_trial=False)
                break
            except KeyboardInterrupt:
                self._requeue_interrupted()
                raise
            except Exception as exc:
                if (interrupt := interrupt_of(exc)) is not None:  # Ctrl-C inside Optuna's tell: its `finally`
                    # then reads a state the tell never set (UnboundLocalError), the interrupt as its context
                    self._requeue_interrupted()
                    raise interrupt from None
                # Optuna cannot record a result for a trial another worker has failed meanwhile (it
                # raises from its own bookkeeping); that trial's parameters are re-queued there, so
                # this result is dropped and this worker goes on. Anything else propagates.
                if (isinstance(exc, LRKitError) or self.returned is None
                        or not taken_for_dead(study, self.returned)):
                    raise
                self.notes.append(f"trial {self.returned} was taken for dead by another worker (no "
                                  "heartbeat within the grace period: this process was stalled); its result "
                                  "was dropped and its parameters re-queued.")
        if len(self.failures) >= MAX_CONSECUTIVE_FAILURES:
            raise LRKitError(f"tune stopped: {len(self.failures)} trials in a row failed (the study keeps "
                             f"them; fix the cause and re-run to resume); the last: {self.failures[-1]}"
                             ) from self.last_error
