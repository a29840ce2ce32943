"""A resumed run's TensorBoard folder cannot be diagnosed (session-10 new-user probe, ux;
``/work/notes/ux10/REPORT.md``; owner diag, ``diagnostics/_history_tensorboard.py``).

Lightning resumed with its logger's version kept (``TensorBoardLogger(out, version=0)``,
``Trainer.fit(ckpt_path="epoch=2-step=100.ckpt")`` after a first fit to step 200) writes a second event
file into the same folder, logging steps 100..299 again from the checkpoint; a plain ``SummaryWriter``
loop resumed into its ``logdir`` does the same. ``lrkit diagnose tb/version_0`` then exits 2 with
"`step` in tb/version_0 must not repeat; step 100 appears twice." and no way out: the history of
every resumed run is unreadable. (TensorBoard itself shows the run.) Expected: the steps logged again
after the resume replace the ones the interrupted run logged (the later event file wins), as a resumed
run's weights replaced the old ones.

Fixed: the TensorBoard reader reads each tag as TensorBoard does: a step that goes back restarts the run
there, and what was written earlier at that step or later is dropped (``_history_tensorboard.resumed``).
A CSV with a repeated step is still refused, naming the step (``tests/diagnostics/test_history.py``).
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from lrkit.diagnostics import read_history


def _write(folder, steps, losses) -> None:
    from torch.utils.tensorboard import SummaryWriter

    w = SummaryWriter(str(folder))
    for s, v in zip(steps, losses):
        w.add_scalar("train/loss", float(v), int(s))
        w.add_scalar("train/learning_rate", 0.01, int(s))
    w.close()


def test_a_resumed_runs_event_folder_is_read_with_the_resumed_values(tmp_path):
    pytest.importorskip("tensorboard")
    first, resumed = np.arange(0, 200), np.arange(150, 300)
    _write(tmp_path, first, 2.0 * np.exp(-first / 50) + 0.1)
    time.sleep(1.1)  # event file names carry the second they were opened in
    _write(tmp_path, resumed, 2.0 * np.exp(-resumed / 50) + 0.2)  # the resumed run, another level
    h = read_history(tmp_path)
    assert list(h.steps) == list(range(300))
    assert np.allclose(h.losses[150:], 2.0 * np.exp(-resumed / 50) + 0.2, rtol=1e-6)


def test_a_resumed_run_that_stopped_earlier_drops_the_interrupted_runs_later_steps(tmp_path):
    pytest.importorskip("tensorboard")
    first, resumed = np.arange(0, 200), np.arange(100, 150)  # resumed at 100, stopped again at 149
    _write(tmp_path, first, 2.0 * np.exp(-first / 50) + 0.1)
    time.sleep(1.1)
    _write(tmp_path, resumed, 2.0 * np.exp(-resumed / 50) + 0.2)
    h = read_history(tmp_path)
    assert list(h.steps) == list(range(150))  # as TensorBoard shows it: 150..199 were the lost run's
    assert np.allclose(h.losses[100:], 2.0 * np.exp(-resumed / 50) + 0.2, rtol=1e-6)
