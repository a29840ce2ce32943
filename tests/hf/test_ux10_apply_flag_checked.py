"""``lrkit.hf.find_lr(trainer, apply="false")`` applies the rate (session-10 new-user probe, ux;
``/work/notes/ux10/REPORT.md``; owner finder, ``lrkit/hf`` and ``lrkit/lightning``).

A flag read from a config file or the command line arrives as a string: ``find_lr(trainer,
apply="false")`` set ``learning_rate`` from 5e-5 to the suggestion (0.12), because any non-empty string is
true; ``lrkit.lightning.LearningRateFinder(update_attr="no")`` is accepted the same way. The brief's bad
input rule (one ``LRKitError`` naming the parameter, the value and what is allowed, before anything
changes) is kept elsewhere for the same kind of flag: ``Watchdog(report="yes")``, ``LRScheduler(
per_update="yes")`` and ``Watchdog(across_ranks=...)`` go through ``check_flag`` (ux7). Expected: an
``LRKitError`` naming ``apply`` before the sweep, the Trainer's rate unchanged.

Fixed: both flags go through ``check_flag`` before anything runs.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from transformers import Trainer  # noqa: E402

from lrkit import LRKitError  # noqa: E402
from lrkit.hf import find_lr  # noqa: E402


def test_apply_must_be_a_bool(tmp_path, dict_parts):
    args = dict_parts.args(tmp_path, max_steps=50, per_device_train_batch_size=16, learning_rate=5e-5)
    rows = dict_parts.rows(256, lambda x: (x[:, 0] > 0).long())
    trainer = Trainer(model=dict_parts.model(), args=args, train_dataset=rows)
    with pytest.raises(LRKitError, match="apply"):
        find_lr(trainer, apply="false")
    assert trainer.args.learning_rate == 5e-5


def test_update_attr_must_be_a_bool():
    pytest.importorskip("lightning")
    from lrkit.lightning import LearningRateFinder

    with pytest.raises(LRKitError, match="update_attr"):
        LearningRateFinder(update_attr="no")
