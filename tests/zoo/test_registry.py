"""The zoo's registry: breadth (families, optimizers, batch sizes, budgets), lookups, held-out tasks."""

from __future__ import annotations

import pytest

from lrkit import LRKitError, zoo
from lrkit.tasks import OPTIMIZERS
from lrkit.tasks import registry as builtin_registry


def test_the_zoo_is_broad():
    fams = zoo.families()
    assert len(fams) >= 10 and len(zoo.registry) >= 30
    assert all(len(members) >= 2 for members in fams.values())
    assert {"tabular", "norm-mlp", "resnet", "rnn", "transformer", "embbag", "regression", "charlm",
            "finetune"} <= set(fams)


def test_every_optimizer_batch_range_and_budget_range_is_covered():
    infos = [w.info for w in zoo.registry.values()]
    assert {i.default_optimizer for i in infos} == set(OPTIMIZERS)
    assert min(i.batch_size for i in infos) == 8 and max(i.batch_size for i in infos) == 512
    assert min(i.budget for i in infos) == 100 and max(i.budget for i in infos) == 3000
    assert {i.loss for i in infos} >= {"cross_entropy", "mse", "huber", "lm_cross_entropy"}
    assert any(i.optimizer_options.get("weight_decay") for i in infos if i.default_optimizer == "adamw")


def test_builtin_tasks_are_held_out():
    assert not set(builtin_registry) & set(zoo.registry)
    assert not set(zoo.registry) & set(builtin_registry)


def test_unknown_names_say_did_you_mean():
    with pytest.raises(LRKitError, match="did you mean 'tabular-blobs-sgd'"):
        zoo.get("tabular-blob-sgd")
    with pytest.raises(LRKitError, match="did you mean 'resnet'"):
        zoo.names("resnets")
    with pytest.raises(LRKitError, match="unknown zoo workload"):
        zoo.get("digits-mlp")  # a built-in task is not a zoo workload


def test_names_and_families_agree():
    fams = zoo.families()
    assert sorted(n for members in fams.values() for n in members) == zoo.names()
    for fam, members in fams.items():
        assert zoo.names(fam) == members
        assert all(zoo.get(n).info.family == fam for n in members)


def test_a_name_registers_once():
    from lrkit.zoo._registry import register

    with pytest.raises(LRKitError, match="registered twice"):
        register(zoo.get("tabular-blobs-sgd"))


def test_importing_the_zoo_leaves_transformers_unloaded():
    # docs/architecture.md: only the workloads that need transformers import it, when built.
    import subprocess
    import sys

    code = "import sys, lrkit.zoo; print('transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_docs_zoo_md_lists_every_workload_as_registered():
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "zoo.md").read_text()
    rows = {}
    for line in page.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 10 and cells[1].startswith("`"):
            rows[cells[1].strip("`")] = cells
    assert sorted(rows) == zoo.names()
    for name, (fam, _, _, _, opt, batch, budget, metric, _, _) in rows.items():
        info = zoo.get(name).info
        assert (fam, opt.split()[0], int(batch), int(budget), metric) == (
            info.family, info.default_optimizer, info.batch_size, info.budget, info.metric), name
