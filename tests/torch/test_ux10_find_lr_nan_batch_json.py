"""``lrkit find`` crashes on a sweep that met a NaN batch (session-10 new-user probe, ux;
``/work/notes/ux10/REPORT.md``; owner finder, ``finder/_result.py`` / ``cli/_find.py``).

A training set with one NaN sample (``/work/notes/ux10/badbatch.py``: digits, batch 20 of a fixed list):
``lrkit find --script badbatch.py:build`` exits 1 with "error: unexpected ValueError: Out of range float
values are not JSON compliant: nan (... please report it)" and writes nothing. The sweep itself ends
(``stop_reason='nan'``, a recorded loss NaN), but ``FinderResult.to_json()`` (strict JSON, "no NaN") and
the CLI's ``finder.json`` refuse the NaN it recorded. The README calls the finder NaN-safe. Expected: the
result serializes (a non-finite loss as ``null``, or the like) and round-trips through ``from_dict``; the
command writes its files and exits 0. (What the sweep reads from that NaN is in the report, D15.)
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap

import torch

from lrkit.finder import FinderResult
from lrkit.torch import find_lr

SCRIPT = textwrap.dedent('''
    import torch

    def build(seed):
        g = torch.Generator().manual_seed(0)
        X = torch.randn(640, 4, generator=g)
        y = X @ torch.tensor([1.0, -2.0, 0.5, 3.0])
        X[200, 1] = float("nan")  # one bad sample, in batch 6
        torch.manual_seed(seed)
        model = torch.nn.Linear(4, 1)
        batches = [(X[i:i + 32], y[i:i + 32]) for i in range(0, 640, 32)]
        return {"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.01),
                "loss_fn": lambda out, t: ((out.squeeze(1) - t) ** 2).mean(),
                "train_loader": batches[:16], "val_loader": batches[16:]}
''')


def _parts():
    namespace: dict = {}
    exec(SCRIPT, namespace)  # the same task the command-line test runs
    return namespace["build"](0)


def test_a_sweep_that_met_a_nan_batch_serializes():
    p = _parts()
    r = find_lr(p["model"], p["optimizer"], p["loss_fn"], p["train_loader"], interval=False)
    assert any(not math.isfinite(v) for v in r.losses)  # the sweep recorded the NaN
    back = FinderResult.from_dict(json.loads(r.to_json()))
    assert back.suggestion == r.suggestion and len(back.losses) == len(r.losses)
    # The NaN was in meta["train_losses"] (every training loss of the sweep): null there, as in `losses`.
    assert None in back.meta["train_losses"] and back.to_dict() == r.to_dict()


def test_lrkit_find_on_a_nan_batch_writes_its_files(tmp_path):
    (tmp_path / "task.py").write_text(SCRIPT)
    code = "import sys; from lrkit.cli import main; sys.argv[0] = 'lrkit'; main()"
    res = subprocess.run([sys.executable, "-c", code, "find", "--script", "task.py:build", "--out", "o"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, OMP_NUM_THREADS="1"))
    # The NaN sample comes before the loss moved, so there is no suggestion (ux12 D12: a guess two decades
    # under a "blow-up" before): the outputs are written, then one error line naming the data, exit code
    # NO_ANSWER_EXIT, as for any range test without an answer; never a crash.
    from lrkit.cli._find import NO_ANSWER_EXIT

    assert res.returncode == NO_ANSWER_EXIT, res.stderr[-2000:]
    assert (tmp_path / "o" / "finder.json").exists() and (tmp_path / "o" / "report.html").exists()
    assert res.stderr.strip().splitlines()[-1].startswith("error: no suggestion:")
    assert "a batch" in res.stderr and "unexpected" not in res.stderr
