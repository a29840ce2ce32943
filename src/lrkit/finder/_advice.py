"""What a range test means for the user, in plain words: the one place lrkit phrases a suggestion.

A :class:`~lrkit.finder.FinderResult` is data (rates, losses, a suggestion, an interval). A
practitioner asks four things of it: *which rate*, *for which optimizer*, *how sure*, and *what
to do next*. :func:`advise` answers them as an :class:`Advice` record; the HTML report, the
CLI's human output and ``lrkit find --json`` all print this record, so the wording lives here
and only here.

How sure, in words. Two measured quantities decide it. The *signal*: how far the smoothed loss
fell during the sweep, in units of its batch-to-batch noise (:attr:`lrkit.finder.Valley.signal`);
below ``FinderPolicy.weak_sigmas`` a rule reads noise as much as curve. The *spread*: the
ratio ``hi / lo`` of the bootstrap interval, how far the sweep's own noise moves the suggestion.
Both say how repeatable the reading of *this sweep* is; neither says how much worse a nearby
rate trains (the regret benchmarks do: ``docs/find.md``).

Example:
    >>> from lrkit.finder import Sweep, range_test, synthetic
    >>> r = range_test(synthetic.quadratic(lipschitz=4.0).step, sweep=Sweep(start=1e-5, end=10, num_steps=80))
    >>> a = advise(r, budget=2000)
    >>> a.lr, a.confidence, a.schedule_spec
    (0.0996, 'high', 'cosine(lr=0.0996, steps=2000, min_lr=0.000996)')
"""

from __future__ import annotations

import dataclasses
import shlex
from typing import Any

from lrkit.finder._confidence import LOOSE_SPREAD, TIGHT_SPREAD, confidence
from lrkit.finder._default import handed_to_weak_rule
from lrkit.finder._valley import valley_geometry
from lrkit.finder._no_answer import no_answer
from lrkit.finder._next_step import next_spec, round_rate
from lrkit.finder._policy import FinderPolicy
from lrkit.finder._retry import guess_divisor

__all__ = ["Advice", "advise", "TIGHT_SPREAD", "LOOSE_SPREAD", "LOSS_WORDS", "RULE_WORDS", "SCHEDULE_WORDS",
           "FIGURE_WORDS"]

#: What each rule does, for a reader who has not read ``docs/find.md``.
RULE_WORDS: dict[str, str] = {
    "default": "a third of the way (on a log scale) from the rate where the loss starts falling fast to "
               "the rate where it climbs back up",
    "falling": "the rate where the loss starts falling fast (halfway down its drop)",
    "steepest": "the rate where the smoothed loss falls steepest (torch-lr-finder's rule)",
    "valley": "fastai's 'valley' rule: inside the longest stretch where the loss keeps falling",
    "minimum/10": "a tenth of the rate at the lowest loss (the classic rule of thumb)",
}
#: The finder report's figure, in words.
FIGURE_WORDS = (
    "Left, the whole sweep: grey dots are the loss of each batch as the rate grows, the blue line the "
    "smoothed loss; the orange dot is the suggestion, hollow markers what other rules would pick. Right, "
    "a zoom around the suggestion: the shaded band with dotted edges (and the error bar) is the interval."
)
#: The next step's schedule families, in words (the budget rule of :mod:`lrkit.finder._next_step`).
SCHEDULE_WORDS: dict[str, str] = {
    "constant": "the rate held constant: a run this short gains most from the full rate",
    "wsd": "a short warmup (5%), the peak held, then a linear cool-down over the last 20% to 1% of the peak",
    "cosine": "a cosine decay from the peak to 1% of it",
}
#: Which loss the sweep read (``find_lr``'s ``meta["loss"]``: ``"train"`` by default, ``"val"`` with
#: ``validation=``), and what a rate read from it cannot promise; measured held out on the zoo and outside
#: it (``docs/evidence.md#finder-which-loss-the-sweep-reads``).
LOSS_WORDS: dict[str, str] = {
    "train": "the sweep read the training loss: a rate that lowers it fastest can still overfit (the "
             "training loss keeps falling while the validation loss gets worse), so check the rate on "
             "held-out data with a short run. Reading the validation loss in the sweep "
             "(validation=Validation(val_loader), lrkit find --val) is no general cure: on lrkit's workload "
             "zoo it landed further from the best rate more often than not.",
    "val": "the sweep read the validation loss (a fixed subset of batches, after each update, BatchNorm "
           "statistics settled for the current weights before each read) over a few hundred updates at "
           "most: a full run can still overfit, and on lrkit's workload zoo such sweeps landed further from "
           "the best rate than training-loss sweeps more often than not (0.2 to 1.7 decades below it on its "
           "transformers and recurrent nets); check the rate with a short run.",
}
_WHY_AUTO = {
    True: "{name} is an adaptive optimizer: its best rate for a whole run sits well below where a short "
          "sweep blows up, so lrkit reads where the loss starts falling",
    False: "{name} steps in proportion to the gradient: its best rate for a whole run sits nearer the "
           "blow-up, so lrkit reads a third of the way towards it",
}


@dataclasses.dataclass(frozen=True)
class Advice:
    """A range test's answer for a practitioner (see :func:`advise`); ``to_dict`` for JSON.

    Attributes:
        lr: the suggested rate (``None``: no suggestion), rounded as the spec writes it.
        headline: one sentence: the rate and what it is for (or why there is none).
        optimizer: the optimizer (name and key hyperparameters) and batch size, in words.
        confidence: ``"high"``, ``"medium"``, ``"low"`` or ``"none"``.
        confidence_words: why, in plain words, and what would make it surer.
        rule: the rule that gave ``lr``; ``rule_words`` what it does; ``why_rule`` why it was used.
        budget: the run length the next step is written for (``None``: unknown).
        schedule_spec: an lrkit spec for that run peaking at ``lr`` (``{total_steps}`` when unknown).
        schedule_words: its shape in words; ``next_step_words`` the sentence that introduces it.
        python: code to paste into a PyTorch script (optimizer and ``LRScheduler``).
        cli: the ``lrkit train`` line that runs the schedule: on a built-in task, or on the
            ``--script`` the sweep ran (``--steps`` the budget; when unknown, ``--steps {total_steps}``
            to fill and the spec's ``steps=total``, which ``lrkit train`` binds); else
            ``None``.
        caveats: what the sweep could not see: first, for ``find_lr``'s sweeps, which loss it read and
            what a rate read from it cannot promise (:data:`LOSS_WORDS`).

    Example:
        >>> from lrkit.finder import Sweep, advise, range_test, synthetic
        >>> r = range_test(synthetic.quadratic(lipschitz=4.0).step, sweep=Sweep(1e-5, 10, 80), interval=False)
        >>> a = advise(r)
        >>> a.lines()[0] == a.headline, a.to_dict()["confidence"] == a.confidence, a.budget
        (True, True, None)
    """

    lr: float | None
    headline: str
    optimizer: str
    confidence: str
    confidence_words: str
    rule: str
    rule_words: str
    why_rule: str
    budget: int | None
    schedule_spec: str | None
    schedule_words: str | None
    next_step_words: str | None
    python: str | None
    cli: str | None
    caveats: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        out = dataclasses.asdict(self)
        out["caveats"] = list(self.caveats)
        return out

    def lines(self) -> list[str]:
        """The advice as lines of text (the CLI's human output)."""
        out = [self.headline, f"how sure: {self.confidence} - {self.confidence_words}"]
        if self.lr is not None:
            out.append(f"rule: {self.rule} - {self.rule_words}")
            if self.why_rule:
                out.append(f"why this rule: {self.why_rule}")
            out.append(f"next step: {self.next_step_words}")
            out.append(f"  {self.schedule_spec}")
            if self.cli:
                out.append(f"  {self.cli}")
        out += [f"note: {c}" for c in self.caveats]
        return out


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def _optimizer_words(meta: dict[str, Any]) -> tuple[str, str]:
    """``(name, 'Name (key hyperparameters), batch size B')`` from ``find_lr``'s meta."""
    d = meta.get("optimizer")
    if not isinstance(d, dict):
        return "", "the optimizer and batch size of the sweep"
    hp = d.get("hyperparameters", {})
    parts = []
    for key, label in (("momentum", "momentum"), ("nesterov", "Nesterov"), ("betas", "betas"),
                       ("alpha", "alpha"), ("weight_decay", "weight decay")):
        v = hp.get(key)
        if key == "nesterov":
            parts += ["Nesterov"] if v else []
        elif key in ("momentum", "weight_decay") and not v:
            continue
        elif v is not None:
            parts.append(f"{label} {', '.join(_fmt(x) for x in v) if isinstance(v, list) else _fmt(v)}")
    words = d["name"] + (f" ({'; '.join(parts)})" if parts else "")
    ref = meta.get("rate_group") or 0
    if d.get("param_groups", 1) > 1 and ref:
        words += (f", {d['param_groups']} param groups (the rate is group {ref}'s: of those above 0, the one "
                  "with the most trainable parameters; the others keep their ratios to it)")
    elif d.get("param_groups", 1) > 1:
        words += f", {d['param_groups']} param groups (group 0 gets the rate, the others keep their ratios)"
    if meta.get("batch_size"):
        words += f", batch size {meta['batch_size']}"
    return d["name"], words


def _caveats(result: Any, policy: FinderPolicy) -> tuple[str, ...]:
    out = []
    loss = (result.meta or {}).get("loss")
    if result.suggestion is not None and loss in LOSS_WORDS:
        out.append(LOSS_WORDS[loss])
    valley = valley_geometry(result.lrs, result.losses, policy=policy)
    if result.suggestion is not None and not isinstance(valley, str) and not valley.edge_seen:
        out.append("the loss never climbed back up during the sweep, so where it blows up was not seen; a "
                   "sweep to a higher `end` may move the suggestion up.")
    alternative = (result.meta or {}).get("alternative")
    if result.suggestion is not None and alternative:
        out.append(f"the sweep cannot tell whether its only fall is a dip at the cliff or a short descent, "
                   f"so try {_fmt(alternative)} as well (a short run at each); the reason says why.")
    if result.stop_reason == "callback":
        out.append("the sweep was stopped early by a callback.")
    passes = (result.meta or {}).get("passes", [])
    if (result.meta or {}).get("source") == "second sweep" and passes:
        first = passes[0]
        out.append(f"the first sweep ({_fmt(first['start'])} to {_fmt(first['end'])}) showed no clear "
                   f"descent; this reading comes from a second sweep over the decade below where it blew up "
                   f"({(result.meta or {}).get('updates')} updates in all).")
    covers = (result.meta or {}).get("interval_covers")
    if result.interval is not None and covers:
        out.append(f"the interval, {_fmt(result.interval[0])} to {_fmt(result.interval[1])}, covers "
                   f"{covers}; it is not a range of rates that train equally well, and a new optimizer, "
                   "momentum or batch size needs a new sweep.")
    else:
        out.append("the interval is how repeatable this reading is, not a range of rates that train equally "
                   "well; a new optimizer, momentum or batch size needs a new sweep.")
    return tuple(out)


def _group_0_rate(lr: float, result: Any) -> float:
    """Group 0's share of a suggestion (``result.group_0_factor``): the rate ``LRScheduler`` and
    ``lrkit train`` write (they set group 0 and keep the others' ratios to it); ``lr`` itself when group 0
    is the reference or frozen at 0 (then the Python line passes ``group_scales=``)."""
    factor = result.group_0_factor
    return round_rate(lr * factor, 3) if factor != 1 else lr


def _python(lr: float, lr0: float, constructor: str | None, spec: str, budget: int | None,
            meta: dict[str, Any]) -> str:
    lines = ["import torch", "from lrkit.torch import LRScheduler", ""]
    scales = meta.get("group_scales") or [1.0]
    ref, extra = meta.get("rate_group") or 0, ""
    if constructor:
        lines.append(f"optimizer = {constructor.format(lr=lr)}")
    elif ref and scales[0] > 0:
        lines.append(f"# the schedule sets group 0's rate, {lr0}; group {ref} then gets "
                     f"{lr}, the suggestion, and every group keeps its ratio")
    elif ref:  # group 0 frozen at 0: no ratio to it, so the factors are given
        extra = f", group_scales={[float(c) for c in scales]}"
        lines.append(f"# the schedule is group {ref}'s rate; each group gets it times its factor")
    else:
        lines.append(f"# build your optimizer with lr={lr} (the schedule below sets the rate either way)")
    if budget is None:
        lines.append("total_steps = 10_000  # the number of optimizer updates in your run")
        lines.append(f'scheduler = LRScheduler(optimizer, f"{spec}"{extra})')
    else:
        lines.append(f'scheduler = LRScheduler(optimizer, "{spec}"{extra})')
    lines += ["# in the training loop, after each optimizer.step():", "#     scheduler.step()"]
    return "\n".join(lines)


def advise(result: Any, *, budget: int | None = None, task: str | None = None, script: str | None = None,
           policy: FinderPolicy | None = None) -> Advice:
    """Turn a range test into a recommendation: the rate, for what, how sure, and the next step.

    Args:
        result: a :class:`~lrkit.finder.FinderResult` (``find_lr``'s names the optimizer in ``meta``).
        budget: the number of optimizer updates of the run the rate is for; the next step's schedule
            follows the budget rule of :func:`~lrkit.finder._next_step.next_schedule` (``None``:
            a cosine written for ``total_steps``, to be filled in). Default: ``meta["budget"]``.
        task: a built-in task's name, for the ``lrkit train`` line.
        script: a ``FILE.py:FUNC`` task script (``lrkit find --script``), for its ``lrkit train`` line.
        policy: the finder's policy the sweep was read with (the valley, ``weak_sigmas``);
            default: the one recorded in ``meta["policy"]``, else ``FinderPolicy()``.

    Returns:
        An :class:`Advice`.

    Example:
        >>> from lrkit.finder import Sweep, range_test, synthetic
        >>> step = synthetic.quadratic(lipschitz=4.0).step
        >>> r = range_test(step, sweep=Sweep(start=1e-5, end=10, num_steps=80))
        >>> a = advise(r, budget=5000)
        >>> a.lr, a.confidence, a.schedule_spec
        (0.0996, 'high', 'cosine(lr=0.0996, steps=5000, min_lr=0.000996)')
        >>> print(a.headline)  # doctest: +NORMALIZE_WHITESPACE
        Use a peak learning rate of 0.0996 for the optimizer and batch size of the sweep, with the schedule
        below for a run of 5000 updates.
    """
    meta = dict(result.meta or {})
    if policy is None:
        recorded = meta.get("policy")
        policy = FinderPolicy.from_dict(recorded) if isinstance(recorded, dict) else FinderPolicy()
    budget = budget if budget is not None else meta.get("budget")
    name, optimizer = _optimizer_words(meta)
    rule_words = RULE_WORDS.get(result.rule, result.rule)
    why = ""
    if meta.get("rule_requested") == "auto" and name:
        why = _WHY_AUTO[bool(meta["optimizer"].get("adaptive"))].format(name=name)
    missing = no_answer(result)  # the rule confidence() reads too: its word is "none" here as well
    if missing is not None:
        what, words = missing
        return Advice(None, f"No suggestion: {what}.", optimizer, "none", words, result.rule, rule_words, why,
                      budget, None, None, None, None, None, _caveats(result, policy)[1:])
    lr = round_rate(result.suggestion, 3)
    lr0 = _group_0_rate(lr, result)
    spec = next_spec(lr0, budget)  # LRScheduler and lrkit train set group 0's rate
    level, words = confidence(result, policy)
    if handed_to_weak_rule(result.reason):  # the valley rule handed a weak drop to policy.weak_rule
        rule_words = (f"{rule_words}; here the drop was too weak for it, so {policy.weak_rule} read the "
                      f"curve: {RULE_WORDS.get(policy.weak_rule, policy.weak_rule)}")
    d = meta.get("optimizer") if isinstance(meta.get("optimizer"), dict) else {}
    python = _python(lr, lr0, d.get("constructor"), spec, budget, meta)
    cli = None
    if task is not None and budget is not None:
        cli = f'lrkit train --task {task} --schedule "{spec}"'
    elif script is not None and (meta.get("group_scales") or [1.0])[0] > 0:
        # lrkit train binds the run's length to `total` itself: the one number left to fill is --steps
        steps, run_spec = ("{total_steps}", spec.replace("{total_steps}", "total")) if budget is None else (
            budget, spec)
        cli = f'lrkit train --script {shlex.quote(script)} --schedule "{run_spec}" --steps {steps}'
    caveats = _caveats(result, policy)
    if script is not None and cli is None:  # lrkit train keeps each group's ratio to group 0, frozen at 0
        caveats += ("no `lrkit train` line: the script's param group 0 is frozen at lr=0, and lrkit train "
                    "keeps each group's ratio to group 0; list a trained group first, or use the Python "
                    "line.",)
    run = f"a run of {budget} updates" if budget is not None else "your run (set total_steps)"
    headline = f"Use a peak learning rate of {lr} for {optimizer}, with the schedule below for {run}."
    if result.is_guess:  # no descent was read: the number is a fixed factor below the blow-up, said so
        below = guess_divisor(policy)[1]
        headline = (f"A guess, not a measurement: the sweep saw no descent, so try {lr} ({below} of where "
                    f"the loss blew up) for {optimizer} in a short run first, with the schedule below for "
                    f"{run}.")
        rule_words = f"no rule could read a descent; the blow-up fallback: {below} of where the loss blew up"
        why = ""
    words_schedule = SCHEDULE_WORDS.get(spec.split("(", 1)[0], "")
    length = (f"a run of {budget} updates" if budget is not None
              else "a run of total_steps updates (fill in yours)")
    next_words = (f"Train with this schedule, written for {length}: {words_schedule} (the schedule lrkit's "
                  "tuner tries first for a run of this length).")
    if lr0 != lr:
        next_words += (f" Its rates are group 0's ({lr0}): LRScheduler and lrkit train set group 0 and keep "
                       f"the others' ratios, so group {meta.get('rate_group')} gets {lr}.")
    return Advice(lr, headline, optimizer, level, words, result.rule, rule_words, why, budget, spec,
                  words_schedule, next_words, python, cli, caveats)
