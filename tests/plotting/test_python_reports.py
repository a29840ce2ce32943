"""Reports from Python (issue 18 item 3) and the finder report that leads with the answer (item 2)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch

import lrkit
from lrkit import LRKitError
from lrkit.finder import Sweep, advise, range_test, synthetic
from lrkit.torch import find_lr

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def sgd_result():
    """A real find_lr sweep of a small classifier: the optimizer and batch size land in meta."""
    torch.manual_seed(0)
    X = torch.randn(1024, 8)
    y = (X[:, :2].sum(1) > 0).long()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=32)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return find_lr(model, opt, torch.nn.functional.cross_entropy, loader, sweep=Sweep(num_steps=60))


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_the_finder_report_leads_with_rate_optimizer_confidence_and_next_step(sgd_result, tmp_path):
    page = lrkit.report(sgd_result, tmp_path / "finder.html", budget=500).html()
    text = _text(page)
    a = advise(sgd_result, budget=500)
    answer = page.index('id="answer"')
    assert answer < page.index("<figure")  # the answer comes before the figure
    assert f"Suggested peak learning rate: {a.lr}" in text
    assert "SGD (momentum 0.9), batch size 32" in text
    assert f"How sure: {a.confidence}." in text and a.confidence in ("high", "medium", "low")
    assert "torch.optim.SGD(model.parameters(), lr=" in page and "LRScheduler(optimizer, " in page
    assert re.search(r"wsd\(lr=[0-9.e-]+, warmup=25, stable=375, decay=100, min_lr=", page)
    # one recommended rule; the others and the rule's jargon are folded away in <details>
    first_details = page.index("<details")
    assert page.index("What the other rules would pick") > first_details
    assert "across the valley" not in page[:first_details]
    assert (tmp_path / "finder.html").read_text(encoding="utf-8") == page


def test_advice_words_and_json(sgd_result):
    a = advise(sgd_result)
    data = json.loads(json.dumps(a.to_dict()))
    for key in ("lr", "headline", "optimizer", "confidence", "confidence_words", "schedule_spec", "python"):
        assert data[key], key
    assert data["budget"] is None and "{total_steps}" in data["schedule_spec"]
    assert 'f"cosine(lr=' in data["python"] and "total_steps = 10_000" in data["python"]
    lines = a.lines()
    assert lines[0] == a.headline and any(line.startswith("how sure: ") for line in lines)


def test_advice_without_a_suggestion_says_why_and_what_to_do():
    r = range_test(lambda lr: 1.0, sweep=Sweep(start=1e-4, end=1.0, num_steps=20))
    a = advise(r)
    assert a.lr is None and a.confidence == "none" and a.schedule_spec is None
    assert "No suggestion: the loss did not change during the sweep" in a.headline
    assert "raise `end`" in a.confidence_words


def test_confidence_reads_low_on_a_weak_noisy_sweep():
    lrs = np.logspace(-5, 0, 80)
    rng = np.random.default_rng(0)
    noisy = synthetic.curve(lrs, noise=0.0) * 0.05 + rng.normal(0, 0.02, lrs.size) + 1.0
    from lrkit.finder import FinderResult, smooth

    r = FinderResult(lrs, noisy, smooth(lrs, noisy), "completed", 1e-3, (1e-4, 1e-2), "default", "", 80, 0.0)
    assert advise(r).confidence == "low"


def test_report_for_tune_and_diagnosis_results(tmp_path):
    from lrkit.tuning import Storage, tune

    r = tune(lambda p: (np.log10(p["lr"]) + 2) ** 2, n_trials=3, storage=Storage(out=tmp_path), pruner="none",
             space={"lr": [1e-4, 1.0], "schedules": ["constant"]})
    page = lrkit.report(r, tmp_path / "tune.html").html()
    assert "optimization history" in page and (tmp_path / "tune.html").exists()
    y = np.exp(-np.arange(400.0) / 100)  # healthy: the second half still brings a tenth of the drop
    d = lrkit.diagnose(y)
    page = lrkit.report(d, tmp_path / "d.html", losses=y).html()
    assert "Healthy" in page and "What to do:" in page and "<img" in page
    assert d.report().html().count("<img") == 0  # without the history: no figure, still a page


def test_report_rejects_what_it_cannot_write(tmp_path, sgd_result):
    with pytest.raises(LRKitError, match=r"`result` of lrkit.report must be a FinderResult, TuneResult or "
                                         r"Diagnosis; got str"):
        lrkit.report("x", tmp_path / "x.html")
    with pytest.raises(LRKitError, match=r"`path` of lrkit.report must end in .html; got '.*x.png'"):
        lrkit.report(sgd_result, tmp_path / "x.png")
