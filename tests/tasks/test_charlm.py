"""charlm: the stdlib corpus, the window batches, the causal model and its loss."""

from __future__ import annotations

import math
import sysconfig
from pathlib import Path

import pytest
import torch

from lrkit import LRKitError
from lrkit.tasks import get_task
from lrkit.tasks._charlm import TRAIN_FILES, VAL_FILES, CharLM, WindowLoader, lm_loss, load_corpus


def test_the_file_lists_are_fixed_sorted_disjoint_and_present():
    assert list(TRAIN_FILES) == sorted(TRAIN_FILES) and not set(TRAIN_FILES) & set(VAL_FILES)
    root = Path(sysconfig.get_paths()["stdlib"])
    assert all((root / f"{name}.py").is_file() for name in TRAIN_FILES + VAL_FILES)


def test_corpus_decodes_back_to_the_source_text():
    c = get_task("charlm-small").corpus
    root = Path(sysconfig.get_paths()["stdlib"])
    text = "".join(c.vocab[i] for i in c.train.tolist())
    assert text.startswith((root / "abc.py").read_text(encoding="utf-8"))
    assert c.vocab == "".join(sorted(set(c.vocab))) and c.train.max() < len(c.vocab)
    assert len(c.val) == len((root / "sched.py").read_text(encoding="utf-8"))


def test_missing_module_is_reported():
    with pytest.raises(LRKitError, match="charlm needs the stdlib module no_such_module_xyz.py"):
        load_corpus(("no_such_module_xyz",), ("abc",))


def test_windows_are_shifted_by_one_and_reproducible():
    tokens = torch.arange(1000)
    a = WindowLoader(tokens, 16, 4, shuffle=True, seed=3)
    b = WindowLoader(tokens, 16, 4, shuffle=True, seed=3)
    assert len(a) == 999 // 16 // 4
    for (xa, ya), (xb, yb) in zip(a, b):
        assert xa.shape == (4, 16) and torch.equal(xa, xb) and torch.equal(ya, yb)
        assert torch.equal(xa[:, 1:], ya[:, :-1]) and torch.equal(ya - xa, torch.ones_like(xa))
    first, second = next(iter(a)), next(iter(a))
    assert not torch.equal(first[0], second[0])  # a new draw each epoch
    val = WindowLoader(tokens, 16, 8, shuffle=False, max_windows=20)
    starts = torch.cat([x[:, 0] for x, _ in val])
    assert starts.tolist() == list(range(0, 320, 16))  # consecutive, non-overlapping, fixed


def test_model_is_causal():
    torch.manual_seed(0)
    model = CharLM(20, d_model=16, n_layer=2, n_head=2, context=12).eval()
    x = torch.randint(0, 20, (2, 12))
    y = x.clone()
    y[:, 7:] = (y[:, 7:] + 1) % 20  # change only the future
    with torch.no_grad():
        torch.testing.assert_close(model(x)[:, :7], model(y)[:, :7])
        assert not torch.allclose(model(x)[:, 7:], model(y)[:, 7:])


def test_lm_loss_is_mean_nats_per_character():
    logits = torch.randn(2, 5, 7)
    target = torch.randint(0, 7, (2, 5))
    manual = -torch.log_softmax(logits, -1).gather(-1, target[..., None]).mean()
    torch.testing.assert_close(lm_loss(logits, target), manual)
    # An untrained model predicts about uniformly: val_loss near ln(vocab).
    task = get_task("charlm-small")
    parts = task.build(0)
    assert task.evaluate(parts["model"], parts["val_loader"])["val_loss"] == pytest.approx(
        math.log(len(task.corpus.vocab)), abs=0.05)


def test_full_charlm_has_the_issue_architecture():
    task = get_task("charlm")
    model = task._model()
    assert len(model.blocks) == 2 and model.tok.embedding_dim == 128 and model.context == 128
    assert model.blocks[0].n_head == 4
    assert task.info.n_params == sum(p.numel() for p in model.parameters())
    assert "sha256" in task.info.data and f"vocab {len(task.corpus.vocab)}" in task.info.data


def test_charlm_small_learns():
    from lrkit.tasks import train

    r = train("charlm-small", lr=1e-2, budget=40)
    assert r.final["val_loss"] < r.history[0]["train_loss"] - 1.0
