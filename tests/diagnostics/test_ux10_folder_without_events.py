"""``lrkit diagnose OUTPUT_DIR`` on a Hugging Face output folder without event files names the
``trainer_state.json`` files it holds (session-10 new-user probe, ux; ``/work/notes/ux10/REPORT.md``).

A ``Trainer`` run with ``report_to=[]`` leaves ``out/checkpoint-100/trainer_state.json`` (and one per
checkpoint); ``lrkit diagnose out`` (or ``out/checkpoint-100``) said "the folder out holds no TensorBoard
event files (events.out.tfevents.*); give a CSV file or a folder of event files.", though the folder
holds the file docs/watch.md lists first among the formats it reads. Expected, and now: the message
names the readable files found below the folder (the Trainer's ``trainer_state.json``, Lightning's
``metrics.csv``), so the way out is one copy-paste.
"""

from __future__ import annotations

import json

import pytest

from lrkit import LRKitError
from lrkit.diagnostics import read_history


def _state(folder, steps: int) -> None:
    folder.mkdir(parents=True)
    logs = [{"step": s, "loss": 2.0 / s, "learning_rate": 0.1} for s in range(1, steps + 1)]
    (folder / "trainer_state.json").write_text(json.dumps({"log_history": logs, "global_step": steps}))


def test_an_output_folder_without_events_names_its_trainer_states(tmp_path):
    _state(tmp_path / "out" / "checkpoint-100", 100)
    _state(tmp_path / "out" / "checkpoint-200", 200)
    with pytest.raises(LRKitError) as e:
        read_history(tmp_path / "out")
    message = str(e.value)
    assert "no TensorBoard event files" in message
    assert "checkpoint-200/trainer_state.json" in message and "checkpoint-100" in message, message
    assert len(read_history(tmp_path / "out" / "checkpoint-200" / "trainer_state.json").losses) == 200


def test_a_folder_with_nothing_readable_keeps_the_plain_message(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(LRKitError, match="holds no TensorBoard event files"):
        read_history(tmp_path / "empty")
