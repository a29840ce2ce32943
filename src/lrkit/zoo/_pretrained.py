"""Networks pretrained inside the project, for the fine-tuning family: recipes, stored weights, loading.

Two recipes, each deterministic (seed 0, one torch thread) and cheap enough to re-run:

* ``digit-cnn``: :class:`~lrkit.zoo.DigitCNN` trained on digits 0-4 (the training split of
  :func:`lrkit.zoo._data.digits`), Adam at 1e-3, batch 64, :data:`RECIPES` ``["digit-cnn"].steps``
  updates, plain cross-entropy. Fine-tuning keeps its ``body`` and puts a new head on digits 5-9.
* ``char-bert``: a BERT encoder built from a ``transformers.BertConfig`` (:data:`BERT_CONFIG`: 2
  layers, width 64, 4 heads, 99 characters; nothing downloaded), trained as a masked language
  model on windows of :data:`BERT_LENGTH` characters of :data:`PRETRAIN_FILES` (stdlib modules that
  no zoo task reads): 15% of the characters chosen, 80% of those replaced by the mask id, 10% by a
  random character, 10% kept (BERT's rule); AdamW at 1e-3 (weight decay 0.01), batch 32, linear
  warmup over the first 10% of the updates. Fine-tuning keeps the encoder (``BertModel``) and puts
  BERT's classification head on it (the pooler is trained from its pretrained state).

The weights are package data (``lrkit/zoo/weights/NAME.pt``, ``torch.save`` of a state dict, each
well under 1 MB) with ``manifest.json``: the file's SHA-256, the recipe's first losses (a fast
test re-runs those steps) and its cost. :func:`save_pretrained` rewrites both from the recipe.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import time
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lrkit.errors import LRKitError, unknown_name
from lrkit.tasks import one_thread
from lrkit.zoo._data import digits
from lrkit.zoo._models import DigitCNN
from lrkit.zoo._text import CHAR_VOCAB, CLS, MASK, PAD, encode_chars, read_module

__all__ = ["BERT_CONFIG", "PRETRAIN_FILES", "RECIPES", "char_bert", "load_pretrained", "pretrain",
           "save_pretrained"]

#: Stdlib modules the character BERT is pretrained on (disjoint from every zoo task's text).
PRETRAIN_FILES: tuple[str, ...] = ("_pydecimal", "turtle", "xml/dom/minidom", "codecs", "socket", "ssl", "os",
                                   "plistlib", "trace", "pstats")
#: Characters per pretraining window (the classification token included).
BERT_LENGTH = 48
#: The ``transformers.BertConfig`` keyword arguments of the character BERT.
BERT_CONFIG: dict[str, Any] = dict(
    vocab_size=4 + len(CHAR_VOCAB), hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
    intermediate_size=128, max_position_embeddings=64, type_vocab_size=1, pad_token_id=PAD,
)
#: Digit classes the CNN is pretrained on (fine-tuning uses the others).
PRETRAIN_DIGITS: tuple[int, ...] = (0, 1, 2, 3, 4)
#: BERT's masked-LM recipe (Devlin et al. 2019, section 3.1): 15% of the characters are predicted; of
#: those, a draw below 0.8 shows [MASK], from 0.8 below 0.9 a random character, above 0.9 the true one.
MLM_SHARE, MASK_BELOW, RANDOM_BELOW = 0.15, 0.8, 0.9


@dataclasses.dataclass(frozen=True)
class Recipe:
    """A pretraining recipe: its name, full length (updates), batch size and peak rate."""

    name: str
    steps: int
    batch_size: int
    lr: float


RECIPES: dict[str, Recipe] = {
    "digit-cnn": Recipe("digit-cnn", steps=600, batch_size=64, lr=1e-3),
    "char-bert": Recipe("char-bert", steps=2000, batch_size=32, lr=1e-3),
}
_WEIGHTS = "weights"


def char_bert(num_labels: int | None = None) -> nn.Module:
    """A fresh character BERT: ``BertForMaskedLM`` (``num_labels=None``) or
    ``BertForSequenceClassification`` with ``num_labels`` classes (needs ``transformers``)."""
    try:
        import transformers
    except ImportError:  # pragma: no cover - transformers is in the dev extra
        raise LRKitError("the char-bert workloads need the `transformers` package "
                         "(pip install transformers).") from None
    if num_labels is None:
        return transformers.BertForMaskedLM(transformers.BertConfig(**BERT_CONFIG))
    return transformers.BertForSequenceClassification(
        transformers.BertConfig(**BERT_CONFIG, num_labels=num_labels))


def _mlm_batch(text: torch.Tensor, batch: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    starts = torch.randint(0, len(text) - BERT_LENGTH, (batch,), generator=gen)
    ids = torch.cat([torch.full((batch, 1), CLS), text[starts[:, None] + torch.arange(BERT_LENGTH - 1)]], 1)
    chosen = (torch.rand(ids.shape, generator=gen) < MLM_SHARE) & (ids != CLS)
    labels = torch.where(chosen, ids, torch.full_like(ids, -100))
    roll = torch.rand(ids.shape, generator=gen)
    random_chars = torch.randint(4, BERT_CONFIG["vocab_size"], ids.shape, generator=gen)
    ids = torch.where(chosen & (roll < MASK_BELOW), torch.full_like(ids, MASK), ids)
    ids = torch.where(chosen & (roll >= MASK_BELOW) & (roll < RANDOM_BELOW), random_chars, ids)
    return ids, labels


def _bert_recipe(recipe: Recipe, steps: int) -> tuple[dict[str, torch.Tensor], list[float]]:
    text = torch.as_tensor(encode_chars("\n".join(read_module(m) for m in PRETRAIN_FILES)))
    model = char_bert()
    opt = torch.optim.AdamW(model.parameters(), lr=recipe.lr, weight_decay=0.01)
    warm = max(1, recipe.steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: min(1.0, (t + 1) / warm))
    gen = torch.Generator().manual_seed(0)
    losses = []
    for _ in range(steps):
        ids, labels = _mlm_batch(text, recipe.batch_size, gen)
        loss = model(input_ids=ids, attention_mask=(ids != PAD).long(), labels=labels).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
    return {k: v.detach().clone() for k, v in model.bert.state_dict().items()}, losses


def _cnn_recipe(recipe: Recipe, steps: int) -> tuple[dict[str, torch.Tensor], list[float]]:
    x, y, _, _ = digits(PRETRAIN_DIGITS)
    model = DigitCNN(len(PRETRAIN_DIGITS))
    opt = torch.optim.Adam(model.parameters(), lr=recipe.lr)
    gen = torch.Generator().manual_seed(0)
    losses = []
    for _ in range(steps):
        rows = torch.randint(0, len(x), (recipe.batch_size,), generator=gen)
        loss = F.cross_entropy(model(x[rows]), y[rows])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    return {k: v.detach().clone() for k, v in model.body.state_dict().items()}, losses


def pretrain(name: str, steps: int | None = None) -> tuple[dict[str, torch.Tensor], list[float]]:
    """Run recipe ``name`` for ``steps`` updates (default: its full length), seed 0, one thread.

    Returns:
        The pretrained state dict (the CNN's ``body`` / the ``BertModel``) and the training loss of
        every update.

    Raises:
        LRKitError: for an unknown recipe name.

    Example:
        >>> import numpy as np
        >>> state, losses = pretrain("digit-cnn", steps=3)  # the first updates of the stored run
        >>> len(losses), np.allclose(losses, manifest()["digit-cnn"]["first_losses"][:3], rtol=1e-4)
        (3, True)
    """
    if name not in RECIPES:
        raise unknown_name("pretraining recipe", name, RECIPES)
    recipe = RECIPES[name]
    with one_thread(), torch.random.fork_rng():
        torch.manual_seed(0)
        run = _bert_recipe if name == "char-bert" else _cnn_recipe
        return run(recipe, recipe.steps if steps is None else int(steps))


def _folder() -> Any:
    return resources.files("lrkit.zoo").joinpath(_WEIGHTS)


def manifest() -> dict[str, Any]:
    """The stored weights' manifest: per recipe its file, SHA-256, first losses, final loss and cost."""
    return json.loads(_folder().joinpath("manifest.json").read_text())


@functools.lru_cache(maxsize=None)
def load_pretrained(name: str) -> dict[str, torch.Tensor]:
    """The stored pretrained state of recipe ``name``, checked against the manifest's SHA-256.

    Raises:
        LRKitError: for an unknown name or a file whose checksum does not match.

    Example:
        >>> state = load_pretrained("digit-cnn")  # the CNN's convolutional body
        >>> tuple(state["0.weight"].shape), state["0.weight"].dtype
        ((16, 1, 3, 3), torch.float32)
    """
    entries = manifest()
    if name not in entries:
        raise unknown_name("pretrained network", name, entries)
    data = _folder().joinpath(entries[name]["file"]).read_bytes()
    if hashlib.sha256(data).hexdigest() != entries[name]["sha256"]:
        raise LRKitError(f"the stored weights of {name!r} do not match their SHA-256 in manifest.json; "
                         f"re-create them with lrkit.zoo.save_pretrained({name!r}).")
    return torch.load(io.BytesIO(data), weights_only=True)


def save_pretrained(name: str, folder: str | Path | None = None) -> dict[str, Any]:
    """Run recipe ``name`` in full and write its weights and manifest entry (into the package by default).

    Returns:
        The manifest entry written.
    """
    target = Path(str(_folder())) if folder is None else Path(folder)
    start = time.process_time()
    state, losses = pretrain(name)
    cost = time.process_time() - start
    buffer = io.BytesIO()
    torch.save(state, buffer)
    data = buffer.getvalue()
    target.mkdir(parents=True, exist_ok=True)
    (target / f"{name}.pt").write_bytes(data)
    path = target / "manifest.json"
    entries = json.loads(path.read_text()) if path.exists() else {}
    tail = float(np.mean(losses[-max(1, len(losses) // 20):]))
    entries[name] = {"file": f"{name}.pt", "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
                     "recipe": dataclasses.asdict(RECIPES[name]), "first_losses": losses[:5],
                     "final_loss": tail, "cpu_seconds": round(cost, 1)}
    path.write_text(json.dumps(entries, indent=1, sort_keys=True) + "\n")
    return entries[name]
