"""lrkit inside the Hugging Face ``transformers.Trainer``.

* :func:`find_lr` runs the LR range test on a Trainer as it is configured (its
  model, the optimizer and weight-decay groups it builds, its dataloader and
  collator, gradient accumulation, mixed precision) and restores everything;
* :func:`use_schedule` makes the Trainer build an lrkit schedule from a spec
  that may be written relative to the run (``total``, ``epoch``, ``warmup``, ``lr``).

Both work with :meth:`lrkit.torch.Watchdog.hf_callback`. Importing this package
requires ``transformers`` (and the ``accelerate`` it trains with).

Example:
    >>> import tempfile, torch
    >>> from transformers import Trainer, TrainingArguments
    >>> from lrkit.finder import Sweep
    >>> from lrkit.hf import find_lr, use_schedule
    >>> class Regression(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.lin = torch.nn.Linear(2, 1)
    ...     def forward(self, x, labels):
    ...         return {"loss": ((self.lin(x).squeeze(1) - labels) ** 2).mean()}
    >>> rows = [{"x": torch.tensor([i / 128, 1.0]), "labels": torch.tensor(3.0 * i / 128)}
    ...         for i in range(128)]
    >>> args = TrainingArguments(tempfile.mkdtemp(), per_device_train_batch_size=8, num_train_epochs=1,
    ...                          learning_rate=1e-3, use_cpu=True, report_to=[], save_strategy="no",
    ...                          disable_tqdm=True)
    >>> trainer = Trainer(model=Regression(), args=args, train_dataset=rows)
    >>> w = trainer.model.lin.weight.clone()
    >>> result = find_lr(trainer, sweep=Sweep(num_steps=16), interval=False)
    >>> torch.equal(trainer.model.lin.weight, w), trainer.optimizer is None, result.meta["optimizer_source"]
    (True, True, 'created')
    >>> _ = use_schedule(trainer, "warmup_cosine(lr=lr, warmup=0.25*total, steps=total)")
    >>> _ = trainer.train()  # doctest: +ELLIPSIS
    {'train_runtime': ...}
    >>> trainer.state.max_steps, trainer.lr_scheduler.t
    (16, 16)
"""

from lrkit.errors import missing_package

try:
    import transformers  # noqa: F401  (what every module here trains with: said once, before them)
except ImportError as _exc:
    raise missing_package({"transformers": _exc}, "lrkit.hf", "transformers",
                          "pip install transformers accelerate") from None

from lrkit.hf._finder import find_lr
from lrkit.hf._schedule import RUN_NAMES, use_schedule

__all__ = ["RUN_NAMES", "find_lr", "use_schedule"]
