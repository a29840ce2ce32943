"""ux16 L5: a weak probe reading says it is a guess, as a ramp with no valley does and as find_lr does.

The 1-D CNN of ``/work/notes/ux16/workloads16.py`` (``cnn1d``: three classes of noisy sine mixtures, 64
points; SGD momentum 0.9, batch 32) under ``Autopilot(budget=300)``: at seeds 0-1 the ramp shows no valley
and never blows up, and a warning says the peak is a guess; at seed 2 its loss fell only 5.5 times its
batch-to-batch noise, the valley rule handed the reading to ``minimum/10`` ("weak signal: ..."), the ramp
never blew up either, the peak was 0.040 (the grid's best 0.316; 13% of the gain) and nothing was said.
``find_lr`` on the same task says "a guess, not a measurement". Expected: a reading that did not measure
where the descent begins (``lrkit.finder.handed_to_weak_rule``) on a ramp that never blew up warns as a
ramp with no valley does, in find_lr's words.
"""

from __future__ import annotations

import math
import warnings

import pytest

torch = pytest.importorskip("torch")
np = pytest.importorskip("numpy")
datasets = pytest.importorskip("sklearn.datasets")

from lrkit.finder import handed_to_weak_rule  # noqa: E402
from lrkit.torch import Autopilot  # noqa: E402


def _series() -> tuple[torch.Tensor, torch.Tensor]:
    z, y = datasets.make_classification(2000, 6, n_informative=4, n_redundant=0, n_classes=3, random_state=0)
    t = np.arange(64) / 64
    x = sum(z[:, j:j + 1] * np.sin(2 * math.pi * (j + 1) * t + j) for j in range(6))
    x = x + 0.5 * np.random.default_rng(0).standard_normal(x.shape)
    return torch.tensor(x, dtype=torch.float32)[:1600, None, :], torch.tensor(y)[:1600]


def _run(seed: int) -> tuple[Autopilot, list[str]]:
    torch.set_num_threads(1)
    x, y = _series()
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Conv1d(1, 16, 5, padding=2), torch.nn.ReLU(),
                                torch.nn.Conv1d(16, 32, 5, padding=2), torch.nn.ReLU(),
                                torch.nn.AdaptiveAvgPool1d(1), torch.nn.Flatten(), torch.nn.Linear(32, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=32, shuffle=True,
                                         generator=torch.Generator().manual_seed(seed), drop_last=True)
    ap = Autopilot(opt, budget=300, model=model)
    batches = iter(loader)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        while ap.phase == "probe":
            try:
                xb, yb = next(batches)
            except StopIteration:
                batches = iter(loader)
                xb, yb = next(batches)
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            ap.step(loss)
    return ap, [str(w.message) for w in caught]


def test_a_weak_reading_on_a_ramp_that_never_blew_up_says_it_is_a_guess():
    ap, said = _run(2)
    first = ap.events[0]
    assert handed_to_weak_rule(first["how"].split(": ", 1)[1]) and first["diverged_at"] is None
    assert any(m.startswith("Autopilot: a guess, not a measurement") and "times its batch-to-batch noise" in m
               and "minimum/10" in m for m in said), said


def test_a_ramp_with_no_valley_says_it_in_the_same_words():
    ap, said = _run(0)
    assert "this peak is a guess" in ap.events[0]["how"] and ap.events[0]["diverged_at"] is None
    assert any(m.startswith("Autopilot: a guess, not a measurement") and "show no valley" in m for m in said)


def test_the_weak_rules_hand_off_is_one_test():
    assert handed_to_weak_rule("weak signal: the drop is only 5.5 noise SDs, ... minimum/10 rule reads it")
    assert not handed_to_weak_rule("where the valley at half depth begins: ...; weak signal: the drop is "
                                   "only 3.1 noise SDs (repeat the sweep or use larger batches)")
