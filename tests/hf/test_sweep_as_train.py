"""``lrkit.hf.find_lr`` sweeps with ``train()``'s activation checkpointing and NEFTune, both off after.

The reference for NEFTune is the hook attached by hand with transformers' own ``activate_neftune``: the sweep
given ``neftune_noise_alpha`` reads the same losses bit for bit, and not those of the sweep without it; a
model whose checkpointing the user turned on keeps it, hooks and all (ux13 D5:
``test_ux13_sweep_as_train.py``).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("transformers")
torch = pytest.importorskip("torch")

from lrkit.finder import Sweep  # noqa: E402
from lrkit.hf import find_lr  # noqa: E402

KW = dict(sweep=Sweep(num_steps=10), interval=False, retry=False)


def _losses(trainer) -> np.ndarray:
    torch.manual_seed(0)
    return find_lr(trainer, **KW).losses


def test_the_neftune_sweep_reads_the_losses_of_the_hook_attached_by_hand(trainer_factory):
    from transformers.integrations.neftune import activate_neftune, deactivate_neftune

    given = _losses(trainer_factory(neftune_noise_alpha=5.0))
    trainer = trainer_factory()
    handle = activate_neftune(trainer.model, 5.0)
    by_hand = _losses(trainer)
    deactivate_neftune(trainer.model, handle)
    plain = _losses(trainer_factory())
    np.testing.assert_array_equal(given, by_hand)
    assert not np.array_equal(given, plain)


def test_checkpointing_the_user_turned_on_stays_on_with_its_hooks(trainer_factory):
    trainer = trainer_factory(gradient_checkpointing=True)
    model = trainer.model
    model.activation_checkpointing_enable()
    hooks = dict(model.get_input_embeddings()._forward_hooks)
    find_lr(trainer, **KW)
    assert model.is_activation_checkpointing and dict(model.get_input_embeddings()._forward_hooks) == hooks


def test_a_plain_module_asked_for_checkpointing_and_neftune_is_left_to_train(trainer_factory):
    from lrkit.hf._train_setup import as_in_train

    trainer = trainer_factory(model=torch.nn.Linear(2, 1), gradient_checkpointing=True,
                              neftune_noise_alpha=5.0)
    with as_in_train(trainer):  # no such methods: train() fails on these arguments and says so
        assert not trainer.model._forward_hooks
