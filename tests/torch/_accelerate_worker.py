"""One process of ``test_accelerate_launch.py``, started by a real ``accelerate launch`` (2 CPU processes).

Writes ``rank{R}.json`` into the directory given as ``argv[1]``: for each
(step_scheduler_with_optimizer, split_batches) case the rates the optimizer
really used and the scheduler's ``t``; then two ``find_lr`` runs on the
accelerate-prepared model, optimizer and loader (one where rank 1's loss blows
up), with every loss this rank computed locally; then ``lrkit.hf.find_lr`` on a Trainer, once with a
suggestion and once (``apply=True``) without one, with the warnings this rank gave.
"""

from __future__ import annotations

import json
import math
import os
import sys
import warnings

import torch
from accelerate import Accelerator, DataLoaderConfiguration

from lrkit.finder import Sweep
from lrkit.torch import LRScheduler, find_lr

torch.set_num_threads(1)
SPEC = "linear(start=0.01, end=0.1, steps=4) >> cosine(lr=0.1, steps=12)"
ACCUMULATION = 2
SAMPLES = 48


def schedule_case(with_optimizer: bool, split: bool, per_update: bool | None) -> dict:
    acc = Accelerator(
        cpu=True,
        gradient_accumulation_steps=ACCUMULATION,
        step_scheduler_with_optimizer=with_optimizer,
        dataloader_config=DataLoaderConfiguration(split_batches=split),
    )
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    raw = torch.optim.SGD(model.parameters(), lr=0.1)
    used: list[float] = []
    raw.register_step_pre_hook(lambda o, a, k: used.append(o.param_groups[0]["lr"]))
    x = torch.randn(SAMPLES, 3, generator=torch.Generator().manual_seed(1))
    # 4 samples per batch and process either way: 48 / (4 * 2) = 6 batches a process, 3 updates an epoch
    batch = 8 if split else 4
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x), batch_size=batch)
    sched = LRScheduler(raw, SPEC, per_update=per_update)
    model, opt, loader, prepared = acc.prepare(model, raw, loader, sched)
    calls = 0
    for _ in range(2):
        for (xb,) in loader:
            with acc.accumulate(model):
                acc.backward(model(xb).pow(2).mean())
                opt.step()
                prepared.step()
                calls += 1
                opt.zero_grad()
    return {"used": used, "t": sched.t, "updates": len(used), "batches": calls}


def finder_run(rank: int, blow_up_at: int | None, find: bool = True) -> dict:
    acc = Accelerator(cpu=True)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    g = torch.Generator().manual_seed(7)
    x = torch.randn(640, 4, generator=g)
    y = x @ torch.tensor([1.0, -1.0, 2.0, 0.5])
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, y),
        batch_size=16,
        shuffle=True,
        generator=torch.Generator().manual_seed(3),
    )
    model, opt, loader = acc.prepare(model, opt, loader)
    local: list[float] = []

    def loss_fn(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        loss = ((out.squeeze(1) - target) ** 2).mean()
        if blow_up_at is not None and rank == 1 and len(local) == blow_up_at:
            loss = loss * math.inf
        local.append(loss.item())
        return loss

    if not find:  # the control: the first batch of the first epoch without a sweep before it
        return {"first_batch": next(iter(loader))[0].tolist()}
    before = [p.detach().clone() for p in model.parameters()]
    res = find_lr(model, opt, loss_fn, loader, sweep=Sweep(start=1e-4, end=10.0, num_steps=30),
                  interval=False, retry=False)  # one sweep: the joint stop is the point here
    restored = all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    registered = acc.gradient_state.in_dataloader  # the sweep stopped mid-pass: the loader must be let go
    first = next(iter(loader))[0].tolist()
    return {
        "result": res.to_dict(),
        "local": local,
        "restored": restored,
        "registered": registered,
        "first_batch": first,
    }


def hf_trainer_run(out: str) -> dict:
    """``lrkit.hf.find_lr`` on a Trainer under the launch: its model is DDP-wrapped for the sweep only."""
    from torch.optim.optimizer import register_optimizer_step_post_hook
    from transformers import Trainer, TrainingArguments

    from lrkit.hf import find_lr as hf_find_lr

    class Regression(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = torch.nn.Linear(2, 1)
            self.local: list[float] = []

        def forward(self, x: torch.Tensor, labels: torch.Tensor) -> dict:
            loss = ((self.lin(x).squeeze(1) - labels) ** 2).mean()
            self.local.append(loss.item())
            return {"loss": loss}

    torch.manual_seed(0)
    rows = [{"x": torch.tensor([i / 64, 1.0]), "labels": torch.tensor(3.0 * i / 64)} for i in range(128)]
    args = TrainingArguments(out, per_device_train_batch_size=4, gradient_accumulation_steps=2, use_cpu=True,
                             report_to=[], save_strategy="no", learning_rate=1e-3, seed=0, disable_tqdm=True)
    model = Regression()
    trainer = Trainer(model=model, args=args, train_dataset=rows)
    after: list[list[float]] = []  # the weights after each update: DDP keeps the replicas equal
    hook = register_optimizer_step_post_hook(
        lambda o, a, k: after.append(model.lin.weight.flatten().tolist()))
    before = model.lin.weight.clone()
    res = hf_find_lr(trainer, sweep=Sweep(num_steps=12), interval=False, retry=False)  # one pass to compare
    hook.remove()
    # rates too small to move the loss: no suggestion, so apply=True leaves learning_rate with a warning
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        none = hf_find_lr(trainer, apply=True, sweep=Sweep(start=1e-9, end=1e-8, num_steps=12),
                          interval=False, retry=False)
    return {"result": res.to_dict(), "local": model.local, "after": after,
            "restored": bool(torch.equal(before, model.lin.weight)),
            "unwrapped": trainer.model_wrapped is model,
            "unsuggested": {"suggestion": none.suggestion, "learning_rate": trainer.args.learning_rate,
                            "warnings": [str(w.message) for w in said if "to apply" in str(w.message)]}}


def main() -> None:
    out = sys.argv[1]
    rank = int(os.environ["RANK"])
    record: dict = {"schedule": {}, "rank": rank, "world": int(os.environ["WORLD_SIZE"])}
    for with_optimizer in (True, False):
        for split in (False, True):
            record["schedule"][f"{with_optimizer}-{split}"] = schedule_case(with_optimizer, split, None)
    record["unguarded"] = schedule_case(True, False, False)  # the bug lrkit's guard removes, for contrast
    record["find"] = finder_run(rank, None)
    record["find_blowup"] = finder_run(rank, 9)
    record["no_find"] = finder_run(rank, None, find=False)
    record["hf"] = hf_trainer_run(out)
    with open(os.path.join(out, f"rank{rank}.json"), "w") as f:
        json.dump(record, f)
    torch.distributed.barrier()
    torch.distributed.destroy_process_group()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # gloo's threads can abort in interpreter teardown; the record is written


if __name__ == "__main__":
    main()
