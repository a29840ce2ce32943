"""The pace needs a history spanning ten of the optimizer's own transients (``diagnose``'s ``momentum``).

``DiagnosePolicy.slow_min_updates = 100`` is ten transients ``1/(1 - beta1)`` at ``beta1 = 0.9``. Adam at
``beta1 = 0.99`` takes ten times longer to reach its pace: on the digits probe (MLP 64-64-64-10, batch 32,
1,500 updates; ``/work/notes/ux10/wd_flip.py``'s task) its best rates by validation loss (3e-4, 1e-3) read
"raise" at 100, 150, 300 and 500 losses without the optimizer's momentum, and "keep" with it. Plain SGD
(momentum 0) keeps the floor of 100: its best rates' first 50 losses read "raise" over a span of ten of its
own transients (a network's own first steps are a transient too).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import lrkit
from lrkit.diagnostics import DiagnosePolicy, Monitor
from lrkit.diagnostics._decide import pace_updates
from lrkit.errors import LRKitError
from lrkit.torch import Watchdog

# Adam(lr=1e-3, betas=(0.99, 0.999)), seed 1: the losses of updates 0..149 (validation 0.385 at 1,500)
_ADAM_099 = [
    2.3071, 2.3011, 2.305, 2.2917, 2.2955, 2.3129, 2.2974, 2.2769, 2.2836, 2.2899, 2.251, 2.2519, 2.2675,
    2.2695, 2.2594, 2.239, 2.2371, 2.2505, 2.2411, 2.2567, 2.2392, 2.2153, 2.2242, 2.2274, 2.2513, 2.2369,
    2.2408, 2.2379, 2.2046, 2.2183, 2.1794, 2.2286, 2.19, 2.1969, 2.192, 2.175, 2.1357, 2.1419, 2.1505,
    2.1274, 2.1245, 2.1372, 2.1214, 2.1381, 2.1081, 2.0849, 2.1034, 2.1221, 2.0637, 2.0603, 2.0198, 2.0367,
    2.0622, 2.0457, 1.9834, 1.9216, 2.0457, 1.9782, 2.0026, 1.9175, 1.8985, 2.0083, 1.95, 1.877, 1.8056,
    1.9107, 1.9336, 1.8964, 1.7968, 1.8805, 1.9463, 1.8508, 1.7687, 1.7378, 1.7112, 1.8106, 1.7011, 1.8047,
    1.764, 1.7588, 1.7013, 1.6556, 1.6397, 1.6869, 1.607, 1.644, 1.618, 1.5437, 1.5637, 1.614, 1.6784,
    1.5101, 1.513, 1.4657, 1.3987, 1.3617, 1.5355, 1.56, 1.3836, 1.4994, 1.3102, 1.427, 1.453, 1.3314,
    1.4918, 1.1765, 1.3866, 1.2745, 1.2925, 1.2779, 1.2844, 1.1632, 1.3372, 1.1955, 1.282, 1.0941, 1.2809,
    1.2596, 1.1394, 1.1147, 1.1113, 1.0605, 1.0826, 1.1846, 1.0892, 1.0133, 0.9892, 1.0341, 1.0278, 0.9249,
    0.9636, 0.7944, 0.9003, 0.8997, 1.0162, 0.8385, 0.8415, 0.997, 1.0397, 0.8357, 0.8649, 0.8047, 0.7958,
    0.7489, 0.8591, 0.8001, 0.8478, 0.784, 0.6553, 0.6797]

# SGD(lr=0.1, momentum=0), seed 0: the losses of updates 0..49 (validation 0.348 at 1,500: the best rate)
_SGD_0 = [
    2.313, 2.2875, 2.3123, 2.2964, 2.2849, 2.288, 2.2829, 2.3208, 2.3007, 2.3086, 2.2884, 2.2822, 2.2833,
    2.2801, 2.279, 2.2749, 2.251, 2.2859, 2.2646, 2.2594, 2.2732, 2.2542, 2.2399, 2.2625, 2.2519, 2.2485,
    2.2542, 2.2483, 2.251, 2.2329, 2.2352, 2.2323, 2.2451, 2.2318, 2.233, 2.2227, 2.2079, 2.2269, 2.2085,
    2.2015, 2.1916, 2.1975, 2.2112, 2.1849, 2.1801, 2.1928, 2.165, 2.1334, 2.1579, 2.1169]


def test_adam_at_beta1_099_is_not_told_to_raise_its_best_rate():
    y, lrs = np.array(_ADAM_099), np.full(len(_ADAM_099), 1e-3)
    assert lrkit.diagnose(y, lrs).direction == "raise"  # 150 updates: ten transients at 0.9, 1.5 at 0.99
    d = lrkit.diagnose(y, lrs, momentum=0.99)
    assert d.direction != "raise" and d.runner_up == "too_low_slow", d.recommendation
    assert any("under the 1000 a reading of the pace needs" in e.detail for e in d.evidence)


def test_no_momentum_keeps_the_floor():
    y, lrs = np.array(_SGD_0), np.full(len(_SGD_0), 0.1)
    assert lrkit.diagnose(y, lrs, momentum=0.0).direction != "raise"
    off = DiagnosePolicy(slow_min_updates=0)  # ten of its own transients: 10 updates
    assert lrkit.diagnose(y, lrs, momentum=0.0, policy=off).direction == "raise"


def test_pace_updates_scales_with_the_transient():
    p = DiagnosePolicy()
    spans = [pace_updates(p, m) for m in (None, 0.0, 0.5, 0.9, 0.99, 0.999)]
    assert spans == [100, 100, 100, 100, 1000, 10000]
    assert pace_updates(DiagnosePolicy(slow_transients=0), 0.99) == 100


@pytest.mark.parametrize("bad", [1.0, -0.1, float("nan"), "0.9"])
def test_a_momentum_outside_0_1_is_refused(bad):
    with pytest.raises(LRKitError, match="`momentum` of diagnose"):
        lrkit.diagnose(np.array(_SGD_0), momentum=bad)
    with pytest.raises(LRKitError, match="`momentum` of Monitor"):
        Monitor(momentum=bad)


def test_the_watchdog_reads_its_optimizers_momentum():
    w = torch.nn.Parameter(torch.zeros(2))
    adam = torch.optim.Adam([w], lr=1e-3, betas=(0.99, 0.999))
    assert Watchdog(optimizer=adam).monitor.momentum == 0.99
    assert Watchdog().monitor.momentum is None
    wd = Watchdog(every=10)
    for step, loss in enumerate(_ADAM_099):
        wd({"step": step, "loss": loss, "lr": 1e-3, "optimizer": adam})  # lrkit.tasks.train's callback info
    assert wd.monitor.momentum == 0.99 and wd.diagnosis.direction != "raise"
    with pytest.raises(LRKitError, match="`optimizer` of Watchdog"):
        Watchdog(optimizer="adam")
