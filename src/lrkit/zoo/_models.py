"""The zoo's network architectures (torch only; each documented by what it computes).

torch's default initialisation throughout, unless a class says otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = [
    "MLP", "AddingRNN", "BagClassifier", "DigitCNN", "GRULM", "NPLM", "ResNet", "RNNClassifier",
    "TransformerClassifier",
]

_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU}


class MLP(nn.Sequential):
    """``Linear -> [norm] -> activation`` per hidden width, then a linear read-out.

    Args:
        sizes: ``(inputs, hidden..., outputs)``.
        activation: ``"relu"``, ``"tanh"`` or ``"gelu"``.
        norm: ``None``, ``"batch"`` (BatchNorm1d before the activation) or ``"layer"`` (LayerNorm).
        he_init: He (Kaiming normal, fan-in) weights and zero biases on every linear layer, which keeps a
            deep ReLU stack's signal from vanishing (torch's default scales weights by ``1/sqrt(3)``
            less, so eight default layers shrink the output ~ 30-fold and plain SGD barely moves).

    Example:
        >>> MLP((4, 8, 3), norm="batch")(torch.zeros(5, 4)).shape
        torch.Size([5, 3])
    """

    def __init__(self, sizes: Sequence[int], activation: str = "relu", norm: str | None = None,
                 he_init: bool = False) -> None:
        layers: list[nn.Module] = []
        for a, b in zip(sizes[:-2], sizes[1:-1]):
            layers.append(nn.Linear(a, b))
            if norm == "batch":
                layers.append(nn.BatchNorm1d(b))
            elif norm == "layer":
                layers.append(nn.LayerNorm(b))
            layers.append(_ACTIVATIONS[activation]())
        layers.append(nn.Linear(sizes[-2], sizes[-1]))
        super().__init__(*layers)
        if he_init:
            for m in self:
                if isinstance(m, nn.Linear):
                    nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                    nn.init.zeros_(m.bias)


class _Block(nn.Module):
    """``relu(x + bn(conv(relu(bn(conv(x))))))``, with a strided 1x1 projection when the shape changes."""

    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout)
        self.c2, self.b2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout)
        self.skip = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
                     if stride != 1 or cin != cout else nn.Identity())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.skip(x) + self.b2(self.c2(torch.relu(self.b1(self.c1(x))))))


class ResNet(nn.Module):
    """A small residual CNN: a 3x3 stem, one residual block per width (the first at stride 1, then
    stride 2), global average pooling and a linear classifier.

    Example:
        >>> ResNet(widths=(8, 16), classes=6)(torch.zeros(2, 1, 12, 12)).shape
        torch.Size([2, 6])
    """

    def __init__(self, widths: Sequence[int], classes: int, channels: int = 1) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(channels, widths[0], 3, 1, 1, bias=False),
                                  nn.BatchNorm2d(widths[0]), nn.ReLU())
        blocks, cin = [], widths[0]
        for i, w in enumerate(widths):
            blocks.append(_Block(cin, w, 1 if i == 0 else 2))
            cin = w
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(cin, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.blocks(self.stem(x)).mean(dim=(2, 3)))


class DigitCNN(nn.Module):
    """Conv 1->16 (3x3), ReLU, conv 16->32, ReLU, 2x2 max-pool, linear 512->64, ReLU: the ``body``;
    a linear ``head`` on its 64 features (replaced when fine-tuning on other classes).

    Example:
        >>> DigitCNN(5)(torch.zeros(2, 1, 8, 8)).shape
        torch.Size([2, 5])
    """

    def __init__(self, classes: int) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 32, 3, padding=1),
                                  nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(512, 64), nn.ReLU())
        self.head = nn.Linear(64, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


class RNNClassifier(nn.Module):
    """Token embedding, one GRU or LSTM layer, a linear read-out of the last hidden state.

    Example:
        >>> RNNClassifier(17, 8, cell="lstm")(torch.ones(3, 5, dtype=torch.long)).shape
        torch.Size([3, 8])
    """

    def __init__(self, vocab: int, classes: int, *, cell: str = "gru", embed: int = 16,
                 hidden: int = 32) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.rnn = (nn.GRU if cell == "gru" else nn.LSTM)(embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.rnn(self.embed(x))[0][:, -1])


class AddingRNN(nn.Module):
    """An LSTM over ``(value, marker)`` pairs, a linear read-out of the last step: ``(B, T, 2) -> (B, 1)``.

    Example:
        >>> AddingRNN()(torch.zeros(3, 7, 2)).shape
        torch.Size([3, 1])
    """

    def __init__(self, hidden: int = 32) -> None:
        super().__init__()
        self.rnn, self.head = nn.LSTM(2, hidden, batch_first=True), nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.rnn(x)[0][:, -1])


class TransformerClassifier(nn.Module):
    """Token + learned position embeddings, a pre-norm ``nn.TransformerEncoder`` (GELU, 4x MLP, no
    dropout), mean pooling over the non-padding tokens (id 0 is padding), a LayerNorm and a linear head.

    Example:
        >>> m = TransformerClassifier(20, 5, length=6, d_model=16, heads=2, layers=1)
        >>> m(torch.tensor([[3, 4, 0, 0, 0, 0]])).shape
        torch.Size([1, 5])
    """

    def __init__(self, vocab: int, classes: int, *, length: int, d_model: int = 32, heads: int = 4,
                 layers: int = 2) -> None:
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d_model), nn.Embedding(length, d_model)
        layer = nn.TransformerEncoderLayer(d_model, heads, 4 * d_model, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.ln, self.head = nn.LayerNorm(d_model), nn.Linear(d_model, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pad = x == 0
        h = self.encoder(self.tok(x) + self.pos(torch.arange(x.shape[1])), src_key_padding_mask=pad)
        keep = (~pad).unsqueeze(-1).float()
        return self.head(self.ln((h * keep).sum(1) / keep.sum(1).clamp(min=1.0)))


class BagClassifier(nn.Module):
    """fastText-style: the mean of the tokens' embeddings (``nn.EmbeddingBag``, id 0 is padding), an
    optional hidden ReLU layer, a linear head.

    Example:
        >>> BagClassifier(50, 3, dim=8)(torch.tensor([[1, 2, 0], [4, 0, 0]])).shape
        torch.Size([2, 3])
    """

    def __init__(self, buckets: int, classes: int, *, dim: int = 32, hidden: int = 0) -> None:
        super().__init__()
        self.bag = nn.EmbeddingBag(buckets, dim, mode="mean", padding_idx=0)
        self.head = (nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, classes))
                     if hidden else nn.Linear(dim, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.bag(x))


class GRULM(nn.Module):
    """Character LM: embedding 32, one GRU layer of 96, a linear read-out: ``(B, T) -> (B, T, V)``.

    Example:
        >>> GRULM(10)(torch.zeros(2, 4, dtype=torch.long)).shape
        torch.Size([2, 4, 10])
    """

    def __init__(self, vocab: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, 32)
        self.gru, self.head = nn.GRU(32, 96, batch_first=True), nn.Linear(96, vocab)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.gru(self.embed(x))[0])


class NPLM(nn.Module):
    """Bengio et al. (2003): the previous ``context`` characters' embeddings (16 each), concatenated,
    through a 128-unit tanh layer: ``(B, context) -> (B, V)`` logits of the next character.

    Example:
        >>> NPLM(10, 8)(torch.zeros(2, 8, dtype=torch.long)).shape
        torch.Size([2, 10])
    """

    def __init__(self, vocab: int, context: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, 16)
        self.mlp = nn.Sequential(nn.Linear(16 * context, 128), nn.Tanh(), nn.Linear(128, vocab))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.embed(x).flatten(1))
