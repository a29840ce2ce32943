"""Hugging Face's ``Adafactor`` with its defaults (``lr=None, relative_step=True``): one LRKitError naming
the optimizer, from the Autopilot and ``find_lr`` (``train``'s part rides on D2's fix) (session-15
new-user probe, ux; ``/work/notes/ux15/REPORT.md`` D14, medium).

``transformers.optimization.Adafactor(model.parameters())`` (its defaults, the way T5 fine-tuning recipes
build it) keeps ``lr=None`` in every group and sets its own step sizes (``relative_step=True``): the rate
is not read, as Rprop's is read only once. ``Autopilot(opt, budget=100)``: bare ``TypeError: float()
argument must be a string or a real number, not 'NoneType'``; ``lrkit train --script f.py:adafactor
--autopilot`` and ``lrkit train --script f.py:adafactor``: "error: unexpected TypeError: float() argument
... (LRKIT_DEBUG=1 shows the traceback; please report it)", exit 1; ``find_lr`` / ``lrkit find --script``:
"`key` of LRScheduler must name a finite number in param group 0; got 'lr' = None" (another class's
parameter; nothing says Adafactor sets its own steps). With ``lr=1e-3, relative_step=False`` all three
run. Expected: one LRKitError naming `optimizer` of the function called (Adafactor's relative steps, the
way out ``relative_step=False`` with an ``lr``), before anything is touched.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

import lrkit  # noqa: E402
from lrkit.torch import Autopilot, find_lr  # noqa: E402


def _parts() -> dict:
    from transformers.optimization import Adafactor

    g = torch.Generator().manual_seed(0)
    x = torch.randn(128, 4, generator=g)
    y = (x[:, 0] > 0).long()
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 2)
    return dict(model=model, optimizer=Adafactor(model.parameters()), loss_fn=torch.nn.CrossEntropyLoss(),
                train_loader=[(x[i:i + 32], y[i:i + 32]) for i in range(0, 96, 32)],
                val_loader=[(x[96:], y[96:])])


def _check(call, owner: str) -> None:
    with pytest.raises(lrkit.LRKitError) as info:
        call()
    msg = str(info.value)
    assert f"`optimizer` of {owner}" in msg and "LRScheduler" not in msg, msg


def test_the_autopilot_refuses_adafactors_relative_steps_in_one_line():
    torch.set_num_threads(1)
    p = _parts()
    _check(lambda: Autopilot(p["optimizer"], budget=100, model=p["model"]), "Autopilot")


def test_find_lr_refuses_adafactors_relative_steps_naming_its_optimizer():
    torch.set_num_threads(1)
    p = _parts()
    _check(lambda: find_lr(p["model"], p["optimizer"], p["loss_fn"], p["train_loader"]), "find_lr")

