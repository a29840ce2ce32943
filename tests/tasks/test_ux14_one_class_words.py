"""``from_arrays`` with one class names the label it holds (session-14 new-user probe, ux;
``/work/notes/ux14/REPORT.md`` L5): every label 5 read "must hold at least 2 classes for classification;
got 6" (the size of the label range), as if six classes had been given.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lrkit import LRKitError  # noqa: E402
from lrkit.tasks import from_arrays  # noqa: E402


def test_one_class_is_named_by_its_label():
    with pytest.raises(LRKitError, match=r"at least 2 classes for classification; got only label 5\.$"):
        from_arrays(np.zeros((20, 3)), np.full(20, 5), model=lambda: torch.nn.Linear(3, 6))
