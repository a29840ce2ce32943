"""``tune`` of a task whose first loss is NaN, before any update, does not advise searching lower rates
(session-15 new-user probe, ux; ``/work/notes/ux15/REPORT.md`` D4, medium).

A script whose first training batch holds a NaN (``lrkit tune --script base.py:nan --budget 60 --trials 4``,
``/work/notes/ux15/scripts/base.py``): the finder refuses ("the first loss of find_lr must be finite; got nan
at lr=1e-07, before the rate can have had an effect: check the model, loss_fn and data"), tune falls back to
1e-05..10, every trial "diverges" at step 0 (``lrkit train --script`` of the same task: "diverged at step 0",
exit 0), and the answer is "no trial ... completed: 4 diverged ...; the lowest rate tried, 1.29e-05, diverged
too: search a range below it (space lr) in a new study ...; a loss that turns NaN at any rate points at the
data, the loss or the model instead". A loss that is NaN before the first update is no rate's: the advice to
search lower is the wrong direction, and the Autopilot and ``find_lr`` refuse the same input in one line.
Expected: tune refuses in one LRKitError naming the first loss, or its answer names the first loss, not
sending the user to lower rates.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import lrkit  # noqa: E402
from lrkit.tuning import Storage, tune  # noqa: E402


def _task(seed: int) -> dict:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(128, 4, generator=g)
    y = (x[:, 0] > 0).long()
    x[0, 0] = float("nan")  # the first training batch holds one NaN sample
    torch.manual_seed(seed)
    model = torch.nn.Linear(4, 2)
    return dict(model=model, optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                loss_fn=torch.nn.CrossEntropyLoss(),
                train_loader=[(x[i:i + 32], y[i:i + 32]) for i in range(0, 96, 32)],
                val_loader=[(x[96:], y[96:])])


def test_a_nan_first_loss_is_not_sent_to_lower_rates(tmp_path):
    torch.set_num_threads(1)
    try:
        r = tune(_task, n_trials=2, budget=20, storage=Storage(out=str(tmp_path)), pruner="none")
    except lrkit.LRKitError as e:
        assert "first" in str(e) and "finite" in str(e), str(e)
        return
    why = r.why_no_best or ""
    assert "search a range below" not in why, why
    assert "first" in why, why
