"""``Watchdog.hf_callback`` gives the diagnosis the Trainer's ``adam_beta1`` (the momentum of the optimizer
it built): the pace is read only over ten of its transients
(``tests/diagnostics/test_momentum_transient.py``)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from transformers import Trainer  # noqa: E402

from lrkit.torch import Watchdog  # noqa: E402


def test_the_hf_callback_reads_adam_beta1(tmp_path, dict_parts):
    torch.manual_seed(0)
    wd = Watchdog(every=10, report=None)
    args = dict_parts.args(tmp_path, max_steps=12, per_device_train_batch_size=8, learning_rate=0.01,
                           logging_steps=1, adam_beta1=0.95)
    Trainer(model=dict_parts.model(), args=args, train_dataset=dict_parts.rows(96),
            callbacks=[wd.hf_callback()]).train()
    assert wd.monitor.momentum == 0.95 and wd.diagnosis is not None
