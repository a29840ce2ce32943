"""ux13 L6-L8: three likely mistakes with the integrations, each one line naming the argument.

L6: ``lrkit.hf.find_lr(trainer, num_steps=50)`` (other finders take the range's settings directly) was
told "unknown argument ... did you mean 'on_step'?"; now it names ``sweep=Sweep(num_steps=50)``.
L7: ``LearningRateFinder(epochs=5)`` for ``epochs=(5,)``: a bare ``TypeError: 'int' object is not
iterable``; now one LRKitError with the example.
L8: ``configure_optimizers(self, [opt_g, opt_d], spec)`` (a GAN's list): the refusal quoted the list's
multi-line repr; now one line, saying one call per optimizer.
"""

from __future__ import annotations

import tempfile

import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch", reason="lightning is not installed (it is in the dev extra)")

from lrkit import LRKitError  # noqa: E402
from lrkit.lightning import LearningRateFinder, configure_optimizers  # noqa: E402


def _one_line(call, match):
    with pytest.raises(LRKitError, match=match) as info:
        call()
    assert "\n" not in str(info.value)


def test_a_sweep_field_given_to_the_hf_finder_is_told_where_it_goes():
    transformers = pytest.importorskip("transformers")
    from lrkit.hf import find_lr

    args = transformers.TrainingArguments(tempfile.mkdtemp(), use_cpu=True, report_to=[])
    trainer = transformers.Trainer(model=torch.nn.Linear(2, 1), args=args, train_dataset=[{"x": 1}])
    _one_line(lambda: find_lr(trainer, num_steps=50), r"pass sweep=Sweep\(num_steps=50\)")
    _one_line(lambda: find_lr(trainer, end=1.0), r"pass sweep=Sweep\(end=1.0\)")


def test_epochs_given_as_one_number_is_one_error_with_the_example():
    _one_line(lambda: LearningRateFinder(epochs=5),
              r"`epochs` of LearningRateFinder must be a sequence .* \(5,\); got 5")
    assert LearningRateFinder(epochs=[2, 4]).epochs == frozenset({2, 4})


def test_a_list_of_optimizers_is_one_line_saying_one_call_each():
    net = torch.nn.Linear(2, 1)
    opts = [torch.optim.SGD(net.parameters(), lr=0.1), torch.optim.Adam(net.parameters())]
    _one_line(lambda: configure_optimizers(net, opts, "cosine(lr=lr, steps=100)"), r"one call per optimizer")
