"""A stated guess is headed like a measurement, and its rule line describes a descent that was never
seen (session-11 new-user probe, ux; ``/work/notes/ux11/REPORT.md``, D9).

An EmbeddingBag classifier (vocabulary 200, 8 tokens a sample, 5 classes) with SGD momentum 0.9: neither
the sweep nor the second, denser one shows the loss falling beyond its noise, and the loss blows up near
the top, so the answer is the blow-up fallback (``result.is_guess``; 0.0388). ``lrkit find`` printed
"Use a peak learning rate of 0.0388 for SGD (momentum 0.9), with the schedule below ..." (the headline
every measured answer gets), then "how sure: low - A guess, not a measurement ...", then "rule: default -
a third of the way (on a log scale) from the rate where the loss starts falling fast to the rate where
it climbs back up" and "why this rule: SGD steps in proportion to the gradient ...": the rule line
explains a reading that was not made (the loss never fell), and the headline gives an order. The
Lightning and Hugging Face adapters and ``tune`` refuse to apply a guess; the advice should say as much.
Expected: the headline and the rule line say it is a guess below the blow-up, not a reading of a descent.
"""

from __future__ import annotations

import torch
from torch import nn

from lrkit.finder import advise
from lrkit.torch import find_lr


class _Bag(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.EmbeddingBag(200, 16)
        self.head = nn.Linear(16, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.emb(x))


def test_a_guess_is_said_to_be_one_from_the_headline_on():
    torch.manual_seed(0)
    tokens = torch.randint(0, 200, (2048, 8))
    batches = [(tokens[i:i + 32], tokens[i:i + 32, 0] % 5) for i in range(0, 2048, 32)]
    torch.manual_seed(0)
    model = _Bag()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    r = find_lr(model, opt, nn.functional.cross_entropy, batches, interval=False)
    assert r.is_guess  # the case: no descent seen, a blow-up seen
    a = advise(r)
    assert "guess" in a.headline.lower() and not a.headline.startswith("Use a peak")
    assert "falling fast" not in a.rule_words and "blew up" in a.rule_words
    assert a.why_rule == ""  # the automatic rule did not make this number
