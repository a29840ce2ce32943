"""ux13 D1: ``lrkit.hf.find_lr(trainer, validation=True)`` on a Trainer whose ``eval_dataset`` is a dict
(``Trainer`` evaluates each; the docs' validation mode reads "the Trainer's eval_dataset") raised a bare
``KeyError: 0`` from inside torch's DataLoader (the dict indexed as a dataset). Now one ``LRKitError``
naming the datasets and the way out, before anything is built; the Trainer is left as it was."""

from __future__ import annotations

import pytest

pytest.importorskip("transformers")

from lrkit import LRKitError  # noqa: E402
from lrkit.hf import find_lr  # noqa: E402


def test_a_dict_of_eval_datasets_is_one_error_naming_them(trainer_factory):
    trainer = trainer_factory(eval_data=True)
    rows = trainer.eval_dataset
    trainer.eval_dataset = {"near": rows[:16], "far": rows[16:]}
    before = dict(vars(trainer))
    with pytest.raises(LRKitError, match=r"eval_dataset is a dict of 2 \('near', 'far'\): set "
                                         r"trainer.eval_dataset to one of them") as info:
        find_lr(trainer, validation=True)
    assert "\n" not in str(info.value)
    assert trainer.optimizer is None and vars(trainer).keys() == before.keys()
    trainer.eval_dataset = trainer.eval_dataset["near"]  # the way out the message names works
    result = find_lr(trainer, validation={"every": 2, "batches": 1}, interval=False, retry=False)
    assert len(result.losses) > 0
