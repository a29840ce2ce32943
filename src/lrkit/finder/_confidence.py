"""How sure a range test's answer is, in one word, and the measurements the word is read from.

Every answer falls in one *kind of reading*, decided by what the sweep measured:

============  =====================================================================================
kind          what the sweep showed
============  =====================================================================================
``guess``     no descent in either pass: the rate is a stated guess below the blow-up
``short``     the sweep stopped below :data:`CALIBRATED_END` without blowing up: outside the calibration
``coarse``    the sweep's rates lie more than a factor :data:`LOOSE_SPREAD` apart: outside the calibration
``rough``     a drop under ``FinderPolicy.weak_sigmas`` noise SDs: the curve is mostly noise
``sparse``    a clear drop, but the sweep's rates lie further apart than the smoother's window resolves
              (:func:`sparse_grid`): outside the calibration, at most ``medium``
``weak``      a drop under ``weak_rule_sigmas``, read by the ``weak_rule`` (``minimum/10``)
``loose``     a clear drop, but the sweep's own noise moves the suggestion by more than
              :data:`LOOSE_SPREAD` (the bootstrap interval's ``hi / lo``), or the descent floor raised
              the rules' reading by more than that factor (:func:`raise_factor`)
``tight``     a clear drop and an interval within :data:`TIGHT_SPREAD`
``fair``      the rest: a clear drop, an interval between the two
``none``      no suggestion: no reading to be sure of, outside :data:`CONFIDENCE_KINDS` (its word is
              ``none``, as :func:`~lrkit.finder.advise`'s)
============  =====================================================================================

The word each kind gets (:data:`CONFIDENCE_WORDS`) is a promise measured on the workload zoo with
each family held out (:data:`CONFIDENCE_PROMISE`). An answer *keeps* when a full run at the
suggested constant rate loses at most ``keep_gap`` percent of the gain the best constant rate makes
over not training. ``high``: at least a share ``high`` of a kind's answers kept (averaged over
families); ``medium``: at least ``medium``; ``low``: fewer, or a stated guess. A kind never gets a
higher word than a clearer kind, and a reading whose own noise spans more than :data:`LOOSE_SPREAD` is at most
``medium``, as is a ``sparse`` one: its rates lie so far apart that the smoother widened its
``smooth_window`` to reach its neighbours, so the grid, not the window, set the smoothing the rules read,
and the sweep trained the model by fewer updates per decade than the default one: its answer, moved to
the default's density (:func:`~lrkit.finder.density_factor`), still moves with ``num_steps`` more than its
own noise shows. The calibration's sweeps all ran
to :data:`CALIBRATED_END` (``Sweep``'s default ``end``) or blew up before it; a sweep that stopped lower
without blowing up (a lowered ``end``, a callback) never saw
where the loss blows up, which the rules read (the anchor takes its last rate, a lower bound), so its
answer moves up with ``end``: a ``short`` reading, ``low`` by design, its words saying so. So is a
``coarse`` one, whose sweep's rates lie further apart than the most a loose reading's noise may move it
(:data:`LOOSE_SPREAD`): the grid alone leaves the answer a step off, and no sweep the words were measured
on was that sparse. What the
signal and the interval measure is how repeatable *this sweep's* reading is;
the zoo shows that a weak drop (under ``weak_rule_sigmas``) and a loose interval also miss the best
rate more often on a new workload than a clear, tight reading (about 1 in 5 against under 1 in 10),
and a rough drop was seen on too few workloads, keeping unevenly across sweep lengths, to promise
more than a starting point. The evidence: ``docs/evidence.md#finder-confidence`` and
``BENCHMARKS.md#finder_confidence``.

How often a kind of reading keeps depends on the sweep's density too (a sweep makes one update per rate,
so its density moves where it reads the descent): :data:`CONFIDENCE_WORDS` are the default sweep's words
(:data:`CALIBRATED_STEPS` rates per decade), and each measured density has its own, calibrated the same way
(:data:`DENSITY_WORDS`). A sweep between two measured densities gets the lower of their two words per kind;
one denser or sparser than every measured sweep is ``low``, its words saying so (:func:`density_words`;
``docs/evidence.md#finder-confidence-at-every-density``, ``BENCHMARKS.md#finder_confidence_density``).

Example:
    >>> from lrkit.finder import Sweep, range_test, synthetic
    >>> r = range_test(synthetic.quadratic(lipschitz=4.0).step, sweep=Sweep(start=1e-5, end=10, num_steps=80))
    >>> f = confidence_features(r)
    >>> f["kind"], f["signal"] > 100, confidence(r)[0]
    ('tight', True, 'high')
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lrkit.finder._anchor import blow_up_index
from lrkit.finder._density import CALIBRATED_DENSITY, recorded_density
from lrkit.finder._density_words import _LEVEL, neighbours, words_between
from lrkit.finder._valley import valley_geometry
from lrkit.finder._no_answer import no_answer
from lrkit.finder._policy import FinderPolicy
from lrkit.finder._result import GUESS_SOURCE
from lrkit.finder._retry import guess_divisor
from lrkit.finder._smooth import bandwidths
from lrkit.finder._sweep import Sweep, sweep_schedule

__all__ = ["CALIBRATED_END", "CALIBRATED_STEPS", "CONFIDENCE_KINDS", "CONFIDENCE_PROMISE", "CONFIDENCE_WORDS",
           "DENSITY_WORDS", "LOOSE_SPREAD", "TIGHT_SPREAD", "coarse_grid", "coarse_steps", "confidence",
           "confidence_features", "density_steps", "density_words", "short_of_blow_up", "sparse_grid"]

#: The kinds of reading, from the clearest down (a kind's word is never above a clearer kind's).
CONFIDENCE_KINDS = ("tight", "fair", "loose", "sparse", "weak", "rough", "guess", "short", "coarse")
#: What the words promise (their definitions, not tuned): an answer *keeps* when it loses at most
#: ``keep_gap`` percent of the best rate's gain over not training (a tenth); ``high`` when at least a
#: share ``high`` of a kind's answers kept on the zoo (family mean, about 9 in 10), ``medium`` at least
#: ``medium`` (about 3 in 4).
CONFIDENCE_PROMISE: dict[str, float] = {"keep_gap": 10.0, "high": 0.85, "medium": 0.75}
#: The word each kind of reading gets, calibrated on the zoo's 12 families (held out by family, the
#: calibration kept its promise on 0.95 / 0.83 of held-out answers for high / medium, family means, and
#: gave every kind its word here in 12 of 12 folds; ``rough`` is ``low`` by design, its record resting on
#: 4 families and keeping less at 50 and 200 steps; ``BENCHMARKS.md#finder_confidence``,
#: ``docs/evidence.md#finder-confidence``). ``sparse``: at most ``medium`` by design (its answer moves with
#: ``num_steps`` more than its noise shows); on the zoo's 50-step sweeps, held out by family, it kept on 0.85
#: of held-out answers (``BENCHMARKS.md#finder_num_steps``).
CONFIDENCE_WORDS: dict[str, str] = {"tight": "high", "fair": "high", "loose": "medium", "sparse": "medium",
                                    "weak": "medium", "rough": "low", "guess": "low", "short": "low",
                                    "coarse": "low"}
#: The word each kind of reading gets at each measured sweep density, named by the ``num_steps`` of a sweep
#: over the default range that dense (100: :data:`CONFIDENCE_WORDS`), each calibrated on that density's zoo
#: answers as those were (a kind that cannot occur there, a clear reading where every clear reading is
#: ``sparse`` or ``sparse`` where none is, takes the next kind's word down), less any word whose share kept,
#: held out by family, missed its promise at that density (its kinds take the next word down); answers
#: without a suggestion (word ``none``) are no kind's. A fair reading kept 0.70 / 0.83 / 0.76 at 150 / 200 /
#: 400 steps (``medium`` withdrawn at 150 and 400: 0.24 and 0.54 held out), a loose or weak one 0.62-0.67 at
#: 200, a sparse or weak one 0.69 at 25 (``medium`` withdrawn there: 0.66 held out). Between two
#: densities a kind gets the lower word, outside them none (:func:`density_words`;
#: ``BENCHMARKS.md#finder_confidence_density``, ``docs/evidence.md#finder-confidence-at-every-density``).
DENSITY_WORDS: dict[int, dict[str, str]] = {
    25: {"tight": "low", "fair": "low", "loose": "low", "sparse": "low", "weak": "low",
         "rough": "low", "guess": "low", "short": "low", "coarse": "low"},
    50: {"tight": "medium", "fair": "medium", "loose": "medium", "sparse": "medium", "weak": "medium",
         "rough": "low", "guess": "low", "short": "low", "coarse": "low"},
    75: {"tight": "high", "fair": "high", "loose": "medium", "sparse": "low", "weak": "low",
         "rough": "low", "guess": "low", "short": "low", "coarse": "low"},
    Sweep().num_steps: CONFIDENCE_WORDS,
    150: {"tight": "high", "fair": "low", "loose": "low", "sparse": "low", "weak": "low",
          "rough": "low", "guess": "low", "short": "low", "coarse": "low"},
    200: {"tight": "high", "fair": "medium", "loose": "low", "sparse": "low", "weak": "low",
          "rough": "low", "guess": "low", "short": "low", "coarse": "low"},
    400: {"tight": "high", "fair": "low", "loose": "low", "sparse": "low", "weak": "low",
          "rough": "low", "guess": "low", "short": "low", "coarse": "low"},
}
#: The last rate of every sweep the words were calibrated on (the zoo's and the probe's: ``Sweep``'s default
#: ``end``), unless it blew up first; a ``short`` reading stopped below it without blowing up, so no
#: calibration measured it (``low`` by design, not tuned).
CALIBRATED_END = Sweep().end
#: Rates per decade of every sweep the words were calibrated on (``Sweep``'s defaults: 100 steps over
#: 8 decades); a ``coarse`` reading's sweep had fewer than one per factor ``LOOSE_SPREAD``.
CALIBRATED_STEPS = CALIBRATED_DENSITY

#: An interval whose ends are within this factor (``hi / lo``) is a *tight* reading: the sweep's
#: noise moves the suggestion by less than about +-20%, less than the rate can be set by hand.
TIGHT_SPREAD = 1.5
#: Beyond this factor the noise decides the suggestion's digit, not only its last one: a rough reading.
LOOSE_SPREAD = 3.0
_SURER = "repeat the sweep on fresh batches (repeats=3, or --repeats 3) or use larger batches"


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def confidence_features(result: Any, policy: FinderPolicy | None = None) -> dict[str, Any]:
    """The measurements the confidence word is read from, and the kind of reading they make.

    Returns ``{"kind", "source", "signal", "spread", "interval", "raised"}``: the kind (see the module's
    table; ``none`` for a result without a suggestion, which the words' calibration leaves out), how the
    answer was reached (``meta["source"]``), the drop in noise SDs (``None`` without a valley), the
    batch-noise interval's ``hi / lo`` and its ends ``(lo, hi)`` (``None`` without an interval), and the
    factor the descent floor raised the reading by (:func:`raise_factor`).
    ``policy``: default, the one recorded in ``meta["policy"]``, else ``FinderPolicy()``.

    Example:
        >>> from lrkit.finder import Sweep, range_test, synthetic
        >>> r = range_test(synthetic.logistic(seed=1).step, sweep=Sweep(start=1e-3, end=1e3, num_steps=60))
        >>> f = confidence_features(r)
        >>> sorted(f), f["kind"] in CONFIDENCE_KINDS, f["signal"] > 4, f["spread"] >= 1
        (['interval', 'kind', 'raised', 'signal', 'source', 'spread'], True, True, True)
    """
    meta = result.meta or {}
    policy = _policy(meta) if policy is None else policy
    # How repeatable *this reading* is: the bootstrap's batch-noise interval (the reported interval may
    # be widened for another seed's spread, which says nothing about this sweep's clarity).
    batch = meta.get("interval_batch")
    lo_hi = tuple(batch) if batch else result.interval
    valley = valley_geometry(result.lrs, result.losses, policy=policy)
    signal = None if isinstance(valley, str) else float(valley.signal)
    spread = None if lo_hi is None or lo_hi[0] <= 0 else float(lo_hi[1] / lo_hi[0])
    raised = raise_factor(result)
    if no_answer(result) is not None:  # the one rule confidence() and advise() read too
        kind = "none"
    elif meta.get("source") == GUESS_SOURCE:
        kind = "guess"
    elif short_of_blow_up(result, policy):
        kind = "short"
    elif coarse_grid(result) > LOOSE_SPREAD:
        kind = "coarse"
    elif signal is not None and signal < policy.weak_sigmas:
        kind = "rough"
    elif signal is not None and policy.weak_rule != "none" and signal < policy.weak_rule_sigmas:
        kind = "weak"
    elif spread is not None and spread > LOOSE_SPREAD:
        kind = "loose"
    elif sparse_grid(result, policy):
        kind = "sparse"
    elif raised > LOOSE_SPREAD:  # a sparse reading's word is at most a loose one's at every density
        kind = "loose"
    elif spread is not None and spread <= TIGHT_SPREAD and signal is not None:
        kind = "tight"
    else:
        kind = "fair"
    return {"kind": kind, "source": meta.get("source"), "signal": signal, "spread": spread,
            "interval": lo_hi, "raised": raised}


def raise_factor(result: Any) -> float:
    """The factor the descent floor raised the answer by: ``suggestion / meta["raised_from"]``, the rules'
    reading before the raise (:func:`~lrkit.finder._descent.at_the_descent`); 1.0 where nothing was raised.

    The floor raises a reading that lies on the flat start below a wide descent, reading that start as a
    plateau of the rate, where the sweep measured no progress. A sweep that has not trained yet is flat
    there too (one update per rate: the loss falls only once the rate moves the model within a few
    updates), and then the reading it raised was the better one; the curve cannot tell the two apart. So
    a raise by more than :data:`LOOSE_SPREAD`, the factor beyond which a loose reading's noise decides the
    answer's digit, makes a ``loose`` reading: the choice between two readings, not the curve, set it.

    Example:
        >>> import dataclasses
        >>> from lrkit.finder import Sweep, range_test, synthetic
        >>> r = range_test(synthetic.quadratic(lipschitz=4.0).step, sweep=Sweep(start=1e-5, num_steps=80))
        >>> raised = dataclasses.replace(r, meta={**r.meta, "raised_from": r.suggestion / 4})
        >>> raise_factor(r), round(raise_factor(raised), 6), confidence_features(raised)["kind"]
        (1.0, 4.0, 'loose')
    """
    below = (result.meta or {}).get("raised_from")
    if not below or result.suggestion is None:
        return 1.0
    return float(result.suggestion / below)


def short_of_blow_up(result: Any, policy: FinderPolicy | None = None) -> bool:
    """Whether the sweep stopped below :data:`CALIBRATED_END` without blowing up (a ``short`` reading). A
    second sweep's reading is read by its first sweep, below whose blow-up (or last rate) it ran.

    Example:
        >>> from lrkit.finder import Sweep, range_test, synthetic
        >>> step = synthetic.quadratic(lipschitz=4.0).step
        >>> [short_of_blow_up(range_test(step, sweep=Sweep(start=1e-5, end=end, num_steps=80)))
        ...  for end in (10.0, 0.01)]
        [False, True]
    """
    meta = result.meta or {}
    policy = _policy(meta) if policy is None else policy
    passes = meta.get("passes") or []
    if meta.get("source") == "second sweep" and passes:
        first = passes[0]
        return first.get("stop_reason") not in ("diverged", "nan") and float(first["end"]) < CALIBRATED_END
    if not len(result.lrs):
        return False
    return not blow_up_index(result.losses, policy=policy)[1] and float(result.lrs[-1]) < CALIBRATED_END


def coarse_grid(result: Any) -> float:
    """The factor between neighbouring rates of the sweep that answered (their median: a linear sweep's
    rates crowd at its top, where it reads); 1.0 for fewer than two rates. Above :data:`LOOSE_SPREAD`,
    a ``coarse`` reading.

    Example:
        >>> from lrkit.finder import Sweep, range_test, synthetic
        >>> step = synthetic.quadratic(lipschitz=4.0).step
        >>> [round(coarse_grid(range_test(step, sweep=Sweep(num_steps=n))), 2) for n in (100, 10)]
        [1.2, 7.74]
    """
    x = np.log10(np.asarray(result.lrs, dtype=np.float64))
    return float(10.0 ** np.median(np.diff(x))) if x.size > 1 else 1.0


def sparse_grid(result: Any, policy: FinderPolicy | None = None) -> bool:
    """Whether the sweep's rates lie further apart than ``policy.smooth_window`` resolves: the smoother
    widens a point's kernel to reach its ``min_neighbours`` (``neighbour_reach`` times their distance), and
    at the sweep's median point it did, so the grid, not the window, set the smoothing the rules read (a
    ``sparse`` reading). Every calibrated sweep (:data:`CALIBRATED_STEPS` rates per decade) read the window.
    A second sweep's reading is judged by its first sweep's grid, on which the blow-up that placed it was
    read.

    Example:
        >>> from lrkit.finder import Sweep, range_test, synthetic
        >>> step = synthetic.quadratic(lipschitz=4.0).step
        >>> [sparse_grid(range_test(step, sweep=Sweep(num_steps=n))) for n in (50, 100)]
        [True, False]
    """
    meta = result.meta or {}
    policy = _policy(meta) if policy is None else policy
    passes = meta.get("passes") or []
    rates = result.lrs
    if meta.get("source") == "second sweep" and passes:  # placed by its first sweep's blow-up: that grid's
        first = passes[0]
        rates = sweep_schedule(first["start"], first["end"], first["num_steps"],
                               meta.get("mode", "exp"))(np.arange(first["num_steps"]))
    x = np.log10(np.asarray(rates, dtype=np.float64))
    if x.size < 2:
        return False
    return bool(np.median(bandwidths(x, policy.smooth_window, policy)) > policy.smooth_window)


def coarse_steps(result: Any) -> int:
    """The ``num_steps`` the sweep that answered needed over its own range for the calibrated density,
    :data:`CALIBRATED_STEPS` rates per decade: its intervals scaled by ``log10(coarse_grid) *
    CALIBRATED_STEPS`` (exact for a geometric sweep, ``ceil(decades * CALIBRATED_STEPS) + 1``; a linear
    sweep's median interval shrinks as ``1 / num_steps`` as well). Its ``num_steps``: ``meta["num_steps"]``,
    else the rates it tried.

    Example:
        >>> from lrkit.finder import Sweep, range_test, synthetic
        >>> step = synthetic.quadratic(lipschitz=4.0).step
        >>> [coarse_steps(range_test(step, sweep=Sweep(start=s, end=10.0, num_steps=10)))
        ...  for s in (1e-7, 1e-30)]
        [100, 385]
    """
    steps = int((result.meta or {}).get("num_steps", len(result.lrs)))
    # Rounded first: a default sweep's 99 intervals times 8/99 decades must not read 99.0000001.
    decades = (steps - 1) * math.log10(coarse_grid(result))
    return max(steps, math.ceil(round(decades * CALIBRATED_STEPS, 6)) + 1)


def density_steps(result: Any) -> float | None:
    """The sweep's density as the ``num_steps`` of a sweep over the default range that dense: ``1 + 99 k /
    k0``, ``k`` its rates per decade (``(num_steps - 1) / decades`` of its recorded range, else from
    :func:`coarse_grid`), ``k0`` :data:`CALIBRATED_STEPS`. A second sweep's answer is placed by its first
    sweep, whose density it takes. ``None`` for a linear sweep or fewer than two rates.

    Example:
        >>> from lrkit.finder import Sweep, range_test, synthetic
        >>> step = synthetic.quadratic(lipschitz=4.0).step
        >>> [round(density_steps(range_test(step, sweep=Sweep(start=s, num_steps=n))), 6)
        ...  for s, n in ((1e-7, 200), (1e-3, 100))]
        [200.0, 199.0]
    """
    meta = result.meta or {}
    if meta.get("mode", "exp") != "exp":
        return None
    sweep = _placing_sweep(meta)
    if all(key in sweep for key in ("start", "end", "num_steps")):
        per_decade = recorded_density(sweep)
        if per_decade is None:
            return None
    else:
        factor = coarse_grid(result)
        if factor <= 1.0:
            return None
        per_decade = 1.0 / math.log10(factor)
    return 1.0 + (Sweep().num_steps - 1) * per_decade / CALIBRATED_STEPS


def _placing_sweep(meta: dict[str, Any]) -> dict[str, Any]:
    """The settings of the sweep that placed the answer: a second sweep's first sweep, else the sweep."""
    passes = meta.get("passes") or []
    return passes[0] if meta.get("source") == "second sweep" and passes else meta


def density_words(result: Any) -> dict[str, str] | None:
    """The word of each kind of reading at the sweep's density (:func:`density_steps`): the measured
    density's :data:`DENSITY_WORDS`, between two measured densities the lower of their two words per kind,
    :data:`CONFIDENCE_WORDS` for a linear sweep; ``None`` outside the measured densities (no word measured).

    Example:
        >>> from lrkit.finder import Sweep, range_test, synthetic
        >>> step = synthetic.quadratic(lipschitz=4.0).step
        >>> [(density_words(range_test(step, sweep=Sweep(num_steps=n))) or {}).get("fair")
        ...  for n in (100, 150, 200, 1000)]
        ['high', 'low', 'medium', None]
    """
    steps = density_steps(result)
    return CONFIDENCE_WORDS if steps is None else words_between(steps, DENSITY_WORDS)


def _policy(meta: dict[str, Any]) -> FinderPolicy:
    recorded = meta.get("policy")
    return FinderPolicy.from_dict(recorded) if isinstance(recorded, dict) else FinderPolicy()


_PROMISE = {
    "high": "On new workloads, about 9 in 10 readings like this one lost at most a tenth of what the best "
            "rate gains.",
    "medium": "The order of magnitude is sound: on new workloads about 3 in 4 readings like this one lost at "
              "most a tenth of what the best rate gains; to pin the value down, {surer}.",
    "low": "Trust it as a starting point only: on new workloads more than 1 in 4 readings like this one "
           "lost more than a tenth of what the best rate gains; before relying on it, {surer}.",
}


def _per_decade(steps: float) -> float:
    return (steps - 1) * CALIBRATED_STEPS / (Sweep().num_steps - 1)


def _lowered(result: Any, word: str, calibrated: str) -> str:
    steps = density_steps(result) or float(Sweep().num_steps)
    lower, upper = neighbours(steps, DENSITY_WORDS)
    gives = ("the words measured there give" if lower == upper else
             f"the lower of the words measured at {lower} and {upper} steps gives")
    return (f"At this sweep's density ({_per_decade(steps):.3g} rates per decade, as {steps:.0f} steps over "
            f"the default range; the default sweep has {CALIBRATED_STEPS:.3g}) {gives} a reading like this "
            f"one {word}, not {calibrated}: how often such readings keep moves with the density. ")


def _outside(result: Any, kind: str) -> str:
    steps = density_steps(result) or float(Sweep().num_steps)
    lo, hi = min(DENSITY_WORDS), max(DENSITY_WORDS)
    n = int(_placing_sweep(result.meta or {}).get("num_steps", len(result.lrs)))
    # The num_steps over this sweep's own range at the nearest measured density.
    target = lo if steps < lo else hi
    needed = max(2, round(1 + (n - 1) * (target - 1) / (steps - 1)))
    adjective = "sparse" if steps < lo else "dense"
    return (f"Outside the calibration: the sweep tried {_per_decade(steps):.3g} rates per decade "
            f"(num_steps={n}), {adjective}r than every sweep the words were measured on "
            f"({_per_decade(lo):.3g} to {_per_decade(hi):.3g} rates per decade: {lo} to {hi} steps over the "
            "default range), and a sweep "
            "makes one update per rate, so its density moves where it reads the descent: how often a "
            f"{kind} reading this {adjective} keeps, no measurement says. Sweep this range with "
            f"num_steps={needed} (or --num-steps {needed}) before relying on it.")


def confidence(result: Any, policy: FinderPolicy | None = None, *,
               words: dict[str, str] | None = None) -> tuple[str, str]:
    """``(word, words)``: the confidence word of the answer's kind of reading and why, in plain words.

    The word is ``words``'s for the kind (:func:`confidence_features`); by default the words calibrated at
    the sweep's density (:func:`density_words`), and ``low`` for a sweep denser or sparser than every
    measured one, whose words say so. The words say what was measured, what the word promises, where the
    sweep's density lowered the word, and what would make the reading surer. A result without a
    suggestion has no reading to be sure of: its word is ``none`` (as :func:`~lrkit.finder.advise`'s),
    its words what the sweep showed and what to try.

    Example:
        >>> from lrkit.finder import Sweep, range_test, synthetic
        >>> step = synthetic.quadratic(lipschitz=4.0).step
        >>> r = range_test(step, sweep=Sweep(start=1e-5, end=10, num_steps=80))
        >>> word, why = confidence(r)
        >>> word, why.split(":")[0]
        ('high', 'Clear reading')
        >>> confidence(r, words={**CONFIDENCE_WORDS, "tight": "medium"})[0]  # another calibration's words
        'medium'
        >>> confidence(range_test(lambda lr: 1.0))[0]  # a flat curve: no suggestion
        'none'
    """
    missing = no_answer(result)
    if missing is not None:
        return "none", missing[1]
    policy = _policy(result.meta or {}) if policy is None else policy
    f = confidence_features(result, policy)
    kind, signal, spread, lo_hi = f["kind"], f["signal"], f["spread"], f["interval"]
    table = density_words(result) if words is None else words
    if table is None and kind not in ("guess", "short", "coarse"):
        return "low", _outside(result, kind)
    word = (table or CONFIDENCE_WORDS)[kind]
    promise = _PROMISE[word].format(surer=_SURER)
    if words is None and _LEVEL[word] < _LEVEL[CONFIDENCE_WORDS[kind]]:
        promise = _lowered(result, word, CONFIDENCE_WORDS[kind]) + promise
    moves = "" if lo_hi is None else (f"the sweep's own noise moves the suggestion between {_fmt(lo_hi[0])} "
                                      f"and {_fmt(lo_hi[1])}")
    drop = "" if signal is None else f"the loss fell {signal:.0f} times its batch-to-batch noise"
    if kind == "guess":
        return word, ("A guess, not a measurement: neither the sweep nor a second, denser one showed the "
                      f"loss falling beyond its noise; the rate is {guess_divisor(policy)[1]} of where the "
                      "loss blew up. Check it with a short run, or sweep with more steps or larger batches.")
    if kind == "short":
        passes = (result.meta or {}).get("passes") or []
        last = _fmt(float(passes[0]["end"] if len(passes) > 1 else result.lrs[-1]))
        return word, (f"Outside the calibration: the sweep stopped at {last} before the loss blew up, "
                      f"below the {CALIBRATED_END:g} every calibrated sweep reached, so where it blows up "
                      "was not seen, and the answer moves up with the sweep's end (a rule that reads the "
                      "blow-up took the last rate, a lower bound of it). How far below the best rate it "
                      f"lies, no measurement says; sweep to end={CALIBRATED_END:g} (the default) before "
                      "relying on it.")
    if kind == "coarse":
        factor, meta = coarse_grid(result), result.meta or {}
        steps, needed = int(meta.get("num_steps", len(result.lrs))), coarse_steps(result)
        low = _fmt(float(meta.get("start", result.lrs[0])))
        high = _fmt(float(meta.get("end", result.lrs[-1])))
        return word, (f"Outside the calibration: the sweep's rates (num_steps={steps} from {low} to {high}) "
                      f"lie a factor {factor:.3g} apart ({math.log10(factor):.2g} decades), more than the "
                      f"{LOOSE_SPREAD:g} a loose reading's noise may move it, so the grid alone can leave "
                      "the answer a step off; the sweeps the words were measured on had "
                      f"{_per_decade(min(DENSITY_WORDS)):.3g} to {_per_decade(max(DENSITY_WORDS)):.3g} rates "
                      "per decade. How far from the best rate it lies, no "
                      f"measurement says; sweep this range with num_steps={needed} or more (or --num-steps "
                      f"{needed}) before relying on it.")
    if kind == "sparse":
        step = math.log10(coarse_grid(result))
        steps, needed = int((result.meta or {}).get("num_steps", len(result.lrs))), coarse_steps(result)
        detail = "; ".join(x for x in (drop, moves) if x)
        return word, (f"Sparse sweep: {detail + '; but ' if detail else ''}its rates (num_steps={steps}) lie "
                      f"{step:.2g} decades apart, too far for the smoother's {policy.smooth_window:g}-decade "
                      "window, which widened to reach them: the grid, not the window, set the smoothing the "
                      "rules read, and it trained the model by fewer updates per decade than the default "
                      f"sweep ({CALIBRATED_STEPS:.3g} rates per decade): moved to that density, such answers "
                      f"still move with num_steps; sweep this range with num_steps={needed} or more (or "
                      f"--num-steps {needed}) for a reading at the default's density. {promise}")
    if kind == "rough":
        return word, (f"Rough reading: the loss fell only {signal:.1f} times its batch-to-batch noise, so "
                      f"the curve is mostly noise{'; ' + moves if moves else ''}. {promise}")
    if kind == "weak":
        return word, (
            f"I can't tell where the descent begins: the loss fell only {signal:.1f} times its "
            f"batch-to-batch noise, too little for the half-depth crossings, so the {policy.weak_rule} "
            f"rule read the smoothed curve instead{'; ' + moves if moves else ''}. {promise}")
    if kind == "loose" and (spread is None or spread <= LOOSE_SPREAD):
        below = _fmt(float((result.meta or {})["raised_from"]))
        return word, (f"Two readings: {drop + (', and ' + moves if moves else '') if drop else moves}; but "
                      "the sweep's loss sat flat below its descent, and the answer was raised to the "
                      f"descent, a factor of {f['raised']:.1f} above the rules' reading there, {below}. A "
                      "plateau of the rate and a sweep that has not trained yet (one update per rate) are "
                      f"both flat there, and the curve cannot tell them apart: try {below} as well (a short "
                      f"run at each). {promise}")
    if kind == "loose":
        clear = f"the loss fell clearly ({signal:.0f} times its batch-to-batch noise), but " if drop else ""
        return word, f"Rough reading: {clear}{moves}, a factor of {spread:.1f}. {promise}"
    if kind == "tight":
        return word, f"Clear reading: {drop}, and {moves}. {promise}"
    detail = "; ".join(x for x in (drop, moves) if x) or "no interval was computed"
    factor = f" (a factor of {spread:.1f})" if spread else ""
    return word, f"Fair reading: {detail}{factor}. {promise}"
