"""``Watchdog.lightning_callback`` gives the diagnosis its optimizer's momentum (Adam's ``beta1``): the pace
is read only over ten of that optimizer's transients (``tests/diagnostics/test_momentum_transient.py``)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("lightning.pytorch")

from lrkit.torch import Watchdog  # noqa: E402

from .test_watchdog_frozen_group import FineTune  # noqa: E402

pytestmark = pytest.mark.usefixtures("quiet_lightning")


class SlowAdam(FineTune):
    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3, betas=(0.99, 0.999))


def test_the_lightning_callback_reads_beta1(quiet_trainer):
    data = torch.utils.data.TensorDataset(torch.randn(80, 2, generator=torch.Generator().manual_seed(0)))
    wd = Watchdog(every=10)
    quiet_trainer(max_epochs=1, callbacks=[wd.lightning_callback()]).fit(
        SlowAdam(), torch.utils.data.DataLoader(data, batch_size=4))
    assert wd.monitor.momentum == 0.99 and wd.diagnosis is not None


def test_each_fit_reads_its_own_optimizer(quiet_trainer):
    class Sgd(FineTune):
        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.01, momentum=0.5)

    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(40, 2)), batch_size=4)
    wd = Watchdog(every=10)
    callback = wd.lightning_callback()
    quiet_trainer(max_epochs=1, callbacks=[callback]).fit(SlowAdam(), data)
    assert wd.monitor.momentum == 0.99
    quiet_trainer(max_epochs=2, callbacks=[callback]).fit(Sgd(), data)
    assert wd.monitor.momentum == 0.5
