"""The Autopilot under ``accelerator.accumulate`` resumed between two micro-batches of one update: the
losses of the micro-batches already seen are in ``state_dict`` (``micro``), so the update reads the mean
of all ``k`` of them, as the run never stopped does. Without them the resumed update read the mean of the
micro-batches after the checkpoint only, and the probe's curve (so its peak) was another one."""

from __future__ import annotations

import itertools

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("accelerate")

from lrkit.torch import Autopilot  # noqa: E402

_BUDGET, _K = 40, 4
_OPTIONS = dict(budget=_BUDGET, probe="rollback", probe_steps=10)


def _run(stop_at: int | None, *, drop: tuple[str, ...] = ()) -> tuple[list[float], list[float]]:
    """The probe's losses and the rates the updates used over 8 updates of ``k`` micro-batches; with
    ``stop_at``, the Autopilot is checkpointed after that many micro-batches and a fresh one resumes."""
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState, GradientState

    try:
        accelerator = Accelerator(cpu=True, gradient_accumulation_steps=_K)
        torch.manual_seed(0)
        x = torch.randn(512, 3, generator=torch.Generator().manual_seed(0))
        loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, x.sum(1, keepdim=True)),
                                             batch_size=8)
        model = torch.nn.Linear(3, 1)
        inner = torch.optim.SGD(model.parameters(), lr=0.1)
        model, opt, loader = accelerator.prepare(model, inner, loader)
        used: list[float] = []
        inner.register_step_post_hook(lambda o, *a: used.append(o.param_groups[0]["lr"]))
        ap = Autopilot(opt, model=model, **_OPTIONS)
        for i, (xb, yb) in enumerate(itertools.islice(loader, 8 * _K)):
            if i == stop_at:
                state = {k: v for k, v in ap.state_dict().items() if k not in drop}
                ap = Autopilot(opt, model=model, **_OPTIONS)
                ap.load_state_dict(state)
            with accelerator.accumulate(model):
                loss = ((model(xb) - yb) ** 2).mean()
                accelerator.backward(loss)
                ap.step(loss)
                opt.zero_grad()
        return ap.probe_losses[:8], used
    finally:
        AcceleratorState._reset_state(True)
        GradientState._reset_state()


def test_a_resume_between_micro_batches_reads_the_whole_updates_mean_loss():
    losses, used = _run(None)
    for stop_at in (4 * _K + 1, 4 * _K + 3):  # one, then three micro-batches of update 4 before it
        assert _run(stop_at) == (losses, used)


def test_a_state_saved_without_micro_batch_losses_still_loads():
    losses, used = _run(4 * _K, drop=("micro",))  # at an update's start: nothing was pending
    assert (losses, used) == _run(None)
