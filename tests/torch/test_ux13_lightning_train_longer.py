"""ux13 D4: "train longer" with ``lrkit.lightning.configure_optimizers`` runs the added updates at rate 0.

A run of ``max_epochs=2`` (16 updates) resumed from its last checkpoint with ``max_epochs=4``:
``configure_optimizers`` binds the spec to the new ``total`` (32), then Lightning loads the checkpoint's
scheduler state, whose saved schedule (16 updates) replaces it; updates 16-31 all run at 0 (the schedule
past its end), with a warning whose way out ("do not load its state") a Lightning user cannot take. The
Hugging Face integration follows the spec bound to the resumed run's new length (ux11 D13: "as the
Trainer's own schedulers do"); Lightning's run should too: the resumed run's rates are the 4-epoch run's.
"""

from __future__ import annotations

import glob

import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch", reason="lightning is not installed (it is in the dev extra)")

from lrkit.lightning import configure_optimizers  # noqa: E402

SPEC = "warmup_cosine(lr=lr, warmup=0.1*total, steps=total)"


class Net(pl.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.net = torch.nn.Linear(8, 2)
        self.rates: list[tuple[int, float]] = []

    def training_step(self, batch, batch_idx):
        self.rates.append((self.global_step, self.trainer.optimizers[0].param_groups[0]["lr"]))
        return torch.nn.functional.cross_entropy(self.net(batch[0]), batch[1])

    def configure_optimizers(self):
        return configure_optimizers(self, torch.optim.SGD(self.parameters(), lr=0.1), SPEC)


def _fit(root, max_epochs: int, ckpt_path: str | None = None) -> Net:
    x = torch.randn(256, 8, generator=torch.Generator().manual_seed(0))
    data = torch.utils.data.TensorDataset(x, (x[:, 0] > 0).long())
    loader = torch.utils.data.DataLoader(data, batch_size=32)
    torch.manual_seed(0)
    module = Net()
    trainer = pl.Trainer(max_epochs=max_epochs, default_root_dir=str(root), logger=False,
                         enable_progress_bar=False, enable_model_summary=False, accelerator="cpu")
    trainer.fit(module, loader, ckpt_path=ckpt_path)
    return module


def test_a_resumed_run_given_more_epochs_follows_the_spec_bound_to_its_new_length(tmp_path):
    _fit(tmp_path / "short", 2)
    (ckpt,) = glob.glob(str(tmp_path / "short" / "**" / "*.ckpt"), recursive=True)
    resumed = _fit(tmp_path / "short", 4, ckpt_path=ckpt)
    whole = _fit(tmp_path / "whole", 4)
    assert [g for g, _ in resumed.rates] == list(range(16, 32))
    assert [r for _, r in resumed.rates] == pytest.approx([r for _, r in whole.rates[16:]], rel=1e-9)
