"""ux17 D4: a two-group fine-tune under plain SGD is read two decades low, "medium" (find_lr, the Autopilot).

Probe (``/work/notes/ux17/sgd_ft_find.py``, ``sgdm_grid.py``, ``ap_trace.py``; workload
``myjobs.py:ft_groups``, none in the zoo): a 64-64-32 ReLU body pretrained in the probe on digits 0-4 (400
Adam updates), a new 32-5 head, fine-tuned on digits 5-9; ``torch.optim.SGD`` (no momentum) with the body at
1e-3 and the head at 1e-2 (the usual "head 10x" groups), batch 32. Constant-rate grid at that ratio, 300
updates, validation loss by the body's rate (seeds 0 / 1 / 2): 0.001 1.02 / 0.97 / 1.01, 0.01 0.40 / 0.33 /
0.33, 0.0316 0.15 / 0.14 / 0.14, **0.1 0.085 / 0.091 / 0.154**, 0.316 1.68 / 1.62 / 1.62 (untrained 2.05).
``find_lr`` (defaults) answers 0.000677 (low), 0.000632, 0.00101, 0.000653 (``medium``) on seeds 0-3: its
sweep stops where the head (at 10x) catapults, body rate 0.012-0.018, loss 1.6 -> 3.6, a rise a constant run
at 0.1 (head 1.0) rides out; read by minimum/10 or a valley below it. At 0.001 a run keeps about half of the
best rate's gain, where ``medium`` promises "about 3 in 4 ... lost at most a tenth". The same model with one
group (``SGD(model.parameters())``) is read 0.065-0.71, ``medium``, near the best. The Autopilot
(``budget=300``) reads the same catapult as its probe's blow-up at 0.0175 and peaks at 0.00138 on seeds 0
and 1 (val 0.99, 0.96: 46% of the gain lost), with no warning; one group: peak 0.15-0.21, val 0.08-0.10.
Expected: an answer within a decade of the grid best (>= 0.01 here), or a word that does not promise it
(``low``, saying the reading is a guess).
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
datasets = pytest.importorskip("sklearn.datasets")
np = pytest.importorskip("numpy")

from lrkit.finder import confidence  # noqa: E402
from lrkit.torch import find_lr  # noqa: E402


def _body():
    return torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 32),
                               torch.nn.ReLU())


def _fine_tune(seed: int):
    d = datasets.load_digits()
    x_all, y_all = (d.data / 16.0).astype(np.float32), d.target
    torch.manual_seed(0)  # the body, pretrained on digits 0-4
    body, head0 = _body(), torch.nn.Linear(32, 5)
    net = torch.nn.Sequential(body, head0)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    xp, yp = torch.tensor(x_all[y_all < 5]), torch.tensor(y_all[y_all < 5])
    g = torch.Generator().manual_seed(0)
    for _ in range(400):
        i = torch.randint(0, len(xp), (64,), generator=g)
        loss = torch.nn.functional.cross_entropy(net(xp[i]), yp[i])
        opt.zero_grad()
        loss.backward()
        opt.step()
    x, y = x_all[y_all >= 5], y_all[y_all >= 5] - 5
    idx = np.random.default_rng(12345).permutation(len(x))
    train = idx[len(x) // 4:]
    torch.manual_seed(seed)
    head = torch.nn.Linear(32, 5)
    model = torch.nn.Sequential(body, head)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.tensor(x[train]), torch.tensor(y[train])), batch_size=32,
        shuffle=True, generator=torch.Generator().manual_seed(seed))
    sgd = torch.optim.SGD([{"params": body.parameters(), "lr": 1e-3},
                           {"params": head.parameters(), "lr": 1e-2}])
    return model, sgd, loader


@pytest.mark.xfail(strict=True, reason="ux17 D4: a plain-SGD two-group fine-tune read ~2 decades low, medium")
@pytest.mark.parametrize("seed", [1, 2])
def test_a_two_group_plain_sgd_fine_tune_is_not_read_two_decades_low_with_a_promise(seed):
    torch.set_num_threads(1)
    model, opt, loader = _fine_tune(seed)
    result = find_lr(model, opt, torch.nn.CrossEntropyLoss(), loader, seed=seed, progress=False)
    word = confidence(result)[0]
    assert result.suggestion >= 0.01 or word in ("low", "none"), (result.suggestion, word)


@pytest.mark.xfail(strict=True, reason="ux17 D4: with momentum the same groups are read where the run "
                                       "does not train, medium")
def test_the_same_groups_under_momentum_are_not_read_where_the_run_does_not_train():
    """SGD momentum 0.9, the same groups (``sgd_ft_find.py`` with ``MOM=0.9``). Grid (body rate, seeds 0 / 1):
    0.001 0.32 / 0.37, 0.00316 0.13 / 0.15, 0.01 0.071 / 0.079, **0.0316 0.062 / 0.103**, 0.05 - / 1.66, 0.1
    1.61 / 1.66. ``find_lr`` seeds 0-3: 0.00117, **0.0865**, 0.00224, 0.00154, each ``medium``; a run at
    0.0865 ends at 1.65 / 1.61 (seeds 1 / 0): 80% of the gain lost ("weak signal ... minimum/10", the sweep
    stopping at 0.1-0.2 where the head at 10x blows up). Expected: an answer in 0.003-0.04 or a word that
    does not promise it."""
    torch.set_num_threads(1)
    model, opt, loader = _fine_tune(1)
    opt = torch.optim.SGD([{"params": g["params"], "lr": g["lr"]} for g in opt.param_groups], momentum=0.9)
    result = find_lr(model, opt, torch.nn.CrossEntropyLoss(), loader, seed=1, progress=False)
    word = confidence(result)[0]
    assert 0.003 <= result.suggestion <= 0.04 or word in ("low", "none"), (result.suggestion, word)
