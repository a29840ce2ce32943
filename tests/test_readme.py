"""The README's examples run, and its torch table is the one the oracle tests check."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_examples_run():
    result = doctest.testfile(str(ROOT / "README.md"), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 3
    assert result.failed == 0


def test_readme_torch_table_matches_the_schedules_guide():
    pattern = re.compile(r"<!-- torch-table:start -->.*?<!-- torch-table:end -->", re.S)
    readme = pattern.search((ROOT / "README.md").read_text()).group(0)
    guide = pattern.search((ROOT / "docs" / "schedule.md").read_text()).group(0)
    assert readme == guide


def test_readme_names_the_two_commands_the_makefile_has():
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    for target in ("run", "test"):
        assert f"make {target}" in readme
        assert re.search(rf"^{target}:", makefile, re.M)


def test_readme_torch_loop_runs_as_written_on_a_standard_dataloader():
    # Regression (issue 18 item 8): the loop used batch.x / batch.y, which a DataLoader does not give.
    import warnings

    import torch

    text = (ROOT / "README.md").read_text()
    block = re.search(r"And in a PyTorch loop.*?```python\n(.*?)```", text, re.S).group(1)
    X, y = torch.randn(256, 4), torch.randn(256, 1)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=32, shuffle=True)
    namespace = {"model": torch.nn.Linear(4, 1), "loss_fn": torch.nn.functional.mse_loss, "loader": loader}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RateConflictWarning: the README's two rates agree
        exec(compile(block, "README.md", "exec"), namespace)
    sched, opt = namespace["sched"], namespace["opt"]
    assert sched.t == len(loader) == 8
    assert opt.param_groups[0]["lr"] == sched.schedule(8) == 3e-4 * 8 / 1000  # warming up
