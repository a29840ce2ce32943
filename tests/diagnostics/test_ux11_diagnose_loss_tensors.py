"""``lrkit.diagnose`` on the losses a training loop holds: tensors that require grad (session-11
new-user probe, ux; ``/work/notes/ux11/REPORT.md``, D6; owner health: ``diagnostics/_inputs.py``).

A student keeps ``history.append(loss)`` (or ``torch.stack(history)``) and hands it to
``lrkit.diagnose``: ``RuntimeError: Can't call numpy() on Tensor that requires grad. Use
tensor.detach().numpy() instead.`` from ``np.asarray`` in ``diagnostics/_inputs.py``, neither an
``LRKitError`` nor a diagnosis. A tensor without grad, a pandas Series and a list of floats all
diagnose (``healthy``), and ``lrkit.range_test`` takes a step function returning such a tensor.
Expected: the same diagnosis as for the floats (the values are the losses; their graph is not needed).
"""

from __future__ import annotations

import numpy as np
import torch

import lrkit


def test_loss_tensors_from_a_loop_diagnose_as_their_values():
    rng = np.random.default_rng(0)
    t = np.arange(300)
    values = 2.3 * np.exp(-t / 60) + 0.2 + 0.05 * rng.standard_normal(300)
    w = torch.ones((), requires_grad=True)
    history = [w * float(v) for v in values]  # what `history.append(loss)` keeps
    expected = lrkit.diagnose(values.astype(np.float32))  # the values the float32 tensors hold
    assert lrkit.diagnose(history).to_dict() == expected.to_dict()
    assert lrkit.diagnose(torch.stack(history)).to_dict() == expected.to_dict()
