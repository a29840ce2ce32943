"""The README's three-line Hugging Face example runs as written, on the tiny task, and does what it says."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
SPEC = "warmup_cosine(lr=lr, warmup=0.06*total, steps=total)"


def _snippet() -> str:
    pattern = r"<!-- hf-three-lines:start -->\n```python\n(.*?)```\n<!-- hf-three-lines:end -->"
    block = re.search(pattern, README.read_text(), re.S)
    assert block, "the README's marked Hugging Face block is missing"
    return block.group(1)


def test_the_snippet_is_a_plain_trainer_script_plus_three_lines():
    lines = _snippet().splitlines()
    added = [line for line in lines if "# added" in line]
    assert len(added) == 3
    assert not any("lrkit" in line for line in lines if line not in added)


def test_the_readme_snippet_runs_as_written(tmp_path, tiny_task, step_log, monkeypatch):
    from lrkit.schedules import for_run
    from lrkit.torch import LRScheduler

    monkeypatch.chdir(tmp_path)  # output_dir="out" lands here
    namespace = dict(tiny_task)
    exec(compile(_snippet(), str(README), "exec"), namespace)  # our own README, run as a user would
    trainer = namespace["trainer"]
    lr, total = trainer.args.learning_rate, trainer.state.max_steps
    assert lr != 5e-5  # find_lr(apply=True) put the suggestion there
    assert isinstance(trainer.lr_scheduler, LRScheduler) and total == 36  # 12 batches x 3 epochs
    want = for_run(SPEC, total=total, lr=lr)
    assert [g[0] for g in step_log[-total:]] == [want(t) for t in range(total)]
    assert SPEC in _snippet()
