"""A run-relative spec copied from the README where a plain spec is read (session-11 new-user probe,
ux; ``/work/notes/ux11/REPORT.md``, D4).

The README's Hugging Face block and docs/integrations.md write the schedule as
``"warmup_cosine(lr=lr, warmup=0.06*total, steps=total)"``. A user moving the same spec into a plain
loop (``LRScheduler(opt, spec)``), ``lrkit train --schedule`` or ``lrkit schedule values`` got
"invalid schedule spec: unexpected 'lr' in 'lr'; values are numbers, strings, lists or schedules.":
nothing says that ``lr`` and ``total`` are quantities of a run, which readers bind them
(``lrkit.hf.use_schedule``, ``lrkit.lightning.configure_optimizers``) or how to bind them yourself
(``lrkit.schedules.for_run(spec, total=..., lr=...)``). Expected: the error names the quantity and
``for_run``.
"""

from __future__ import annotations

import pytest
import torch

from lrkit import LRKitError
from lrkit.schedules import for_run, parse
from lrkit.torch import LRScheduler

README_SPEC = "warmup_cosine(lr=lr, warmup=0.06*total, steps=total)"


@pytest.mark.parametrize("spec", [README_SPEC, "cosine(lr=0.1, steps=total)",
                                  "cosine(lr=0.1, steps=2*total)"])
def test_a_run_quantity_in_a_plain_spec_is_named_with_the_way_to_bind_it(spec):
    with pytest.raises(LRKitError) as caught:
        parse(spec)
    words = str(caught.value)
    assert "for_run" in words and "quantit" in words
    assert ("'total'" in words) or ("'lr'" in words)


def test_the_adapter_says_the_same_and_for_run_binds_it():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(LRKitError, match="for_run"):
        LRScheduler(opt, README_SPEC)
    sched = LRScheduler(opt, for_run(README_SPEC, total=100, lr=0.1))  # the way out the message names
    assert sched.schedule.horizon == 100


def test_an_unknown_bare_word_is_still_an_unknown_value():
    with pytest.raises(LRKitError, match="unexpected"):
        parse("cosine(lr=0.1, steps=10, min_lr={1: 2})")
