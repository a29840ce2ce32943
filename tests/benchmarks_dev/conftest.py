"""The peer harnesses live in ``benchmarks/dev`` (a package the benchmark scripts import as ``dev``)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
if str(BENCHMARKS) not in sys.path:
    sys.path.insert(0, str(BENCHMARKS))

#: Run in a child interpreter: importing fastai patches torch.Tensor and the warning filters of the
#: whole process, which the rest of the suite should not inherit. One child serves every fastai test.
FASTAI_CHILD = """
import inspect, json, os, sys, torch
sys.path.insert(0, sys.argv[1])
torch.set_num_threads(1)
from fastai.callback.schedule import valley, minimum
from fastai.learner import AvgSmoothLoss
from dev.peers_fastai import fastai_finder
from lrkit.tasks import get_task
parts = get_task("digits-mlp").build(0)
before = {k: v.clone() for k, v in parts["model"].state_dict().items()}
results = fastai_finder(parts)
after = parts["model"].state_dict()
print(json.dumps({"results": [r.to_dict() for r in results],
                  "restored": all(torch.equal(before[k], after[k]) for k in before),
                  "left_in_cwd": sorted(os.listdir(".")),
                  "sources": [inspect.getsource(f) for f in (valley, minimum, AvgSmoothLoss)]}))
"""


@pytest.fixture(scope="session")
def fastai_child(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """fastai's finder on digits-mlp (seed 0) and its rules' source, from one child interpreter."""
    if importlib.util.find_spec("fastai") is None:
        pytest.skip("fastai is not installed (pip install --no-deps -r "
                    "benchmarks/dev/requirements-fastai.txt)")
    cwd = tmp_path_factory.mktemp("fastai-cwd")
    out = subprocess.run([sys.executable, "-c", FASTAI_CHILD, str(BENCHMARKS)], capture_output=True,
                         text=True, check=True, cwd=cwd)
    return json.loads(out.stdout.strip().splitlines()[-1])
