"""``lrkit.torch.TrainingSnapshot``, the record ``snapshot`` returns, against what it copies.

``nbytes`` is checked against a count made independently from the model's and Adam's own tensors;
a disk snapshot's ``path`` is a file ``torch.load`` reads back to the same tensors, deleted by
``close``; ``restore`` puts back the exact weights and Adam moments ``state_dict`` reports, any
number of times, and a closed snapshot refuses to restore.
"""

from __future__ import annotations

import os

import pytest

torch = pytest.importorskip("torch")

from lrkit.torch import TrainingSnapshot, snapshot  # noqa: E402


def _trained() -> tuple[torch.nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(2):
        opt.zero_grad()
        model(torch.randn(8, 3)).pow(2).mean().backward()
        opt.step()
    return model, opt


def _tensor_bytes(model: torch.nn.Module, opt: torch.optim.Optimizer) -> int:
    """Parameters, their gradients, buffers and Adam's tensor state, counted from torch's own views."""
    tensors = [*model.parameters(), *(p.grad for p in model.parameters() if p.grad is not None),
               *model.buffers()]
    tensors += [v for st in opt.state_dict()["state"].values() for v in st.values() if torch.is_tensor(v)]
    return sum(t.numel() * t.element_size() for t in tensors)


@pytest.mark.parametrize("storage", ["memory", "disk"])
def test_snapshot_record_counts_and_restores_what_it_copied(storage: str) -> None:
    model, opt = _trained()
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    moments = {i: {k: v.clone() for k, v in st.items()} for i, st in opt.state_dict()["state"].items()}
    snap = snapshot(model, opt, storage=storage)
    assert isinstance(snap, TrainingSnapshot) and snap.storage == storage
    assert snap.nbytes == _tensor_bytes(model, opt)
    if storage == "disk":
        assert snap.path is not None and os.path.isfile(snap.path)
        on_disk = torch.load(snap.path, weights_only=True)
        assert torch.equal(on_disk["param:0.weight"], weights["0.weight"])
    else:
        assert snap.path is None
    for _ in range(2):  # restore copies out of the snapshot: a second restore sees the same values
        with torch.no_grad():
            for p in model.parameters():
                p.add_(1.0)
        opt.step()
        snap.restore()
        for k, v in model.state_dict().items():
            assert torch.equal(v, weights[k]), k
        for i, st in opt.state_dict()["state"].items():
            for k, v in st.items():
                assert torch.equal(v, moments[i][k]), (i, k)
    path = snap.path
    snap.close()
    assert path is None or not os.path.exists(path)
    with pytest.raises(RuntimeError, match="closed"):
        snap.restore()
