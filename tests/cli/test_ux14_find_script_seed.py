"""``lrkit find --script`` seeds the user's function as ``lrkit train`` and ``tune`` do (session-14
new-user probe, ux; ``/work/notes/ux14/REPORT.md`` D7).

A first script does not seed: ``nn.Sequential(...)`` initialised from torch's global generator and a
``DataLoader(..., shuffle=True)`` without a generator. ``lrkit train --script`` and ``--autopilot`` call
``torch.manual_seed(seed)`` before ``FUNC(seed)`` and repeat bit for bit; ``lrkit find --script`` did
not: two identical runs suggested 0.0128 and 0.0149 (intervals 0.0055-0.030 and 0.0065-0.034), and
``--seed`` ("Seed of the model's weights and data order") changed nothing the script did not seed itself.
"""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = '''
import torch
from torch.utils.data import DataLoader, TensorDataset

def build(seed):
    g = torch.Generator().manual_seed(123)  # fixed data; the model and the batch order are not seeded here
    x = torch.randn(512, 8, generator=g)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).long()
    model = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.ReLU(), torch.nn.Linear(32, 2))
    return dict(model=model, optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                loss_fn=torch.nn.CrossEntropyLoss(),
                train_loader=DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True))
'''


def _find(tmp_path, out: str) -> dict:
    code = "import sys; from lrkit.cli import main; sys.argv[0] = 'lrkit'; main()"
    args = ["find", "--script", "user.py:build", "--num-steps", "40", "--out", out, "--json"]
    res = subprocess.run([sys.executable, "-c", code, *args], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode in (0, 3), res.stderr
    return json.loads(res.stdout)


def test_two_runs_of_the_same_command_agree(tmp_path):
    (tmp_path / "user.py").write_text(SCRIPT)
    a, b = _find(tmp_path, "a"), _find(tmp_path, "b")
    assert a["losses"] == b["losses"] and a["suggestion"] == b["suggestion"]
