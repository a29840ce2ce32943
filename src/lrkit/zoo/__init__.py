"""The workload zoo: a broad, download-free set of training workloads with their families.

lrkit's rules (the finder's suggestion, ``diagnose``'s verdicts, the Autopilot's choices) are chosen
by leave-one-family-out cross-validation over these workloads, never over the built-in tasks of
:mod:`lrkit.tasks`, which stay held out and are not in this registry. Every workload is a
:class:`lrkit.tasks.Task`: ``build(seed)`` returns the protocol dict (``model``, ``optimizer``,
``loss_fn``, ``train_loader``, ``val_loader``), deterministic by seed; ``evaluate(model,
val_loader)`` returns its metric and ``val_loss``; ``info`` (a :class:`WorkloadInfo`) names its
family, optimizer and options, batch size, budget (a full run in updates), metric and cost. So
:func:`lrkit.tasks.train`, :func:`lrkit.torch.find_lr`, :func:`lrkit.tuning.tune` and the
Autopilot take a workload as they take a task. On the command line: ``--task zoo/NAME``.

Families (``docs/zoo.md`` lists every workload and why each family is there): ``tabular``,
``norm-mlp``, ``deep-mlp``, ``linear``, ``regression``, ``autoencoder``, ``resnet``, ``rnn``,
``transformer``, ``embbag``, ``charlm``, ``finetune``. The fine-tuning workloads load weights
pretrained inside the project (:func:`pretrain`, :func:`save_pretrained`; stored as package data).

Example:
    >>> from lrkit import zoo
    >>> from lrkit.tasks import train
    >>> w = zoo.get("tabular-blobs-sgd")
    >>> w.info.family, w.info.default_optimizer, w.info.budget
    ('tabular', 'sgd-plain', 300)
    >>> train(w, lr=0.1, budget=20).metric_name
    'val_acc'
"""

from lrkit.zoo._workload import ArrayWorkload, Workload, WorkloadInfo, no_decay_groups
from lrkit.zoo._registry import families, get, names, registry
from lrkit.zoo import _catalog_dense, _catalog_seq  # noqa: F401  (register the workloads)
from lrkit.zoo._charlm import CharLMWorkload
from lrkit.zoo._data import TABULAR_SETS, tabular_set
from lrkit.zoo._models import (
    MLP, AddingRNN, BagClassifier, DigitCNN, GRULM, NPLM, ResNet, RNNClassifier, TransformerClassifier,
)
from lrkit.zoo._pretrained import RECIPES, load_pretrained, pretrain, save_pretrained

__all__ = [
    "MLP", "NPLM", "GRULM", "RECIPES", "TABULAR_SETS", "AddingRNN", "ArrayWorkload", "BagClassifier",
    "CharLMWorkload", "DigitCNN", "RNNClassifier", "ResNet", "TransformerClassifier", "Workload",
    "WorkloadInfo", "families", "get", "load_pretrained", "names", "no_decay_groups", "pretrain", "registry",
    "save_pretrained", "tabular_set",
]
