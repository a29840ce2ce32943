"""Protocol tasks read the batch layouts `find_lr` reads: (inputs, target) pairs and
{"input"/"inputs": ..., "target"/"targets": ...} dicts, in training, Autopilot training,
validation and `tune`; any other layout is one `LRKitError` naming the loader, never a
TypeError from inside the model."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from lrkit import LRKitError
from lrkit.tasks import train, train_autopilot
from lrkit.tasks._protocol import batch_pair


def _pairs(seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(96, 3, generator=g)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
    return [(x[i:i + 16], y[i:i + 16]) for i in range(0, 96, 16)]


def _task(layout):
    def build(seed):
        torch.manual_seed(seed)
        model = torch.nn.Linear(3, 1)
        batches = [layout(x, y) for x, y in _pairs(seed)]
        return {"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.05),
                "loss_fn": F.mse_loss, "train_loader": batches[:4], "val_loader": batches[4:]}
    return build


PAIR = _task(lambda x, y: (x, y))
DICT = _task(lambda x, y: {"input": x, "target": y})
DICTS = _task(lambda x, y: {"inputs": x, "targets": y, "extra": 1})


@pytest.mark.parametrize("build", [DICT, DICTS], ids=["input/target", "inputs/targets"])
def test_dict_batches_train_exactly_as_pairs_do(build):
    ref = train(PAIR, lr=0.05, budget=12)
    got = train(build, lr=0.05, budget=12)
    assert [h["train_loss"] for h in got.history] == [h["train_loss"] for h in ref.history]
    assert got.final == ref.final


def test_dict_batches_train_under_the_autopilot():
    ref = train_autopilot(PAIR, budget=24)
    got = train_autopilot(DICT, budget=24)
    assert got.steps == 24 and got.final == ref.final


@pytest.mark.parametrize("runner", [lambda b: train(b, lr=0.05, budget=4),
                                    lambda b: train_autopilot(b, budget=20)], ids=["train", "autopilot"])
def test_another_train_layout_is_one_lrkit_error_before_any_update(runner):
    def build(seed):
        parts = PAIR(seed)
        parts["train_loader"] = [(x, y, y) for x, y in parts["train_loader"]]  # a weight column
        parts.pop("val_loader")
        return parts

    with pytest.raises(LRKitError, match=r"^`train_loader` of the task function build must yield \(inputs, "
                                         r"target\) pairs or dicts with 'input' and 'target' keys; got a "
                                         r"tuple of 3\.$"):
        runner(build)


def test_dict_batches_with_other_keys_name_the_keys():
    def build(seed):
        parts = PAIR(seed)
        parts["train_loader"] = [{"x": x, "y": y} for x, y in parts["train_loader"]]
        parts.pop("val_loader")
        return parts

    with pytest.raises(LRKitError, match=r"got a dict with keys \['x', 'y'\]\.$"):
        train(build, lr=0.05, budget=4)


def test_batch_pair_reads_pairs_and_dicts_and_names_the_loader():
    x, y = torch.ones(2), torch.zeros(2)
    assert batch_pair((x, y), "train_loader", "f") == (x, y)
    assert batch_pair([x, y], "train_loader", "f") == (x, y)
    assert batch_pair({"inputs": x, "target": y}, "val_loader", "f") == (x, y)
    with pytest.raises(LRKitError, match=r"^`val_loader` of f must yield .* got Tensor\.$"):
        batch_pair(x, "val_loader", "f")


DICT_SCRIPT = '''
import torch

def build(seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(512, 3, generator=g)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
    batches = [{"input": x[i:i + 32], "target": y[i:i + 32]} for i in range(0, 512, 32)]
    torch.manual_seed(seed)
    model = torch.nn.Linear(3, 1)
    return {"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.05),
            "loss_fn": torch.nn.functional.mse_loss, "train_loader": batches[:12], "val_loader": batches[12:]}
'''


@pytest.mark.parametrize("args", [["find", "--val", "--num-steps", "30"], ["train", "--steps", "20"],
                                  ["train", "--autopilot", "--steps", "20"]],
                         ids=["find", "train", "autopilot"])
def test_the_cli_runs_a_script_whose_batches_are_dicts(tmp_path, args):
    from typer.testing import CliRunner

    from lrkit.cli import app

    (tmp_path / "task.py").write_text(DICT_SCRIPT)
    out = ["--out", str(tmp_path / "o")] if args[0] == "find" else []
    result = CliRunner().invoke(app, [*args, "--script", f"{tmp_path / 'task.py'}:build", *out])
    assert result.exit_code == 0, result.output


def test_a_one_shot_iterator_that_runs_out_says_so():
    def build(seed):
        parts = PAIR(seed)
        parts["train_loader"] = iter(parts["train_loader"][:3])  # a generator: one pass only
        parts.pop("val_loader")
        return parts

    with pytest.raises(LRKitError, match=r"^`train_loader` of the task function build ran out after 3 "
                                         r"batches and yielded nothing on its second pass: a one-shot "
                                         r"iterator cannot be cycled; pass a list or a DataLoader\.$"):
        train(build, lr=0.05, budget=5)


def test_an_empty_loader_is_named():
    def build(seed):
        return {**PAIR(seed), "train_loader": []}

    with pytest.raises(LRKitError, match=r"^`train_loader` of the task function build yielded no batches\.$"):
        train(build, lr=0.05, budget=5)


def _frozen_first(seed):
    parts = PAIR(seed)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 1))
    parts["model"] = model
    parts["optimizer"] = torch.optim.SGD([{"params": model[0].parameters(), "lr": 0.0},
                                          {"params": model[1].parameters(), "lr": 0.1}], lr=0.1)
    return parts


def test_a_group_0_frozen_at_lr_zero_stays_frozen_under_train_autopilot():
    seen = []
    r = train_autopilot(_frozen_first, budget=20, callbacks=[lambda i: seen.append(
        torch.equal(i["model"][0].weight, _frozen_first(0)["model"][0].weight))])
    assert r.steps == 20 and all(seen)


def test_a_group_0_frozen_at_lr_zero_is_named_with_the_way_out():
    with pytest.raises(LRKitError, match=r"^`optimizer` of the task function _frozen_first has param group 0 "
                                         r"at lr=0 and group 1 at 0\.1: train keeps each group's ratio to "
                                         r"group 0, which is undefined; list a group with lr > 0 first \(a "
                                         r"group at lr=0 after it stays at 0\)\.$"):
        train(_frozen_first, lr=0.05, budget=4)
