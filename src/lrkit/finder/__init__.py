"""The learning-rate range test, framework-neutral: ``range_test(step_fn) -> FinderResult``.

``step_fn(lr) -> loss`` does one real optimizer update at ``lr``; the sweep is
an lrkit schedule (``exp_sweep``/``linear_sweep``); raw losses are kept and
smoothed afterwards without lag; the suggestion rules are pure functions of
``(lrs, losses)``; the default rule's suggestion comes with a bootstrap
interval. Every tuned number is a field of :class:`FinderPolicy`, passed as
``policy=``. Only NumPy is needed: ``lrkit.torch.find_lr`` builds ``step_fn``
for a torch model and restores its state.

Example:
    >>> from lrkit.finder import Sweep, range_test, synthetic
    >>> problem = synthetic.quadratic(lipschitz=4.0)
    >>> result = range_test(problem.step, sweep=Sweep(start=1e-5, end=10.0, num_steps=80), interval=False)
    >>> 0.05 < result.suggestion < problem.stability_limit
    True
"""

from lrkit.finder import synthetic
from lrkit.finder._advice import Advice, advise
from lrkit.finder._confidence import (CONFIDENCE_KINDS, CONFIDENCE_PROMISE, CONFIDENCE_WORDS, DENSITY_WORDS,
                                     LOOSE_SPREAD, confidence, confidence_features, density_words,
                                     sparse_grid)
from lrkit.finder._next_step import next_schedule
from lrkit.finder._combine import combine
from lrkit.finder._interval import bootstrap_interval, interval_covers, seed_widened
from lrkit.finder._result import STOP_REASONS, FinderResult
from lrkit.finder._default import falling_half_depth, half_depth, handed_to_weak_rule
from lrkit.finder._valley import VALLEY_RULES, Valley, valley_geometry
from lrkit.finder._peers import minimum_over_10, steepest, valley
from lrkit.finder._rules import rules, suggest
from lrkit.finder._suggestion import MIN_POINTS, Suggestion
from lrkit.finder._smooth import noise_scale, smooth
from lrkit.finder._policy import FinderPolicy
from lrkit.finder._stop import DivergenceMonitor, divergence_index
from lrkit.finder._density import CALIBRATED_DENSITY, density_factor, progress_factor
from lrkit.finder._density_words import words_between
from lrkit.finder._retry import (GUESS_SOURCE, SOURCES, blow_up_rate, descent, second_sweep, settle, signal,
                                 start_level)
from lrkit.finder._sweep import (MIN_STEPS, SWEEP_BYTES_PER_STEP, Sweep, check_sweep, range_test,
                                sweep_schedule)

__all__ = [
    "range_test",
    "Sweep",
    "FinderPolicy",
    "advise",
    "Advice",
    "confidence",
    "confidence_features",
    "sparse_grid",
    "CONFIDENCE_WORDS",
    "DENSITY_WORDS",
    "LOOSE_SPREAD",
    "density_words",
    "words_between",
    "CONFIDENCE_KINDS",
    "CONFIDENCE_PROMISE",
    "next_schedule",
    "FinderResult",
    "Suggestion",
    "suggest",
    "rules",
    "smooth",
    "noise_scale",
    "bootstrap_interval",
    "seed_widened",
    "interval_covers",
    "combine",
    "second_sweep",
    "settle",
    "density_factor",
    "progress_factor",
    "CALIBRATED_DENSITY",
    "signal",
    "descent",
    "start_level",
    "blow_up_rate",
    "DivergenceMonitor",
    "divergence_index",
    "sweep_schedule",
    "check_sweep",
    "falling_half_depth",
    "half_depth",
    "handed_to_weak_rule",
    "valley_geometry",
    "Valley",
    "steepest",
    "valley",
    "minimum_over_10",
    "synthetic",
    "STOP_REASONS",
    "SOURCES",
    "GUESS_SOURCE",
    "MIN_POINTS",
    "MIN_STEPS",
    "SWEEP_BYTES_PER_STEP",
    "VALLEY_RULES",
]
