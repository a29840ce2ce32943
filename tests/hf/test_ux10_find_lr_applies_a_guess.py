"""``lrkit.hf.find_lr(trainer, apply=True)`` applies the finder's "guess, not a measurement" silently
(session-10 new-user probe, ux; ``/work/notes/ux10/REPORT.md``; owner finder, ``lrkit/hf``).

A ``Trainer`` on digits (an MLP returning ``{"loss", "logits"}``, AdamW, ``learning_rate=5e-5``) whose
training set holds one sample with a NaN pixel (``/work/notes/ux10/hf_find_nan.py``): the sweep meets
the NaN and answers 4.3e-07 (2.5e-09 on the smaller set here) with the reason "a guess, not a
measurement" (``meta["source"] == "blow-up fallback"``), and ``apply=True`` sets that
``learning_rate`` with no warning. docs/integrations.md: "``find_lr(trainer, apply=True)`` #
learning_rate <- the suggestion (none: unchanged, with a warning)". A guess is the finder saying it
has no measurement; applying it unannounced trains the run at whatever the guess is. Expected: the
rate left unchanged with a warning (as for no suggestion), or applied with a warning that says it is
a guess. (``tune`` uses the same guess unannounced: D16.)

Fixed: a result whose ``meta["source"]`` is ``lrkit.finder.GUESS_SOURCE`` is not applied, with a warning
saying it is only a guess (the Lightning ``LearningRateFinder`` the same).
"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from transformers import Trainer  # noqa: E402

from lrkit.hf import find_lr  # noqa: E402


def test_a_guess_is_not_applied_silently(tmp_path, dict_parts):
    torch.manual_seed(0)
    args = dict_parts.args(tmp_path, max_steps=50, per_device_train_batch_size=16, learning_rate=5e-5, seed=0)
    rows = dict_parts.rows(512, lambda x: (x[:, 0] > 0).long() + (x[:, 1] > 0).long(), nan_at=5)
    trainer = Trainer(model=dict_parts.model(hidden=16), args=args, train_dataset=rows)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = find_lr(trainer, apply=True)
    if result.suggestion is not None and not result.is_guess:  # since ux12 D12: no suggestion
        source = result.meta.get("source")
        pytest.fail(f"the premise moved: the sweep measured {result.suggestion} ({source})")
    messages = [str(w.message) for w in caught]
    said = [m for m in messages if "guess" in m]
    assert trainer.args.learning_rate == 5e-5 or said, (trainer.args.learning_rate, messages)
