"""The Autopilot with sparse gradients (EmbeddingBag(sparse=True)): finite if the stored values are."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

from lrkit.torch import Autopilot  # noqa: E402
from lrkit.torch._autopilot_guard import grads_finite  # noqa: E402


def _bag_run(make, on_step=None, budget=60):
    torch.manual_seed(0)
    tokens = torch.randint(0, 100, (640, 6))
    labels = tokens[:, 0] % 4
    model = nn.Sequential(nn.EmbeddingBag(100, 8, sparse=True), nn.Linear(8, 4))
    ap = Autopilot(make(model.parameters()), budget=budget, model=model)
    losses, t = [], 0
    while not ap.done:
        i = (t * 32) % 640
        ap.optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(tokens[i:i + 32]), labels[i:i + 32])
        loss.backward()
        if on_step is not None:
            on_step(t, model)
        ap.step(loss)
        losses.append(loss.item())
        t += 1
    return ap, losses


@pytest.mark.parametrize("make", [lambda p: torch.optim.Adagrad(p, lr=0.1),
                                  lambda p: torch.optim.SGD(p, lr=0.1)])
def test_a_sparse_embedding_bag_trains_its_whole_budget(make):
    ap, losses = _bag_run(make)
    assert ap.total_steps == 60 == len(losses) and not any("fault" in e for e in ap.events)
    assert sum(losses[-10:]) < sum(losses[:10])


def test_a_nan_in_a_sparse_gradient_is_a_fault():
    w = nn.Parameter(torch.zeros(3))
    opt = torch.optim.SGD([w], lr=0.1)
    w.grad = torch.sparse_coo_tensor([[0, 1]], [1.0, 2.0], (3,), check_invariants=True)
    assert grads_finite(opt)
    w.grad = torch.sparse_coo_tensor([[0, 1, 1]], [1.0, 2.0, float("inf")], (3,), check_invariants=True)
    assert not grads_finite(opt)  # uncoalesced: the inf is summed into index 1


def test_two_sparse_nan_batches_in_a_row_roll_the_run_back():
    def poison(t, model):
        if t in (30, 31):
            emb = model[0].weight.grad
            model[0].weight.grad = torch.sparse_coo_tensor(
                emb.coalesce().indices(), torch.full_like(emb.coalesce().values(), float("nan")), emb.shape,
                check_invariants=True)

    ap, _ = _bag_run(lambda p: torch.optim.Adagrad(p, lr=0.1), poison)
    assert any("fault" in e for e in ap.events) and ap.total_steps == 60
    assert all(torch.isfinite(p).all() for p in ap.model.parameters())


def _bag(seed=0):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.EmbeddingBag(100, 8, sparse=True), nn.Linear(8, 4))
    opt = torch.optim.Adagrad(model.parameters(), lr=0.1)
    return model, opt, Autopilot(opt, budget=60, model=model)


def _steps(model, ap, start, stop):
    g = torch.Generator().manual_seed(7)
    tokens = torch.randint(0, 100, (640, 6), generator=g)
    for t in range(start, stop):
        i = (t * 32) % 640
        ap.optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(tokens[i:i + 32]), tokens[i:i + 32, 0] % 4)
        loss.backward()
        ap.step(loss)


@pytest.mark.parametrize("at", [5, 25, 45])  # inside the ramp, after it, in the cool-down
def test_a_sparse_run_resumes_bit_for_bit(at):
    import io

    model, _, ap = _bag()
    _steps(model, ap, 0, 60)
    first, opt1, ap1 = _bag()
    _steps(first, ap1, 0, at)
    buf = io.BytesIO()
    torch.save({"model": first.state_dict(), "opt": opt1.state_dict(), "ap": ap1.state_dict()}, buf)
    buf.seek(0)
    saved = torch.load(buf, weights_only=True)
    second, opt2, ap2 = _bag(seed=1)  # other initial weights: everything must come from the checkpoint
    second.load_state_dict(saved["model"])
    opt2.load_state_dict(saved["opt"])
    ap2.load_state_dict(saved["ap"])
    _steps(second, ap2, at, 60)
    assert ap2.done and all(torch.equal(a, b) for a, b in zip(model.parameters(), second.parameters()))
