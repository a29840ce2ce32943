"""Test-wide determinism: one torch thread, seeded RNGs, a fixed Hypothesis profile."""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "ci"))

try:  # torch is an extra; tests that need it import it themselves
    import torch

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover
    torch = None


@pytest.fixture(autouse=True)
def _seed_everything() -> None:
    random.seed(0)
    np.random.seed(0)
    if torch is not None:
        torch.manual_seed(0)


#: A Lightning ``Trainer`` that shows and writes nothing of its own: one CPU, no logger, checkpoint, progress
#: bar or model summary.
QUIET_TRAINER = dict(accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
                     enable_progress_bar=False, enable_model_summary=False)


@pytest.fixture
def quiet_trainer(tmp_path: Path) -> Callable[..., Any]:
    """``quiet_trainer(**kw)``: a real ``lightning.pytorch.Trainer`` with :data:`QUIET_TRAINER`, rooted in the
    test's ``tmp_path``; ``kw`` adds or overrides Trainer arguments (skips when Lightning is absent)."""
    pl = pytest.importorskip("lightning.pytorch")

    def make(**kw: Any) -> Any:
        return pl.Trainer(**{**QUIET_TRAINER, "default_root_dir": tmp_path, **kw})

    return make


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip ``@pytest.mark.slow`` tests unless ``LRKIT_SLOW=1`` (the default suite stays fast)."""
    if os.environ.get("LRKIT_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow; run with LRKIT_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
