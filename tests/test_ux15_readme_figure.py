"""The README's finder figure is the one ``lrkit find`` draws today (session-15 new-user probe, ux;
``/work/notes/ux15/REPORT.md`` D16, medium).

README.md shows ``docs/img/finder.png``, "the LR range test on digits-mlp", right under the five jobs: one
panel, "LR range test: suggestion 0.269 (diverged, 94 steps)", a narrow interval, the other rules as
vertical text labels. Made with the README (3ce9129, 2026-11-24) and never redrawn. ``lrkit find`` on
digits-mlp today (seed 0) answers **0.053** (interval 0.023-0.12, "a rerun's suggestion, family average")
and draws two panels, the whole sweep and a zoom, every label a legend entry (docs/find.md: "The plot has
two panels ..."): the first figure a reader sees shows a suggestion five times the one the tool gives,
above the task's near-best band (0.0046-0.1, docs/tasks.md). Expected: the README's figure is the current
plot of that sweep (checked here by its pixel size, which the plot's layout sets).
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_finder_figure_is_the_current_plot(tmp_path):
    torch = pytest.importorskip("torch")
    image = pytest.importorskip("matplotlib.image")
    from lrkit.tasks import get_task
    from lrkit.torch import find_lr

    torch.set_num_threads(1)
    p = get_task("digits-mlp").build(0)
    r = find_lr(p["model"], p["optimizer"], p["loss_fn"], p["train_loader"])
    r.plot(str(tmp_path / "finder.png"))
    now = image.imread(str(tmp_path / "finder.png")).shape
    shown = image.imread(str(ROOT / "docs" / "img" / "finder.png")).shape
    assert shown[:2] == now[:2], (shown, now, r.suggestion)
