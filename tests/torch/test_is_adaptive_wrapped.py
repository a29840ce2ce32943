"""The optimizer's kind is read through wrappers: accelerate's AcceleratedOptimizer (what ``hf.find_lr``
always sweeps) and Lightning's LightningOptimizer hold the torch optimizer, and an RMSprop, Adagrad or
Adafactor under them is still the Adam kind (it was read as SGD: the class check saw the wrapper)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

from lrkit.torch._finder_rule import is_adaptive, resolve_rule

accelerate = pytest.importorskip("accelerate")
from accelerate.optimizer import AcceleratedOptimizer  # noqa: E402


@pytest.fixture
def prepared() -> Iterator[object]:
    """``accelerator.prepare(optimizer)``, as the HF Trainer makes it (the state reset after)."""
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState, GradientState

    AcceleratorState._reset_state(True)
    accelerator = Accelerator(cpu=True)
    yield accelerator.prepare_optimizer
    AcceleratorState._reset_state(True)
    GradientState._reset_state()


def _params() -> list[torch.nn.Parameter]:
    return [torch.nn.Parameter(torch.zeros(3))]


@pytest.mark.parametrize("make", [
    lambda p: torch.optim.RMSprop(p, lr=1e-3),
    lambda p: torch.optim.Adagrad(p, lr=1e-2),
    lambda p: torch.optim.Adafactor(p, lr=1e-2),
    lambda p: torch.optim.Adam(p, lr=1e-3),
])
def test_an_adaptive_optimizer_under_accelerate_is_adaptive(make, prepared) -> None:
    inner = make(_params())
    wrapped = prepared(inner)
    assert isinstance(wrapped, AcceleratedOptimizer)
    assert is_adaptive(inner)
    assert is_adaptive(wrapped)
    assert resolve_rule("auto", wrapped) == resolve_rule("auto", inner)


def test_sgd_under_accelerate_stays_sgd(prepared) -> None:
    wrapped = prepared(torch.optim.SGD(_params(), lr=0.1, momentum=0.9))
    assert not is_adaptive(wrapped)


def test_an_adaptive_optimizer_under_lightning_is_adaptive() -> None:
    pl = pytest.importorskip("lightning.pytorch")
    inner = torch.optim.RMSprop(_params(), lr=1e-3)
    wrapped = pl.core.optimizer.LightningOptimizer(inner)
    assert is_adaptive(wrapped) is True
