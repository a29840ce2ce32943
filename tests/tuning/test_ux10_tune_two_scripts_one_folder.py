"""Tuning a second script in the same folder answers with the first script's study (session-10 new-user
probe, ux; ``/work/notes/ux10/REPORT.md``; owner: whoever owns ``tuning/_tune.py``).

``lrkit tune --script mlp.py:build --budget 100 --trials 4`` then ``lrkit tune --script logreg.py:build
--budget 100 --trials 4`` (another model, another optimizer; both functions named ``build``, as
docs/tune.md names them) with the default ``--out``: the second run prints "note: resumed study
'lrkit-build' with 4 stored trial(s).", trains nothing, and reports the MLP's best (val_loss 0.1533 at
lr 0.386, the MLP's range test's space) as the logistic regression's answer. The default study name is
``lrkit-`` + the function's name only (``tuning/_tune.py``: ``f"lrkit-{target.name}"``), so every
``build`` in a folder shares one study; the same holds for ``tune(build)`` from Python. docs/tune.md says
re-running *the same command* resumes. Expected: a different script gets its own study (or the run is
refused with an ``LRKitError`` naming the study's script; exit 2 on the command line); never another
script's answer. The test runs the two studies from Python (``tune(module.build)``, the same default name
as the command line's), to stay fast.

Fixed: a study under its default name stores what it tunes (``mlp.py:build``) and another is refused
(``tuning/_study.open_study``); a study named on purpose is joined by any.
"""

from __future__ import annotations

import importlib.util
import textwrap

import pytest

SCRIPT = textwrap.dedent('''
    import torch

    def build(seed):
        g = torch.Generator().manual_seed(0)
        X = torch.randn(256, 4, generator=g)
        y = X @ torch.tensor([1.0, -2.0, 0.5, 3.0])
        torch.manual_seed(seed)
        model = {model}
        batches = [(X[i:i + 32], y[i:i + 32]) for i in range(0, 256, 32)]
        return {{"model": model, "optimizer": torch.optim.{opt},
                "loss_fn": lambda out, t: ((out.squeeze(1) - t) ** 2).mean(),
                "train_loader": batches[:6], "val_loader": batches[6:]}}
''')


def _module(tmp_path, name: str, model: str, opt: str):
    path = tmp_path / f"{name}.py"
    path.write_text(SCRIPT.format(model=model, opt=opt))
    spec = importlib.util.spec_from_file_location(f"ux10_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_second_script_in_the_folder_is_not_answered_with_the_firsts_study(tmp_path):
    from lrkit import LRKitError
    from lrkit.tuning import Storage, tune

    mlp = _module(tmp_path, "mlp", "torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), "
                  "torch.nn.Linear(16, 1))", "SGD(model.parameters(), lr=0.01, momentum=0.9)")
    linear = _module(tmp_path, "linear", "torch.nn.Linear(4, 1)", "Adam(model.parameters(), lr=0.01)")
    where = Storage(out=str(tmp_path / "lrkit-out"))  # the default folder of both runs
    kw = {"n_trials": 2, "budget": 12, "pruner": "none", "use_finder": False, "storage": where}
    a = tune(mlp.build, **kw)
    try:
        b = tune(linear.build, **kw)
    except LRKitError as e:  # refused: it must say why
        assert "mlp" in str(e) and "study" in str(e), str(e)
        return
    assert not any("resumed" in n for n in b.notes), b.notes
    assert a.study_name != b.study_name, (a.study_name, b.study_name)
