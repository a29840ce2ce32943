"""The Autopilot crashes inside torch on a model with sparse gradients (session-11 new-user probe, ux;
``/work/notes/ux11/REPORT.md``, D2; owner auto: ``torch/_autopilot_guard.py``).

``nn.EmbeddingBag(..., sparse=True)`` with ``torch.optim.SGD`` (or Adagrad), a combination torch
documents for large vocabularies: the first ``ap.step(loss)`` raises ``NotImplementedError: Could not
run 'aten::ne.Scalar' with arguments from the 'SparseCPU' backend`` and a 40-line dispatcher listing,
from ``grads_finite`` (``torch.isfinite(g).all()`` on a sparse gradient). ``find_lr`` on the same model
and optimizer runs (suggestion 0.039 with momentum) and leaves everything as it was. docs/watch.md: the
Autopilot "wraps any torch optimizer". Expected: the run completes its budget (a sparse gradient's
finiteness is that of its values), or one ``LRKitError`` naming the sparse gradient before any update.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lrkit import LRKitError
from lrkit.torch import Autopilot

torch.manual_seed(0)
_TOKENS = torch.randint(0, 200, (1024, 8))
_LABELS = _TOKENS[:, 0] % 5
_BATCHES = [(_TOKENS[i:i + 32], _LABELS[i:i + 32]) for i in range(0, 1024, 32)]


class _Bag(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.EmbeddingBag(200, 16, sparse=True)
        self.head = nn.Linear(16, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.emb(x))


def test_the_autopilot_runs_or_refuses_a_model_with_sparse_gradients():
    torch.manual_seed(0)
    model = _Bag()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    before = [p.detach().clone() for p in model.parameters()]
    try:
        ap = Autopilot(opt, budget=40, model=model)
        t = 0
        while not ap.done:
            xb, yb = _BATCHES[t % len(_BATCHES)]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            ap.step(loss)
            t += 1
    except LRKitError as e:
        assert "sparse" in str(e)
        assert all(torch.equal(a, p) for a, p in zip(before, model.parameters()))
        return
    assert ap.total_steps == 40
