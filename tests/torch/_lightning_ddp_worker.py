"""``lrkit.lightning.LearningRateFinder`` under Lightning's DDP, 2 CPU processes (``test_lightning_ddp.py``).

Lightning's launcher starts the second process by running this script again;
each rank writes ``rank{R}.json`` into ``argv[1]``: the sweep's record, the
losses this rank computed, and the rate it trained with.
"""

from __future__ import annotations

import json
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


def main() -> None:
    out = sys.argv[1]
    torch.manual_seed(0)
    model, finder = Net(), LearningRateFinder(num_training_steps=30, interval=False, retry=False)  # one pass
    trainer = pl.Trainer(
        max_epochs=1,
        accelerator="cpu",
        devices=2,
        strategy="ddp",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=out,
        callbacks=[finder],
    )
    trainer.fit(model)
    rank = trainer.global_rank
    record = {
        "rank": rank,
        "world": trainer.world_size,
        "result": finder.result.to_dict(),
        "local": model.local[: finder.result.steps],
        "lr": model.lr,
        "params": [p.detach().flatten().tolist() for p in model.parameters()],
    }
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
