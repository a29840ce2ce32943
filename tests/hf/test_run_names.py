"""``lrkit.hf.RUN_NAMES``: every quantity a spec may name is bound to the Trainer's own count.

One spec names all of them; the rate of every real update must equal the spec bound by hand to
the numbers this run has (96 rows / 8 = 12 batches, accumulation 2 -> 6 updates an epoch, 2 epochs).
"""

from __future__ import annotations

from lrkit.hf import RUN_NAMES, use_schedule
from lrkit.schedules import for_run, run_names

SPEC = ("warmup(linear(start=lr, end=lr/2, steps=epoch) >> cosine(lr=lr/2, steps=total - warmup - epoch), "
        "steps=warmup)")


def test_each_run_name_is_the_trainers_own_count(trainer_factory, step_log):
    assert run_names(SPEC) == set(RUN_NAMES)
    trainer = use_schedule(trainer_factory(num_train_epochs=2, warmup_steps=3), SPEC)
    trainer.train()
    want = for_run(SPEC, total=12, epoch=6, warmup=3, lr=1e-3)
    assert trainer.state.max_steps == 12
    assert [lrs[0] for lrs in step_log] == [want(t) for t in range(12)]
