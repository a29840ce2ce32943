"""``use_schedule(trainer, "cosine(lr=lr)")`` is accepted and fails at ``train()`` (twelfth new-user probe,
ux; ``/work/notes/ux16/REPORT.md``, L8; ``hf/_schedule.py``).

A spec that leaves out a schedule's required argument (``steps``) was taken at the call; ``trainer.train()``
then stopped at its start with "invalid parameters for cosine: missing a required argument: 'steps'",
naming neither ``spec`` nor ``use_schedule``, while a spec naming an unknown quantity is refused at the call.
The brief: bad input is refused where it is written, naming the parameter and what is allowed. A spec's
calls are checked against their families' signatures at the call (the checks ``parse`` makes, without the
run's numbers); a value that does not fit this run's numbers still fails at ``train()``.
"""

from __future__ import annotations

import pytest

from lrkit import LRKitError
from lrkit.hf import use_schedule


@pytest.mark.parametrize(("spec", "words"), [
    ("cosine(lr=lr)", r"`spec` of use_schedule .*cosine: missing a required argument: 'steps'"),
    ("warmup_cosine(lr=lr, warmup=warmup, steps=total, floor=0.1)",
     r"`spec` of use_schedule .*unknown parameter of warmup_cosine 'floor'"),
    ("cosin(lr=lr, steps=total)",
     r"`spec` of use_schedule .*unknown schedule 'cosin'; did you mean 'cosine'"),
    ("warmup(cosine(lr=lr), steps=warmup)", r"`spec` of use_schedule .*cosine: missing a required argument"),
    ("linear(start=lr, end=0, steps=epoch) >> cosine(lr=lr)", r"`spec` of use_schedule .*cosine: missing"),
])
def test_an_incomplete_spec_is_refused_at_the_call(trainer_factory, spec, words):
    trainer = trainer_factory()
    create = trainer.create_scheduler
    with pytest.raises(LRKitError, match=words):
        use_schedule(trainer, spec)
    assert trainer.create_scheduler == create  # the Trainer is left as it was


def test_a_complete_spec_still_trains_and_a_value_unfit_for_the_run_fails_at_train(trainer_factory):
    trainer = use_schedule(trainer_factory(), "cosine(lr=lr, steps=total)")
    trainer.train()
    late = use_schedule(trainer_factory(), "cosine(lr=lr, steps=total - 500)")  # a negative length here
    with pytest.raises(LRKitError, match="steps"):
        late.train()
