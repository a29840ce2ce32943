"""A CSV whose step column goes back: a loop that appended to its history after a resume, and a step
counted within each epoch (session-11 new-user probe, ux; ``/work/notes/ux11/REPORT.md``, D12).

* A plain loop writes ``step,loss,lr`` with ``open("run.csv", "a")``, is stopped at step 199 and resumed
  from its checkpoint at step 100: the file holds 0..199 then 100..299. ``lrkit diagnose run.csv`` exits
  2, "`step` in run.csv must not repeat; step 100 appears twice.", with no way out, where the same run's
  TensorBoard folder is read as TensorBoard shows it (the steps logged again replace the interrupted
  run's; ux10 D8).
* A loop that logs ``epoch,step,loss`` with ``step`` the batch within the epoch got the same line, "step
  0 appears twice", which names neither the cause nor the fix.

Expected: the resumed file reads as the run that went on (the later write wins, as for TensorBoard); a
count that goes back to its first value (a step within each epoch, or another run appended) is refused
naming the per-epoch count and the way out (a step counted over the whole run), never silently read as the
last epoch alone.
"""

from __future__ import annotations

import numpy as np
import pytest

import lrkit
from lrkit import LRKitError
from lrkit.diagnostics import read_history


def _losses(steps, seed):
    rng = np.random.default_rng(seed)
    return 2.3 * np.exp(-np.asarray(steps) / 80) + 0.2 + 0.05 * rng.standard_normal(len(steps))


def _write(path, header, rows):
    path.write_text(header + "\n" + "".join(",".join(str(v) for v in r) + "\n" for r in rows))


def test_a_csv_appended_after_a_resume_reads_as_the_run_that_went_on(tmp_path):
    first, second = _losses(range(200), 0), _losses(range(100, 300), 1)
    rows = [(s, float(v), 0.1) for s, v in zip(range(200), first)]
    rows += [(s, float(v), 0.1) for s, v in zip(range(100, 300), second)]
    _write(tmp_path / "run.csv", "step,loss,lr", rows)
    h = read_history(tmp_path / "run.csv")
    assert h.steps.tolist() == list(range(300))
    assert h.losses.tolist() == [*first[:100].tolist(), *second.tolist()]
    expected = lrkit.diagnose(h.losses, lrs=np.full(300, 0.1), steps=np.arange(300))
    assert lrkit.diagnose(h.losses, lrs=h.lrs, steps=h.steps).verdict == expected.verdict


def test_a_step_counted_within_each_epoch_is_named_with_the_way_out(tmp_path):
    rows = [(e, b, float(v)) for e in range(2) for b, v in zip(range(50), _losses(range(50), e))]
    _write(tmp_path / "epochs.csv", "epoch,step,loss", rows)
    with pytest.raises(LRKitError, match="epoch") as caught:
        read_history(tmp_path / "epochs.csv")
    assert "over the whole run" in str(caught.value)
