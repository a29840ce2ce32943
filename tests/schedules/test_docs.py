"""docs/schedule.md: its examples run, its family table is complete, its torch table is right."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from lrkit.schedules import ReduceOnPlateau, parse, registry

DOCS = Path(__file__).resolve().parents[2] / "docs" / "schedule.md"


def _torch_table() -> list[tuple[str, str]]:
    text = DOCS.read_text()
    body = text[text.index("<!-- torch-table:start -->") : text.index("<!-- torch-table:end -->")]
    rows = []
    for line in body.splitlines()[3:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows.append((cells[0], cells[1].strip("`")))
    return rows


def test_family_table_lists_every_registered_name():
    text = DOCS.read_text()
    missing = [name for name in registry if f"`{name}`" not in text]
    assert not missing, f"docs/schedule.md does not mention {missing}"


def test_every_spec_in_the_torch_table_parses_and_round_trips():
    rows = _torch_table()
    assert len(rows) >= 20
    for _, spec in rows:
        s = parse(spec)
        assert parse(repr(s)) == s


def test_torch_rows_reproduce_torch():
    torch = pytest.importorskip("torch")
    from torch.optim import lr_scheduler

    namespace = {name: getattr(lr_scheduler, name) for name in dir(lr_scheduler) if name[0].isupper()}
    rng = np.random.default_rng(0)
    metrics = list(np.cumsum(rng.normal(0, 1, 1500)) / 50)
    checked = 0
    for torch_expr, spec in _torch_table():
        torch_expr = torch_expr.strip("`")
        if not re.match(r"[A-Z]\w+(LR|Plateau)\(", torch_expr):
            continue  # Hugging Face / Keras rows: closed forms in test_hf.py / test_families.py
        param = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([param], lr=0.1, momentum=0.9)
        sched = eval(torch_expr, {**namespace, "opt": opt})  # our own docs, trusted
        ours = parse(spec)
        want, got = [], []
        for t in range(1000):
            want.append(opt.param_groups[0]["lr"])
            got.append(ours.lr if isinstance(ours, ReduceOnPlateau) else ours(t))
            opt.step()
            if isinstance(ours, ReduceOnPlateau):
                sched.step(metrics[t])
                ours.observe(metrics[t])
            else:
                sched.step()
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=0, err_msg=f"{torch_expr} vs {spec}")
        checked += 1
    assert checked >= 14
