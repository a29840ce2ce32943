"""fastai's ``valley`` and ``minimum/10``, run from the fastai package itself.

Configuration (fastai 2.8.12; fastai/fastai ``fastai/callback/schedule.py``, ``fastai/optimizer.py``):
a ``Learner`` over ``DataLoaders(train_loader, val_loader)`` built from the task's own loaders, the
workload's model and loss, and the workload's *built* torch optimizer wrapped by ``OptimWrapper``
("A torch optimizer constructor, or an already built optimizer"), then
``learn.lr_find(suggest_funcs=(minimum, valley))`` with every other default: ``start_lr=1e-7,
end_lr=10, num_it=100, stop_div=True`` (stop when the smoothed loss passes 4x its best), the
Recorder's debiased EMA (beta 0.98), its trimming ``[num_it//10:-5]`` and first-NaN cut.
``show_plot=False`` and no progress bar (display only). lr_find saves the model before the sweep and
loads it back afterwards, optimizer state included (``self.learn.load('_tmp', with_opt=True)``);
the Learner's ``path`` is a temporary folder so that file never lands in the working directory.

Installing fastai. ``pip install fastai`` keeps torch 2.13 but pulls ``torchvision`` from PyPI,
whose wheel is built against the CUDA torch and fails to import next to the CPU torch here
(``RuntimeError: operator torchvision::nms does not exist``), and spaCy (~150 MB) for fastai.text.
Neither is imported by ``fastai.learner`` or ``fastai.callback.schedule``, so fastai is installed
without dependencies from a pinned list of what those modules import
(``benchmarks/dev/requirements-fastai.txt``; ``pip check`` then reports the two on purpose).
"""

from __future__ import annotations

import tempfile
from typing import Any

import torch

from dev.peers_common import cpu_clock, package_version, quiet
from dev.peers_finders import FinderResult

__all__ = ["FASTAI_INSTALL", "fastai_finder"]

#: How to install fastai next to torch 2.13 without torchvision/spaCy (see the module docstring).
FASTAI_INSTALL = "pip install --no-deps -r benchmarks/dev/requirements-fastai.txt"


def fastai_finder(parts: dict[str, Any]) -> list[FinderResult]:
    """fastai's ``lr_find`` on the built task: two results (valley, minimum/10) from one sweep."""
    from fastai.callback.schedule import minimum, valley
    from fastai.data.core import DataLoaders
    from fastai.learner import Learner
    from fastai.optimizer import OptimWrapper

    built = parts["optimizer"]
    dls = DataLoaders(parts["train_loader"], parts["val_loader"], device=torch.device("cpu"))
    source = package_version("fastai")
    with tempfile.TemporaryDirectory() as tmp:
        learn = Learner(dls, parts["model"], loss_func=parts["loss_fn"], path=tmp,
                        opt_func=lambda params, lr: OptimWrapper(opt=built))
        found, why = None, ""
        with quiet(), learn.no_bar(), cpu_clock() as clock:
            try:
                found = learn.lr_find(suggest_funcs=(minimum, valley), show_plot=False)
            except (RuntimeError, IndexError, ValueError) as err:  # a rule on a too-short curve
                why = f"no suggestion: {type(err).__name__}: {err}"
        steps = len(learn.recorder.lrs)
    rules = (("fastai valley", "valley", "middle of the longest descent of the smoothed loss"),
             ("fastai minimum/10", "minimum", "a tenth of the rate at the smoothed loss's minimum"))
    out = []
    for peer, field, rule in rules:
        lr = None if found is None else float(getattr(found, field))
        ok = lr is not None and lr == lr  # NaN: fastai returned no usable rate
        out.append(FinderResult(peer, lr if ok else None, rule if ok else (why or f"fastai returned {lr}"),
                                steps, clock.seconds, source))
    return out
