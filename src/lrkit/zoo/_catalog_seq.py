"""The zoo's structured-input families: residual CNNs, recurrent classifiers, transformer encoders,
embedding bags, character LMs and fine-tuning of networks pretrained inside the project."""

from __future__ import annotations

import functools
from typing import Any

import torch
from torch import nn

from lrkit.errors import LRKitError
from lrkit.zoo import _data, _sequences
from lrkit.zoo._charlm import CharLMWorkload
from lrkit.zoo._models import (
    AddingRNN, BagClassifier, DigitCNN, ResNet, RNNClassifier, TransformerClassifier,
)
from lrkit.zoo._pretrained import PRETRAIN_DIGITS, char_bert, load_pretrained
from lrkit.zoo._registry import register
from lrkit.zoo._text import KEYWORDS, MODULE_FILES, PAD, text_tensors
from lrkit.zoo._workload import ArrayWorkload, no_decay_groups

__all__ = ["CharBertClassifier", "finetune_cnn"]

_p = functools.partial


def _workload(name: str, **kwargs: Any) -> None:
    register(ArrayWorkload(name, **kwargs))


# -- resnet: residual CNNs with BatchNorm and weight decay ---------------------------------------
_SHAPES = "generated 12x12 images of 6 shapes, noise SD 0.6, 2400/600"
_workload("resnet-shapes-nesterov", summary="ResNet (8, 16 channels) on shapes, Nesterov, weight decay 5e-4",
          data=_SHAPES, family="resnet", arrays=_data.shapes, model=_p(ResNet, (8, 16), 6),
          loss="cross_entropy", optimizer="nesterov", options={"weight_decay": 5e-4}, batch_size=64,
          budget=400, metric="val_acc")
_workload("resnet-shapes-adamw", summary="ResNet (8, 16 channels) on shapes, AdamW weight decay 0.05",
          data=_SHAPES, family="resnet", arrays=_data.shapes, model=_p(ResNet, (8, 16), 6),
          loss="cross_entropy", optimizer="adamw", options={"weight_decay": 0.05}, batch_size=32, budget=400,
          metric="val_acc")
_workload("resnet-digits-momentum", summary="ResNet (8, 16 channels) on 8x8 digits, SGD momentum, weight "
          "decay 5e-4, batch 128", data="sklearn digits / 16, 1x8x8, stratified 75/25", family="resnet",
          arrays=_data.digits, model=_p(ResNet, (8, 16), 10), loss="cross_entropy", optimizer="sgd",
          options={"weight_decay": 5e-4}, batch_size=128, budget=300, metric="val_acc")

# -- rnn: recurrent networks whose loss is flat before it falls ----------------------------------
_workload("rnn-recall-gru-adam", summary="GRU (embedding 16, hidden 32): the sum mod 8 of the first two of "
          "16 tokens, Adam", data="first two tokens' sum mod 8 behind 14 distractors, 3200/800", family="rnn",
          arrays=_p(_sequences.recall, 4000, 16, 8, 8, 2), model=_p(RNNClassifier, 17, 8, cell="gru"),
          loss="cross_entropy", optimizer="adam", batch_size=32, budget=400, metric="val_acc")
_workload("rnn-recall-lstm-rmsprop", summary="LSTM (embedding 16, hidden 32) recalling the first of 16 "
          "tokens, RMSprop", data="the first of 16 tokens (8 classes) behind 15 distractors, 3200/800",
          family="rnn", arrays=_p(_sequences.recall, 4000, 16, 8, 8, 1),
          model=_p(RNNClassifier, 17, 8, cell="lstm"),
          loss="cross_entropy", optimizer="rmsprop", batch_size=64, budget=800, metric="val_acc")
_workload("rnn-adding-lstm-nadam", summary="LSTM (hidden 32) on the adding problem (length 30), MSE, NAdam",
          data="adding problem, 30 steps, target noise SD 0.1, 3200/800", family="rnn",
          arrays=_p(_sequences.adding, 4000, 30, 0.1), model=AddingRNN,
          loss="mse", optimizer="nadam", batch_size=32, budget=1000, metric="val_mse")

# -- transformer: encoders for classification ----------------------------------------------------
_workload("transformer-marker-adamw", summary="2-layer transformer encoder (width 32, 4 heads): the token "
          "after a marker, AdamW", data="16 tokens over 8 symbols and a marker, 3200/800",
          family="transformer", arrays=_p(_sequences.marker, 4000, 16, 8),
          model=_p(TransformerClassifier, 10, 8, length=16, layers=2), loss="cross_entropy",
          optimizer="adamw",
          groups=no_decay_groups, batch_size=32, budget=600, metric="val_acc")
_workload("transformer-keyword-radam", summary="2-layer transformer encoder on hashed code tokens: the "
          "keyword a line started with, RAdam", data="stdlib lines without their keyword, 8 classes",
          family="transformer", arrays=_p(text_tensors, "keyword", "tokens", 24, 2048),
          model=_p(TransformerClassifier, 2048, len(KEYWORDS), length=24), loss="cross_entropy",
          optimizer="radam", batch_size=32, budget=300, metric="val_acc")
_workload("transformer-module-adam", summary="2-layer transformer encoder on hashed code tokens: which of "
          "10 modules a line is from, Adam, batch 16", data="stdlib lines of 10 modules",
          family="transformer", arrays=_p(text_tensors, "module", "tokens", 24, 2048),
          model=_p(TransformerClassifier, 2048, len(MODULE_FILES), length=24), loss="cross_entropy",
          optimizer="adam", batch_size=16, budget=400, metric="val_acc")

# -- embbag: fastText-style text classifiers -----------------------------------------------------
_workload("embbag-module-adagrad", summary="EmbeddingBag (4096 buckets, dim 32) of words and bigrams: which "
          "module a line is from, Adagrad", data="stdlib lines of 10 modules", family="embbag",
          arrays=_p(text_tensors, "module", "bag", 24, 4096),
          model=_p(BagClassifier, 4096, len(MODULE_FILES)),
          loss="cross_entropy", optimizer="adagrad", batch_size=64, budget=500, metric="val_acc")
_workload("embbag-keyword-sgd", summary="EmbeddingBag (4096 buckets, dim 32): the keyword a line started "
          "with, plain SGD, batch 16", data="stdlib lines without their keyword, 8 classes", family="embbag",
          arrays=_p(text_tensors, "keyword", "bag", 24, 4096), model=_p(BagClassifier, 4096, len(KEYWORDS)),
          loss="cross_entropy", optimizer="sgd-plain", batch_size=16, budget=800, metric="val_acc")
_workload("embbag-module-adam", summary="EmbeddingBag (4096 buckets, dim 32) + hidden ReLU 64: which module, "
          "Adam, batch 256", data="stdlib lines of 10 modules", family="embbag",
          arrays=_p(text_tensors, "module", "bag", 24, 4096),
          model=_p(BagClassifier, 4096, len(MODULE_FILES), hidden=64), loss="cross_entropy", optimizer="adam",
          batch_size=256, budget=300, metric="val_acc")

# -- charlm: benchmarks/dev/seq_dev.py's character LMs -----------------------------------------------
_CHARLM = dict(family="charlm", batch_size=16, budget=300)
register(CharLMWorkload("charlm-gru-adam", summary="GRU character LM (embedding 32, hidden 96, context 32), "
                        "Adam", data="stdlib traceback, selectors, tempfile / glob", arch="gru",
                        train_files=("traceback", "selectors", "tempfile"), val_files=("glob",), context=32,
                        optimizer="adam", **_CHARLM))
register(CharLMWorkload("charlm-transformer-adamw", summary="2-layer char transformer (width 48, "
                        "context 48), AdamW", data="stdlib locale, gzip / types", arch="transformer",
                        train_files=("locale", "gzip"), val_files=("types",), context=48, optimizer="adamw",
                        **_CHARLM))
register(CharLMWorkload("charlm-nplm-sgd", summary="Bengio's neural probabilistic LM (8 characters of "
                        "context), plain SGD", data="stdlib shutil, pickle / reprlib, stat", arch="nplm",
                        train_files=("shutil", "pickle"), val_files=("reprlib", "stat"), context=8,
                        optimizer="sgd-plain", **_CHARLM))


# -- finetune: networks pretrained inside the project --------------------------------------------
def finetune_cnn() -> DigitCNN:
    """:class:`DigitCNN` with the ``digit-cnn`` recipe's body (pretrained on digits 0-4) and a new
    5-class head (initialised by the run's seed) for digits 5-9."""
    model = DigitCNN(5)
    model.body.load_state_dict(load_pretrained("digit-cnn"))
    return model


class CharBertClassifier(nn.Module):
    """The ``char-bert`` recipe's encoder under ``transformers.BertForSequenceClassification``'s head
    (pooler and classifier new, initialised by the run's seed): character ids -> logits."""

    def __init__(self, classes: int) -> None:
        super().__init__()
        self.model = char_bert(classes)
        missing = self.model.bert.load_state_dict(load_pretrained("char-bert"), strict=False).missing_keys
        if any(not k.startswith("pooler.") for k in missing):  # only the pooler may be new
            raise LRKitError(f"the stored char-bert weights lack {missing}; re-create them with "
                             "lrkit.zoo.save_pretrained('char-bert').")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(input_ids=x, attention_mask=(x != PAD).long()).logits


_DIGITS_NEW = tuple(d for d in range(10) if d not in PRETRAIN_DIGITS)
_FEW = "digits 5-9 / 16, 250 training images (few-shot), stratified validation"
_workload("finetune-cnn-momentum", summary="CNN pretrained on digits 0-4, fine-tuned on 5-9, SGD momentum, "
          "batch 16", data=_FEW, family="finetune", arrays=_p(_data.digits, _DIGITS_NEW, 250),
          model=finetune_cnn,
          loss="cross_entropy", optimizer="sgd", batch_size=16, budget=100, metric="val_acc")
_workload("finetune-cnn-adam", summary="CNN pretrained on digits 0-4, fine-tuned on 5-9, Adam",
          data=_FEW, family="finetune", arrays=_p(_data.digits, _DIGITS_NEW, 250), model=finetune_cnn,
          loss="cross_entropy", optimizer="adam", batch_size=32, budget=200, metric="val_acc")
_workload("finetune-bert-keyword-adamw", summary="character BERT (transformers config, pretrained by MLM on "
          "stdlib text) fine-tuned: a line's keyword, AdamW with no-decay groups",
          data="stdlib lines without their keyword, 32 characters", family="finetune",
          arrays=_p(text_tensors, "keyword", "chars", 32), model=_p(CharBertClassifier, len(KEYWORDS)),
          loss="cross_entropy", optimizer="adamw", groups=no_decay_groups, batch_size=16, budget=300,
          metric="val_acc")
_workload("finetune-bert-module-adamw", summary="character BERT fine-tuned: which of 10 modules a line is "
          "from, AdamW with no-decay groups, batch 32", data="stdlib lines of 10 modules, 32 characters",
          family="finetune", arrays=_p(text_tensors, "module", "chars", 32),
          model=_p(CharBertClassifier, len(MODULE_FILES)), loss="cross_entropy", optimizer="adamw",
          groups=no_decay_groups, batch_size=32, budget=200, metric="val_acc")
