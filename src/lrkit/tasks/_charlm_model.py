"""The network of ``charlm``: a character-level transformer LM, and its loss.

Model (GPT-style, pre-norm): token + learned position embeddings, ``n_layer`` blocks of
causal multi-head self-attention and a 4x GELU MLP, a final LayerNorm and a linear head;
weights ``N(0, 0.02)``, biases zero. Loss and metric: mean cross-entropy per predicted
character, in nats (``val_loss``); bits per character = ``val_loss / ln 2``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["CharLM", "lm_loss", "INIT_STD"]

#: Standard deviation of the normal initial weights of every linear and embedding layer: GPT-2's
#: initialisation (nanoGPT's ``_init_weights``).
INIT_STD = 0.02


class _Block(nn.Module):
    def __init__(self, d_model: int, n_head: int) -> None:
        super().__init__()
        self.n_head = n_head
        self.ln1, self.ln2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.qkv, self.proj = nn.Linear(d_model, 3 * d_model), nn.Linear(d_model, d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q, k, v = (z.view(b, t, self.n_head, d // self.n_head).transpose(1, 2) for z in (q, k, v))
        att = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(att.transpose(1, 2).reshape(b, t, d))
        return x + self.mlp(self.ln2(x))


class CharLM(nn.Module):
    """Decoder-only transformer over characters: ``(B, T)`` indices -> ``(B, T, vocab)`` logits.

    Example:
        >>> model = CharLM(30, d_model=16, n_layer=1, n_head=2, context=8)
        >>> tuple(model(torch.zeros(2, 8, dtype=torch.long)).shape)
        (2, 8, 30)
    """

    def __init__(self, vocab_size: int, *, d_model: int, n_layer: int, n_head: int, context: int) -> None:
        super().__init__()
        self.context = context
        self.tok = nn.Embedding(vocab_size, d_model)
        self.pos = nn.Embedding(context, d_model)
        self.blocks = nn.Sequential(*[_Block(d_model, n_head) for _ in range(n_layer)])
        self.ln, self.head = nn.LayerNorm(d_model), nn.Linear(d_model, vocab_size)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=INIT_STD)
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        x = self.tok(idx) + self.pos(torch.arange(idx.shape[1]))
        return self.head(self.ln(self.blocks(x)))


def lm_loss(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean next-character cross-entropy (nats) of ``(B, T, V)`` logits against ``(B, T)`` targets.

    Example:
        >>> round(float(lm_loss(torch.zeros(2, 3, 4), torch.zeros(2, 3, dtype=torch.long))), 4)  # ln 4
        1.3863
    """
    return F.cross_entropy(output.reshape(-1, output.shape[-1]), target.reshape(-1))
