"""The fine-tuning family's pretrained weights: stored files match their manifest, the recipes
reproduce their first steps (fast) and their whole run (slow), and the workloads load them."""

from __future__ import annotations

import hashlib
from importlib import resources

import pytest
import torch

from lrkit import LRKitError, zoo
from lrkit.zoo._pretrained import manifest

NAMES = sorted(zoo.RECIPES)


@pytest.mark.parametrize("name", NAMES)
def test_stored_file_matches_its_checksum_and_is_small(name):
    entry = manifest()[name]
    data = resources.files("lrkit.zoo").joinpath("weights", entry["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert len(data) == entry["bytes"] < 1_000_000
    assert entry["recipe"]["steps"] == zoo.RECIPES[name].steps
    state = zoo.load_pretrained(name)
    assert all(torch.isfinite(v).all() for v in state.values() if v.is_floating_point())


@pytest.mark.parametrize("name", NAMES)
def test_the_recipe_reproduces_its_first_steps(name):
    _, losses = zoo.pretrain(name, steps=3)
    assert losses == pytest.approx(manifest()[name]["first_losses"][:3], rel=1e-4)


def test_the_pretrained_body_is_what_finetuning_starts_from():
    a = zoo.get("finetune-cnn-momentum").build(0)["model"]
    b = zoo.get("finetune-cnn-adam").build(1)["model"]
    for (k, va), vb in zip(a.body.state_dict().items(), b.body.state_dict().values()):
        assert torch.equal(va, vb), k  # the same pretrained body whatever the seed
    assert not torch.equal(a.head.weight, b.head.weight)  # the head is new, set by the seed


def test_pretraining_helps_the_cnn():
    # The pretrained body is already a useful feature extractor: the untrained fine-tuning model
    # (new head only) is at chance, and 30 updates from it beat 30 updates from scratch.
    from lrkit.tasks import train
    from lrkit.zoo import DigitCNN

    w = zoo.get("finetune-cnn-adam")
    tuned = train(w, lr=1e-3, budget=30).metric
    scratch = zoo.ArrayWorkload("scratch", arrays=lambda: w.tensors, model=lambda: DigitCNN(5),
                                loss="cross_entropy", family="x", summary="", data="", optimizer="adam",
                                batch_size=32, budget=30, metric="val_acc")
    assert tuned > train(scratch, lr=1e-3, budget=30).metric + 0.1


def test_unknown_recipe():
    with pytest.raises(LRKitError, match="did you mean 'digit-cnn'"):
        zoo.pretrain("digit-cn")


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_the_whole_recipe_reproduces_the_stored_weights(name, tmp_path):
    entry = zoo.save_pretrained(name, tmp_path)
    stored = manifest()[name]
    assert entry["final_loss"] == pytest.approx(stored["final_loss"], rel=0.05)
    if entry["sha256"] != stored["sha256"]:  # another CPU may round differently; the weights stay close
        fresh, kept = torch.load(tmp_path / entry["file"], weights_only=True), zoo.load_pretrained(name)
        assert fresh.keys() == kept.keys()
