"""``Watchdog.hf_callback`` records the rate in group 0's units, the library's convention: the Trainer
logs ``learning_rate`` as group 0's, which is the convention's rate except where group 0 is frozen at
``lr=0`` (a fine-tune's backbone listed first): there the log says 0 for the whole run, and the watchdog's
diagnosis set the rate column aside ("log the rate of a group that trains"). The callback now reads the
first group above 0, as ``LRScheduler``, the advice and the Lightning callback do."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from transformers import Trainer, TrainerCallback  # noqa: E402

from lrkit.torch import Watchdog  # noqa: E402
from lrkit.torch._retune import schedule_group  # noqa: E402


def _run(tmp_path, dict_parts, rates: tuple[float, float]) -> tuple[np.ndarray, list[float]]:
    """The watchdog's rates and the Trainer's logged ``learning_rate`` over 12 updates."""
    torch.manual_seed(0)
    model = dict_parts.model(hidden=16)
    first, last = model.net[0], model.net[2]
    opt = torch.optim.SGD([{"params": first.parameters(), "lr": rates[0]},
                           {"params": last.parameters(), "lr": rates[1]}])
    wd = Watchdog(every=5, report=None)
    logged: list[float] = []

    class Log(TrainerCallback):  # the Trainer's own logged rates, side by side
        def on_log(self, args, state, control, logs=None, **kw):
            if logs and "learning_rate" in logs:
                logged.append(logs["learning_rate"])

    args = dict_parts.args(tmp_path, max_steps=12, per_device_train_batch_size=8, logging_steps=1)
    Trainer(model=model, args=args, train_dataset=dict_parts.rows(96), optimizers=(opt, None),
            callbacks=[wd.hf_callback(), Log()]).train()
    assert schedule_group(opt) == (1 if rates[0] == 0 else 0)
    return wd.monitor.history()["lrs"], logged


def test_group_0_frozen_at_0_records_the_first_group_above_0(tmp_path, dict_parts, step_log):
    lrs, logged = _run(tmp_path, dict_parts, (0.0, 0.05))
    assert logged == [0.0] * 12  # the Trainer logs group 0's rate: 0
    # the rate each update gave group 1 (the Trainer's linear decay from 0.05)
    assert lrs.tolist() == [rates[1] for rates in step_log] and lrs[0] == 0.05 and lrs[-1] > 0


def test_head_first_groups_record_group_0s_rate_as_logged(tmp_path, dict_parts):
    lrs, logged = _run(tmp_path, dict_parts, (0.1, 0.001))  # the body (group 1) is the reference group
    assert lrs.tolist() == logged and 0.09 < lrs[0] <= 0.1  # group 0's scale, not the body's 0.001
