"""``lrkit.lightning.LearningRateFinder`` under Lightning's DDP, 2 CPU processes (``test_lightning_ddp.py``).

Lightning's launcher starts the second process by running this script again;
each rank writes ``rank{R}.json`` into ``argv[1]``: the sweep's record, the
losses this rank computed, the rate it trained with and the lines it logged. With
``resume`` after it, the two ranks resume (``fit(ckpt_path=...)``) a one-process
run this script made first, and say what they logged; with ``nosuggest``, the sweep spans rates too
small to move the loss (no suggestion), and each rank says which warnings it gave.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import warnings

import lightning.pytorch as pl
import torch

from lrkit.lightning import LearningRateFinder

torch.set_num_threads(1)
warnings.filterwarnings("ignore")


class Net(pl.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.lr = 1e-3
        self.net = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
        self.local: list[float] = []

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = ((self.net(x).squeeze(1) - y) ** 2).mean()
        self.local.append(loss.item())
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.lr, momentum=0.9)

    def train_dataloader(self):
        g = torch.Generator().manual_seed(0)
        x = torch.randn(512, 4, generator=g)
        data = torch.utils.data.TensorDataset(x, x @ torch.tensor([1.0, -2.0, 0.5, 1.5]))
        return torch.utils.data.DataLoader(data, batch_size=16, shuffle=True)  # Lightning shards it per rank


def _trainer(out: str, finder: LearningRateFinder, devices: int, **kw) -> pl.Trainer:
    return pl.Trainer(**{"max_epochs": 1, **kw}, accelerator="cpu", devices=devices, logger=False,
                      enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                      default_root_dir=out, callbacks=[finder])


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def main() -> None:
    out, resume, nosuggest = sys.argv[1], sys.argv[2:] == ["resume"], sys.argv[2:] == ["nosuggest"]
    sweep = dict(num_training_steps=30, interval=False, retry=False)  # one pass
    if nosuggest:
        sweep.update(min_lr=1e-9, max_lr=1e-8)
    ckpt = os.path.join(out, "one.ckpt")
    if resume and "LOCAL_RANK" not in os.environ:  # a one-process run to resume from, before DDP starts
        torch.manual_seed(0)
        first = _trainer(out, LearningRateFinder(**sweep), 1)
        first.fit(Net())
        first.save_checkpoint(ckpt)
    lines = _Lines()
    logging.getLogger("lrkit.lightning").addHandler(lines)
    logging.getLogger("lrkit.lightning").setLevel(logging.INFO)
    torch.manual_seed(0)
    model, finder = Net(), LearningRateFinder(**sweep)
    trainer = _trainer(out, finder, 2, strategy="ddp", **({"max_epochs": 2} if resume else {}))
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always" if nosuggest else "ignore")
        trainer.fit(model, ckpt_path=ckpt if resume else None)
    rank = trainer.global_rank
    record = {"rank": rank, "world": trainer.world_size, "lines": lines.lines, "lr": model.lr,
              "warnings": [str(w.message) for w in said if "to apply" in str(w.message)]}
    if not resume and not nosuggest:
        record.update(result=finder.result.to_dict(), local=model.local[: finder.result.steps],
                      params=[p.detach().flatten().tolist() for p in model.parameters()])
    with open(os.path.join(out, f"rank{rank}.json"), "w") as f:
        json.dump(record, f)
    # Lightning leaves the gloo process group up after fit; tearing it down at
    # interpreter exit can abort ("terminate called without an active
    # exception", exit -6). Both ranks meet, then close it while Python is alive.
    if torch.distributed.is_initialized():
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
