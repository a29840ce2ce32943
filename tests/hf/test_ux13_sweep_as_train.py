"""ux13 D5: ``lrkit.hf.find_lr(trainer)`` skips two of ``train()``'s set-ups that change what one update is.

integrations.md: "`find_lr(trainer)` sweeps what `trainer.train()` would train". ``train()`` turns on
activation (gradient) checkpointing (``gradient_checkpointing=True``: memory; a model that fits only with
it runs out of memory in the sweep) and attaches NEFTune's noise hook to the input embeddings
(``neftune_noise_alpha``: the loss trained on); the sweep ran with neither (a tiny GPT-2 on stdlib text:
suggestion 0.00625 without the noise vs 0.00475 / 0.00543 with train()'s hook at alpha 5 / 15).
Expected: both as in training during the sweep, and both as before afterwards.
"""

from __future__ import annotations

import pytest

pytest.importorskip("transformers")

from lrkit.finder import Sweep  # noqa: E402
from lrkit.hf import find_lr  # noqa: E402


def test_the_sweep_trains_with_checkpointing_and_neftune_as_train_does(trainer_factory):
    trainer = trainer_factory(gradient_checkpointing=True, neftune_noise_alpha=5.0)
    model = trainer.model
    embeddings = model.get_input_embeddings()
    before = (model.is_gradient_checkpointing, len(embeddings._forward_hooks))
    seen = []

    def on_step(step, lr, loss):
        seen.append((model.is_gradient_checkpointing, len(embeddings._forward_hooks)))

    find_lr(trainer, sweep=Sweep(num_steps=10), interval=False, retry=False, on_step=on_step)
    assert seen and all(checkpointing and hooks >= 1 for checkpointing, hooks in seen), seen[:2]
    assert (model.is_gradient_checkpointing, len(embeddings._forward_hooks)) == before
