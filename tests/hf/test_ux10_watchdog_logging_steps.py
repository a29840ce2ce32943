"""``Watchdog.hf_callback()`` on a Trainer that logs no loss (session-10 new-user probe, ux;
``/work/notes/ux10/REPORT.md``; owner: whoever owns ``torch/_watchdog.py``).

The callback is fed from the Trainer's logs, and docs/watch.md says "set ``logging_steps=1``". A user
who adds the callback to an existing script keeps ``TrainingArguments``' default ``logging_steps=500``:
on a run of 300 updates at ``learning_rate=3.0`` (a digits MLP that died in its first 16 updates) the
watchdog saw nothing, stopped nothing, and ended with ``wd.diagnosis is None``, without a word. A
watchdog that watches nothing should say so: expected, a warning at the end of training (or at its
start, from ``args``) naming ``logging_steps`` and what to set.
"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from transformers import Trainer  # noqa: E402

from lrkit.torch import Watchdog  # noqa: E402


def _trainer(out, parts, wd: Watchdog, **logging) -> Trainer:
    args = parts.args(out, max_steps=20, per_device_train_batch_size=8, learning_rate=0.1, **logging)
    return Trainer(model=parts.model(), args=args, train_dataset=parts.rows(64), callbacks=[wd.hf_callback()])


def test_a_watchdog_fed_no_loss_says_so(tmp_path, dict_parts):
    torch.manual_seed(0)
    wd = Watchdog(every=10, report=None)
    trainer = _trainer(tmp_path, dict_parts, wd)  # logging_steps: the default (500)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trainer.train()
    assert wd.diagnosis is None  # it saw nothing (today, and after the fix)
    said = [str(w.message) for w in caught if "logging_steps" in str(w.message)]
    assert said, [str(w.message) for w in caught]
    assert "here 500 of 20" in said[0] and "logging_steps=1" in said[0], said


def test_a_watchdog_fed_every_step_is_quiet(tmp_path, dict_parts):
    torch.manual_seed(0)
    wd = Watchdog(every=10, report=None)
    trainer = _trainer(tmp_path, dict_parts, wd, logging_steps=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trainer.train()
    assert wd.diagnosis is not None
    assert not [w for w in caught if "logging_steps" in str(w.message)]
