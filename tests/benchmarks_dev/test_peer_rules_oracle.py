"""lrkit's re-implementations of the peers' rules (``lrkit.finder.valley``, ``minimum_over_10``,
``steepest``) against the peers' own code, on many curves.

The fastai oracle is fastai's source, verbatim: ``valley`` and ``minimum`` from
``fastai/callback/schedule.py``, ``AvgSmoothLoss`` (the Recorder's smoothing) from
``fastai/learner.py`` and the trimming lines of ``Learner.lr_find``, as shipped in fastai 2.8.12
(PyPI wheel; the same text is in fastai/fastai at commit 0a049e8a90b86d70860f68072698245a1ee787ca).
fastai is Copyright the fast.ai team, licensed under the Apache License 2.0. The copies are checked
against the installed package's source when fastai is installed. The torch-lr-finder oracle is its
installed package itself (``LRFinder.plot(suggest_lr=True)``) fed the smoothing loop of its
``range_test`` (torch-lr-finder 0.2.2, MIT license).

What holds: on a full sweep (as many points as ``num_it``) lrkit's valley and minimum/10 are
fastai's. lrkit trims a tenth of the curve it is given where fastai trims ``num_it // 10`` of the
planned sweep, so on a sweep that stopped early lrkit equals fastai run with ``num_it`` equal to
the points recorded (pinned below); the range-test peers in ``benchmarks/dev`` run fastai itself.
"""

from __future__ import annotations

import importlib.util
import inspect

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

from lrkit.finder import minimum_over_10, steepest, valley

# ---- fastai 2.8.12, verbatim (Apache-2.0) -------------------------------------------------------------
tensor = torch.tensor  # fastai.torch_core.tensor, for the float lists used here


def to_detach(b):  # fastai.torch_core.to_detach on a CPU tensor without gradient: the tensor itself
    return b


class Metric:
    pass


# fastai/callback/schedule.py
def valley(lrs:list, losses:list, num_it:int):  # noqa: E231, N816
    "Suggests a learning rate from the longest valley and returns its index"
    n = len(losses)
    max_start, max_end = 0,0

    # find the longest valley
    lds = [1]*n
    for i in range(1,n):
        for j in range(0,i):
            if (losses[i] < losses[j]) and (lds[i] < lds[j] + 1):
                lds[i] = lds[j] + 1
            if lds[max_end] < lds[i]:
                max_end = i
                max_start = max_end - lds[max_end]

    sections = (max_end - max_start) / 3
    idx = max_start + int(sections) + int(sections/2)

    return float(lrs[idx]), (float(lrs[idx]), losses[idx])


# fastai/callback/schedule.py
def minimum(lrs:list, losses:list, num_it:int):  # noqa: E231
    "Suggests a learning rate one-tenth the minumum before divergance and returns its index"
    lr_min = lrs[losses.argmin()].item()
    loss_idx = losses[min(range(len(lrs)), key=lambda i: abs(lrs[i]-lr_min))]
    return lr_min/10, (lr_min, loss_idx)


# fastai/learner.py
class AvgSmoothLoss(Metric):
    "Smooth average of the losses (exponentially weighted with `beta`)"
    def __init__(self, beta=0.98): self.beta,self.count,self.val = beta,0,tensor(0.)  # noqa: E231, E701
    def reset(self):               self.count,self.val = 0,tensor(0.)  # noqa: E231, E701
    def accumulate(self, learn):
        self.count += 1
        self.val = torch.lerp(to_detach(learn.loss.mean()), self.val, self.beta)
    @property
    def value(self): return self.val/(1-self.beta**self.count)  # noqa: E301, E701


# ---- end of fastai's code -----------------------------------------------------------------------------

fastai_valley, fastai_minimum = valley, minimum
del valley, minimum
from lrkit.finder import valley  # noqa: E402  (lrkit's, the function under test)


class _Batch:
    def __init__(self, loss: float) -> None:
        self.loss = torch.tensor(loss, dtype=torch.float64)


def fastai_suggestions(rec_lrs: list[float], raw: list[float], num_it: int) -> tuple[float, float]:
    """What ``learn.lr_find(suggest_funcs=(valley, minimum))`` returns for a recorded sweep."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # fastai smooths float32 batch losses; float64 here, as lrkit
    try:
        smooth = AvgSmoothLoss()
        smooth.reset()
        rec_losses = []
        for v in raw:  # Recorder.after_batch: accumulate, then record smooth_loss.value
            smooth.accumulate(_Batch(v))
            rec_losses.append(smooth.value)
        # Learner.lr_find, verbatim:
        lrs, losses = tensor(rec_lrs[num_it//10:-5]), tensor(rec_losses[num_it//10:-5])  # noqa: E226
        nan_idxs = torch.nonzero(torch.isnan(losses.view(-1)))
        if len(nan_idxs) > 0:
            drop_idx = min(nan_idxs)
            lrs = lrs[:drop_idx]
            losses = losses[:drop_idx]
        return fastai_valley(lrs, losses, num_it)[0], fastai_minimum(lrs, losses, num_it)[0], losses
    finally:
        torch.set_default_dtype(previous)


def sweep_lrs(n: int, num_it: int = 100, start: float = 1e-7, end: float = 10.0) -> np.ndarray:
    """fastai's LRFinder rates: ``SchedExp(start, end)`` at ``train_iter / num_it``."""
    return start * (end / start) ** (np.arange(n) / num_it)


def _separated(s: torch.Tensor) -> bool:
    """No two smoothed values within float rounding of each other (the two orders of float
    operations, fastai's lerp and lrkit's EMA, may break such a near-tie differently)."""
    v = np.sort(s.numpy())
    return bool(v.size < 2 or np.min(np.diff(v)) > 1e-10 * max(1.0, float(np.max(np.abs(v)))))


_AXES: dict = {}  # one matplotlib Axes, cleared per example (a new Figure each time is slow)

curves = st.one_of(
    st.lists(st.floats(0.01, 10.0), min_size=20, max_size=100),  # arbitrary
    st.builds(  # range-test shaped: plateau, descent, blow-up, noise
        lambda n, drop, at, blow, noise, seed: list(
            2.0 - drop / (1 + np.exp(-(np.arange(n) - at) / 4.0)) + np.exp((np.arange(n) - blow) / 6.0)
            + np.random.default_rng(seed).normal(0.0, noise, n)
        ),
        st.integers(20, 100), st.floats(0.1, 1.8), st.integers(5, 60), st.integers(40, 110),
        st.floats(0.0, 0.2), st.integers(0, 10**6),
    ),
)


@given(curves)
def test_valley_and_minimum_are_fastais_on_a_full_sweep(raw):
    n = len(raw)
    lrs = sweep_lrs(n, num_it=n)
    want_valley, want_minimum, s = fastai_suggestions(list(lrs), raw, num_it=n)
    assume(_separated(s))
    got_valley, got_minimum = valley(lrs, raw), minimum_over_10(lrs, raw)
    if got_valley.lr is None:  # lrkit's documented no-answer: the curve never falls (fastai: idx 0)
        assert want_valley == pytest.approx(lrs[n // 10], rel=1e-12)
    else:
        assert got_valley.lr == pytest.approx(want_valley, rel=1e-9)
    if got_minimum.lr is None:  # lowest at the first point (fastai: the first rate / 10)
        assert want_minimum == pytest.approx(lrs[n // 10] / 10, rel=1e-12)
    else:
        assert got_minimum.lr == pytest.approx(want_minimum, rel=1e-9)


@given(curves)
def test_an_early_stopped_sweep_is_trimmed_by_its_own_length_not_by_num_it(raw):
    """lrkit on a sweep that stopped after ``len(raw) < 100`` points == fastai with ``num_it=len(raw)``."""
    n = len(raw)
    assume(n < 100)
    lrs = sweep_lrs(n, num_it=100)
    want_valley, want_minimum, s = fastai_suggestions(list(lrs), raw, num_it=n)
    assume(_separated(s))
    got = valley(lrs, raw).lr, minimum_over_10(lrs, raw).lr
    if got[0] is not None:
        assert got[0] == pytest.approx(want_valley, rel=1e-9)
    if got[1] is not None:
        assert got[1] == pytest.approx(want_minimum, rel=1e-9)


def test_the_early_stop_difference_is_real():
    """A sweep stopped after 60 of 100 points: fastai trims 10 points, lrkit 6, and their valleys differ."""
    steps = np.arange(60)
    raw = list(2.0 - 1.0 / (1 + np.exp(-(steps - 12) / 3.0)) + np.random.default_rng(0).normal(0, 0.05, 60))
    lrs = sweep_lrs(60, num_it=100)
    fastai_100, fastai_60 = (fastai_suggestions(list(lrs), raw, num_it=k)[0] for k in (100, 60))
    assert valley(lrs, raw).lr == pytest.approx(fastai_60, rel=1e-9)
    assert valley(lrs, raw).lr == pytest.approx(2.09e-5, rel=1e-2)
    assert fastai_100 == pytest.approx(3.02e-5, rel=1e-2)


@pytest.mark.skipif(importlib.util.find_spec("torch_lr_finder") is None,
                    reason="torch-lr-finder not installed")
@given(st.lists(st.floats(0.01, 10.0), min_size=17, max_size=100))
def test_steepest_is_torch_lr_finders_own_suggestion(raw):
    from matplotlib.figure import Figure
    from torch_lr_finder import LRFinder

    lrs = sweep_lrs(len(raw))
    history = []  # LRFinder.range_test's smoothing, smooth_f = 0.05
    for i, loss in enumerate(raw):
        if i > 0:
            loss = 0.05 * loss + (1 - 0.05) * history[-1]
        history.append(loss)
    assume(_separated(torch.tensor(np.gradient(np.array(history[10:-5])))))
    model = torch.nn.Linear(1, 1)
    finder = LRFinder(model, torch.optim.SGD(model.parameters(), lr=1e-7), torch.nn.MSELoss())
    finder.history = {"lr": list(lrs), "loss": history}
    ax = _AXES.setdefault("ax", Figure().add_subplot())
    ax.clear()
    _, want = finder.plot(ax=ax, suggest_lr=True)
    got = steepest(lrs, raw).lr
    assert got is not None and got == pytest.approx(want, rel=1e-9)


@pytest.mark.xdist_group(name="fastai-child")
def test_the_embedded_copies_are_the_installed_fastais_source(fastai_child):
    def code(src: str) -> list[str]:  # lines without comments and noqa markers
        return [ln.split("  # noqa")[0].rstrip() for ln in src.splitlines() if ln.strip()]

    for ours, theirs in zip((fastai_valley, fastai_minimum, AvgSmoothLoss), fastai_child["sources"]):
        assert code(inspect.getsource(ours)) == code(theirs)
