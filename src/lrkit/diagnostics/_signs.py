"""The guard's signs and its words: what forbids a verdict, and why a guarded run is ``uncertain``.

:func:`starved_signs` are the signs of a rate at or past its limit that forbid "raise the rate"
(``too_low_slow``); :func:`limit_signs` those that forbid "keep" or "decay" (``healthy``, ``plateau``);
both read a run's statistics (:func:`lrkit.diagnose`'s names) and are the one definition the guard
(``_decide.guard``) and the advice that names them share. :func:`guarded_words` says, for each reason
the guard gives, why the run is ``uncertain`` and what short side run would tell.
"""

from __future__ import annotations

from collections.abc import Mapping

from lrkit.diagnostics._policy import DiagnosePolicy

__all__ = ["starved_signs", "limit_signs", "overfitting_words", "guarded_words"]


def starved_signs(s: Mapping[str, float], policy: DiagnosePolicy = DiagnosePolicy()) -> list[str]:
    """The signs of a rate at or past its limit that forbid ``too_low_slow`` (the guard's ``starved_*``).

    The one definition, read by the guard and by the advice that names them. ``s`` holds the run's
    ``rise``, ``peak_excess`` and ``oscillation_q`` and, when given, ``giveback`` (ground lost on the way
    down and recovered: ``lost_ground``, named when the end itself has not lost ``starved_rise``),
    ``val_rise`` and ``val_improving``
    (a validation loss still at its best asks for a swing past ``starved_swing_val``).

    Example:
        >>> s = {"rise": 0.0, "peak_excess": 0.0, "oscillation_q": 0.0}
        >>> starved_signs(s), starved_signs({**s, "rise": 0.9, "val_rise": 0.9})
        ([], ['lost_descent', 'val_turned_up'])
    """
    p = policy
    swing = p.starved_swing_val if s.get("val_improving") else p.starved_swing
    return [name for name, shown in (
        ("lost_descent", s["rise"] > p.starved_rise),
        ("lost_ground", s.get("giveback", 0.0) > p.starved_giveback and s["rise"] <= p.starved_rise),
        ("val_turned_up", s.get("val_rise", 0.0) > p.starved_val_rise),
        ("swings", s["oscillation_q"] > swing),
        ("rose_over_descent", s["peak_excess"] > p.starved_peak)) if shown]


def limit_signs(s: Mapping[str, float], policy: DiagnosePolicy = DiagnosePolicy()) -> list[str]:
    """The signs of a rate at its limit that forbid ``healthy`` and ``plateau`` (the guard's ``at_limit``).

    The loss rose above its first value ``y_0`` by more than ``limit_peak`` of its descent before
    falling (``jumped``; ``jump_excess``, measured from ``y_0`` itself, so that the fall after a hard
    first batch is no jump), or by more than ``limit_peak_val`` of it while the validation loss rose
    back by more than ``limit_val_rise`` of its drop (``val_rose``; a validation rise alone is as
    often overfitting at a good rate), or it stalled (``late_share < stall_share``) back above its best
    level by ``drift_rise`` of its descent and ``drift_hint_z`` standard errors, too little beyond chance
    for the drift test (``drifted``: a flat plateau of noise ends that far above its lowest window
    median about one time in five, and so does a rate too high to settle).

    Example:
        >>> limit_signs({"jump_excess": 0.5}), limit_signs({"jump_excess": 0.0, "val_rise": 0.9})
        (['jumped'], [])
        >>> limit_signs({"jump_excess": 0.0, "late_share": 0.01, "rise": 0.1, "rise_z": 2.5})
        ['drifted']
    """
    p, jump = policy, s["jump_excess"]
    drifted = (s.get("late_share", 1.0) < p.stall_share and s.get("rise", 0.0) > p.drift_rise
               and s.get("rise_z", 0.0) > p.drift_hint_z)
    return [name for name, shown in (
        ("jumped", jump > p.limit_peak),
        ("val_rose", s.get("val_rise", 0.0) > p.limit_val_rise and jump > p.limit_peak_val),
        ("drifted", drifted)) if shown]


def overfitting_words(s: Mapping[str, float]) -> str:
    """The words for a validation loss that rose back from its best while the training loss fell.

    Example:
        >>> overfitting_words({"val_rise": 0.4, "val_best_at": 120.0}).split(":")[0]
        'the validation loss rose back 0.4x its drop from its best at step 120'
    """
    at = f" at step {s['val_best_at']:.0f}" if "val_best_at" in s else ""
    return (f"the validation loss rose back {s.get('val_rise', 0.0):.2g}x its drop from its best{at}: the "
            "model is overfitting, and a higher rate would only get there sooner. Decay the rate or stop at "
            "the best validation loss.")


def guarded_words(reason: str, s: Mapping[str, float], policy: DiagnosePolicy = DiagnosePolicy()) -> str:
    """Why the guard made a verdict ``uncertain`` (``reason``: ``not_starved``, ``overfitting``, ``at_limit``,
    ``no_floor``, ``ended_above_start`` or ``spiked_over_descent``), in words, from the run's statistics
    ``s``.

    Example:
        >>> guarded_words("at_limit", {"jump_excess": 0.5}).split(",")[0]
        "I can't tell: the loss looks settled"
    """
    p = policy
    if reason == "not_starved":
        said = {"lost_descent": "it lost back part of its descent",
                "lost_ground": f"it lost ground on the way down (rose back {s.get('giveback', 0.0):.2g}x its "
                               "descent above its lowest level so far before falling again)",
                "val_turned_up": "its validation loss turned up",
                "swings": "it swings more than a falling curve explains",
                "rose_over_descent": "it rose above its first loss by more than its whole descent"}
        signs = [said[k] for k in starved_signs(s, p)]
        return (f"I can't tell: the loss moved too little or too slowly, which often means a rate too low, "
                f"but {' and '.join(signs)}, a sign of a rate at its limit, so a higher rate could make it "
                "worse. Try 3x this rate in a short side run and keep it only if its loss falls faster.")
    if reason == "overfitting":
        return "Keep the rate: the training loss still falls, but " + overfitting_words(s)
    if reason == "at_limit":
        said = {"jumped": f"it first rose {s['jump_excess']:.2g}x its descent above its first loss",
                "val_rose": f"its validation loss rose back {s.get('val_rise', 0.0):.2g}x its drop",
                "drifted": f"it stopped falling and ended {s.get('rise_z', 0.0):.1f} standard errors above "
                           "its best level (about what the lowest of many window medians reaches by "
                           "chance: a plateau of noise, or a rate too high to settle)"}
        names = limit_signs(s, p)
        signs = [said[k] for k in names]
        overfit = " (or, for the validation loss, of overfitting)" if "val_rose" in names else ""
        return (f"I can't tell: the loss looks settled, but {' and '.join(signs)}, a sign of a rate at its "
                f"limit{overfit}. A rate at its limit settles at a "
                "higher level than a lower rate would reach, and one history cannot show that lower level. "
                "Compare "
                f"a short side run at 1/{p.cut:g} of this rate and keep the one whose loss is lower at equal "
                "steps.")
    if reason == "no_floor":
        why = (f"its noise shows no overshoot (skew {s.get('noise_skew', 0.0):.2f})"
               if s.get("noise_skew", 0.0) <= p.plateau_skew else
               f"it fell by less than {p.plateau_drop:g} times the noise of one loss")
        late = s.get("late_share", 0.0)
        made = f"made {late:.1%} of its drop" if late > 0 else "made none of its drop"
        return (f"I can't tell: the loss has stalled (the second half of the run {made}), but {why}. "
                "A rate at its limit stalls at a noise floor that a decay lowers; a rate too low stalls on a "
                "plateau that a higher rate would leave, "
                "and one history reads both alike. Compare short side runs at "
                f"{p.cut:g}x and 1/{p.cut:g} of this rate and keep the one whose loss is lower at equal "
                "steps; "
                "if neither is, decay the rate (or stop).")
    what = ("ended at or above where it started" if reason == "ended_above_start"
            else "rose above where it started by more than its whole descent")
    return (f"I can't tell: the loss {what}, so a higher rate could blow it up, and the flat or slow stretch "
            "after it is no sign the rate is too low. Keep the rate (or lower it and add warmup if the rise "
            "came early), and clip gradients; try a higher rate only in a short side run.")
