"""Each NumPy reference optimizer against torch.optim: same gradients, 200 steps, float64.

The gradient sequence is fixed in advance (random, with coordinates of very
different scales so per-parameter adaptivity matters) and fed to both sides;
weight decay makes the update depend on the parameters too. The relative error
``|w_np - w_torch| / |w_torch|`` must stay <= 1e-6 at every step. A second set
runs a cosine schedule through both (torch gets ``group["lr"] = schedule(t)``
written before update ``t``, the lrkit step convention).
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lrkit.lab import SGD, Adadelta, AdaGrad, Adam, AdamW, Momentum, Nesterov, RMSProp  # noqa: E402
from lrkit.schedules import cosine  # noqa: E402

STEPS = 200
SCALES = np.array([10.0, 1.0, 0.1, 1e-3, 3.0])

# (lab class, torch class, lab kwargs, torch kwargs) -- several hyperparameter sets per algorithm
CASES = [
    (SGD, "SGD", {"lr": 0.05}, {"lr": 0.05}),
    (SGD, "SGD", {"lr": 0.01, "weight_decay": 0.1}, {"lr": 0.01, "weight_decay": 0.1}),
    (Momentum, "SGD", {"lr": 0.01, "momentum": 0.9}, {"lr": 0.01, "momentum": 0.9}),
    (
        Momentum,
        "SGD",
        {"lr": 0.02, "momentum": 0.5, "dampening": 0.3, "weight_decay": 0.05},
        {"lr": 0.02, "momentum": 0.5, "dampening": 0.3, "weight_decay": 0.05},
    ),
    (Nesterov, "SGD", {"lr": 0.01, "momentum": 0.9}, {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
    (
        Nesterov,
        "SGD",
        {"lr": 0.03, "momentum": 0.7, "weight_decay": 0.01},
        {"lr": 0.03, "momentum": 0.7, "nesterov": True, "weight_decay": 0.01},
    ),
    (AdaGrad, "Adagrad", {"lr": 0.1}, {"lr": 0.1}),
    (
        AdaGrad,
        "Adagrad",
        {"lr": 0.5, "lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.2, "eps": 1e-6},
        {"lr": 0.5, "lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.2, "eps": 1e-6},
    ),
    (RMSProp, "RMSprop", {"lr": 0.01}, {"lr": 0.01}),
    (
        RMSProp,
        "RMSprop",
        {"lr": 0.005, "alpha": 0.9, "momentum": 0.8, "centered": True, "weight_decay": 0.01},
        {"lr": 0.005, "alpha": 0.9, "momentum": 0.8, "centered": True, "weight_decay": 0.01},
    ),
    (
        RMSProp,
        "RMSprop",
        {"lr": 0.01, "eps": 1e-3, "momentum": 0.5},
        {"lr": 0.01, "eps": 1e-3, "momentum": 0.5},
    ),
    (Adam, "Adam", {"lr": 0.01}, {"lr": 0.01}),
    (
        Adam,
        "Adam",
        {"lr": 0.003, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1},
        {"lr": 0.003, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1},
    ),
    (Adam, "Adam", {"lr": 0.01, "amsgrad": True}, {"lr": 0.01, "amsgrad": True}),
    (AdamW, "AdamW", {"lr": 0.01}, {"lr": 0.01}),
    (
        AdamW,
        "AdamW",
        {"lr": 0.02, "weight_decay": 0.3, "betas": (0.95, 0.9)},
        {"lr": 0.02, "weight_decay": 0.3, "betas": (0.95, 0.9)},
    ),
    (AdamW, "AdamW", {"lr": 0.01, "amsgrad": True, "eps": 1e-4}, {"lr": 0.01, "amsgrad": True, "eps": 1e-4}),
    (Adadelta, "Adadelta", {}, {}),
    (
        Adadelta,
        "Adadelta",
        {"lr": 0.5, "rho": 0.95, "eps": 1e-5, "weight_decay": 0.05},
        {"lr": 0.5, "rho": 0.95, "eps": 1e-5, "weight_decay": 0.05},
    ),
]


def _ids(case):
    cls, _, kw, _ = case
    return cls.name + "(" + ",".join(f"{k}={v}" for k, v in kw.items()) + ")"


def _gradients(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((STEPS, SCALES.size)) * SCALES + 0.3 * SCALES


def _run_both(lab_opt, torch_cls, torch_kwargs, schedule=None):
    grads = _gradients()
    w0 = np.array([1.0, -2.0, 0.5, 3.0, -0.7])
    p = torch.nn.Parameter(torch.tensor(w0, dtype=torch.float64))
    topt = getattr(torch.optim, torch_cls)([p], **torch_kwargs)
    w, state = w0.copy(), lab_opt.init(w0)
    worst = 0.0
    for t in range(STEPS):
        if schedule is not None:
            for group in topt.param_groups:
                group["lr"] = float(schedule(t))
        p.grad = torch.tensor(grads[t], dtype=torch.float64)
        topt.step()
        w = lab_opt.step(w, grads[t], state)
        ref = p.detach().numpy()
        worst = max(worst, float(np.linalg.norm(w - ref) / max(np.linalg.norm(ref), 1e-12)))
    return worst, w, p.detach().numpy()


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_matches_torch_optim_over_200_steps(case):
    cls, torch_cls, kw, tkw = case
    worst, w, ref = _run_both(cls(**kw), torch_cls, tkw)
    assert worst <= 1e-6, f"max relative error {worst:.3g}; final lab {w} vs torch {ref}"
    assert not np.allclose(w, [1.0, -2.0, 0.5, 3.0, -0.7])  # the parameters actually moved


ALGOS = [
    (SGD, "SGD", {}),
    (Momentum, "SGD", {"momentum": 0.9}),
    (Nesterov, "SGD", {"momentum": 0.9, "nesterov": True}),
    (AdaGrad, "Adagrad", {}),
    (RMSProp, "RMSprop", {}),
    (Adam, "Adam", {}),
    (AdamW, "AdamW", {}),
    (Adadelta, "Adadelta", {}),
]


@pytest.mark.parametrize("cls,torch_cls,extra", ALGOS, ids=[a[0].name for a in ALGOS])
def test_matches_torch_with_a_schedule_as_the_rate(cls, torch_cls, extra):
    schedule = cosine(lr=0.02, steps=150, min_lr=0.001)  # horizon inside the run: the tail holds min_lr
    lab_kwargs = {k: v for k, v in extra.items() if k != "nesterov"}
    worst, _, _ = _run_both(cls(lr=schedule, **lab_kwargs), torch_cls, {"lr": 0.02, **extra}, schedule)
    assert worst <= 1e-6


def test_float_rate_is_a_constant_schedule():
    opt = Adam(lr=0.05)
    assert opt.rate(0) == opt.rate(10_000) == 0.05


@pytest.mark.parametrize("cls,torch_cls,extra", ALGOS, ids=[a[0].name for a in ALGOS])
def test_matches_torch_in_closed_loop_on_rosenbrock(cls, torch_cls, extra):
    """Each side computes its own gradient of Rosenbrock from its own iterate (autograd on the torch side)."""
    from lrkit.lab import Rosenbrock

    problem, lr = (
        Rosenbrock(),
        {"adagrad": 0.05, "rmsprop": 0.002, "adam": 0.01, "adamw": 0.01, "adadelta": 1.0},
    )
    rate = lr.get(cls.name, 5e-4)
    lab_kwargs = {k: v for k, v in extra.items() if k != "nesterov"}
    opt = cls(lr=rate, **lab_kwargs)
    w = problem.start()
    state = opt.init(w)
    p = torch.nn.Parameter(torch.tensor(w, dtype=torch.float64))
    topt = getattr(torch.optim, torch_cls)([p], lr=rate, **extra)
    for _ in range(STEPS):
        topt.zero_grad()
        loss = (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2
        loss.backward()
        topt.step()
        w = opt.step(w, problem.grad(w), state)
    ref = p.detach().numpy()
    assert np.linalg.norm(w - ref) / np.linalg.norm(ref) <= 1e-6
    assert problem.loss(w) < problem.loss(problem.start())  # it made progress
