"""The tune report's advice for a best rate at the edge of the range can be followed (ux8 probe).

`lrkit tune --task diabetes-linear --budget 20 --trials 3 --space s1.json` with `lr: [1e-4, 1e-3]` puts the
best at 0.0009996; `tune.html` says "The best rate lies at the edge of the searched range 0.0001..0.001:
the best may lie outside it; widen the range (space lr) and resume." Widening the range and running the
same command again is refused: "error: study 'lrkit-diabetes-linear' was created with another search
space; use a new --study name to search a different space." (docs/tune.md: a study's space is fixed.)
The advice must be one the tool accepts: a new study, or a resume that takes the wider range. Owner:
health (``tuning/_plots.py`` ``_answer``; ``tuning/`` for the space rule).
"""

from __future__ import annotations

import pytest

from lrkit import LRKitError
from lrkit.tuning import Storage, tune, tune_report


def test_the_edge_advice_is_one_the_tool_accepts(tmp_path):
    common = dict(budget=20, pruner="none", use_finder=False)
    first = tune("diabetes-linear", n_trials=3, space={"lr": [1e-4, 1e-3]}, storage=Storage(out=tmp_path),
                 **common)
    html = tune_report(first).html()
    assert "edge of the searched range" in html  # the best is at the top of 1e-4..1e-3 (it is, today)
    if "resume" not in html.split("edge of the searched range")[1][:200]:
        assert "new --study name" in html.split("edge of the searched range")[1][:300]
        return  # the advice names a new study, which the tool accepts
    try:
        tune("diabetes-linear", n_trials=5, space={"lr": [1e-4, 0.1]}, storage=Storage(out=tmp_path),
             **common)
    except LRKitError as e:
        pytest.fail(f"the report says 'widen the range and resume'; resuming so says: {e}")
