"""Generated sequence tasks: long-range memory for recurrent networks, a lookup for attention.

All are drawn once from fixed NumPy seeds; the split is 80/20.

* :func:`recall`: the class is the *first* token of a sequence of random distractors. A recurrent
  network must carry it through every later step, so its loss sits at ``ln K`` (chance) for a
  while before it falls: the plateau that makes early stopping and finders misread a run.
* :func:`adding`: Hochreiter and Schmidhuber's adding problem. Each step holds a value in
  ``[0, 1]`` and a marker; the target is the sum of the two marked values. Predicting the mean
  (1.0) gives an MSE of 1/6, where the loss stays until the network learns to use the markers.
* :func:`marker`: the class is the token right *after* a marker placed at a random position: one
  attention lookup, the transformer family's task.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from lrkit.zoo._data import Tensors

__all__ = ["adding", "marker", "recall"]


def _split(x: np.ndarray, y: np.ndarray, x_dtype: torch.dtype, y_dtype: torch.dtype) -> Tensors:
    cut = int(0.8 * len(x))
    return (torch.as_tensor(x[:cut], dtype=x_dtype), torch.as_tensor(y[:cut], dtype=y_dtype),
            torch.as_tensor(x[cut:], dtype=x_dtype), torch.as_tensor(y[cut:], dtype=y_dtype))


@functools.lru_cache(maxsize=None)
def recall(n: int = 4000, length: int = 16, classes: int = 8, distractors: int = 8,
           operands: int = 1) -> Tensors:
    """Token sequences ``(n, length)``: the first ``operands`` tokens in ``1..classes``, the rest drawn
    from ``classes+1 .. classes+distractors``; the label is the sum of the first tokens (each minus
    one) modulo ``classes`` (with one operand: the first token minus one). Vocabulary size
    ``classes + distractors + 1``.

    Example:
        >>> x, y, _, _ = recall(n=10)
        >>> tuple(x.shape), bool((x[:, 0] - 1 == y).all())
        ((8, 16), True)
    """
    rng = np.random.default_rng(31)
    heads = rng.integers(0, classes, size=(n, operands))
    x = rng.integers(classes + 1, classes + distractors + 1, size=(n, length))
    x[:, :operands] = heads + 1
    y = heads.sum(axis=1) % classes
    return _split(x, y, torch.int64, torch.int64)


@functools.lru_cache(maxsize=None)
def adding(n: int = 4000, length: int = 30, noise: float = 0.0) -> Tensors:
    """Inputs ``(n, length, 2)`` (value, marker), targets ``(n, 1)``: the sum of the two marked values,
    one marker in each half of the sequence, plus Gaussian noise of SD ``noise`` (so the best MSE is
    about ``noise ** 2``, not zero).

    Example:
        >>> x, y, _, _ = adding(n=10)
        >>> tuple(x.shape), bool(torch.allclose((x[..., 0] * x[..., 1]).sum(1, keepdim=True), y))
        ((8, 30, 2), True)
    """
    rng = np.random.default_rng(37)
    values = rng.uniform(0, 1, size=(n, length))
    marks = np.zeros((n, length))
    rows = np.arange(n)
    marks[rows, rng.integers(0, length // 2, size=n)] = 1
    marks[rows, rng.integers(length // 2, length, size=n)] = 1
    x = np.stack([values, marks], axis=-1)
    y = (values * marks).sum(axis=1, keepdims=True) + noise * rng.standard_normal((n, 1))
    return _split(x, y, torch.float32, torch.float32)


@functools.lru_cache(maxsize=None)
def marker(n: int = 4000, length: int = 20, vocab: int = 16) -> Tensors:
    """Token sequences ``(n, length)`` over ``1..vocab``; one position holds the marker ``vocab + 1``;
    the label is the next token minus one (``vocab`` classes). Vocabulary size ``vocab + 2``.

    Example:
        >>> x, y, _, _ = marker(n=10)
        >>> p = (x == 17).int().argmax(1)
        >>> bool((x[torch.arange(8), p + 1] - 1 == y).all())
        True
    """
    rng = np.random.default_rng(41)
    x = rng.integers(1, vocab + 1, size=(n, length))
    pos = rng.integers(0, length - 1, size=n)
    x[np.arange(n), pos] = vocab + 1
    y = x[np.arange(n), pos + 1] - 1
    return _split(x, y, torch.int64, torch.int64)
