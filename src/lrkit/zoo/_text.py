"""Text classification data from the standard library's own source (no download).

Two tasks on single lines of Python source, each from its own fixed list of modules (none in
``charlm``'s, ``charlm-small``'s or ``benchmarks/dev/seq_dev.py``'s lists, nor in the pretraining text):

* **module** (:data:`MODULE_FILES`): which of ten modules a line comes from. Lines shorter than
  :data:`MIN_CHARS` characters or found in two modules are dropped; each remaining ``(module,
  line)`` pair is kept once.
* **keyword** (:data:`KEYWORD_FILES`): a line that starts with one of :data:`KEYWORDS` loses that
  keyword; the class is the keyword (``from`` counts as ``import``). The rest of the line is all
  the model sees (``x + 1`` after ``return``, ``name in names:`` after ``for`` or ``if`` ...).

Lines are split once, 80/20, by a fixed permutation. Three encodings: hashed word tokens with
bigrams for bags (:func:`bag_ids`), hashed word tokens for a transformer (:func:`token_ids`), and
characters for the pretrained character transformer (:func:`char_ids`). Hashing uses CRC-32, so
ids are the same in every process (Python's own ``hash`` of a string is salted).
"""

from __future__ import annotations

import functools
import re
import sysconfig
import zlib
from pathlib import Path

import numpy as np
import torch

from lrkit.errors import LRKitError
from lrkit.zoo._data import Tensors

__all__ = [
    "CHAR_VOCAB", "KEYWORDS", "KEYWORD_FILES", "MODULE_FILES", "bag_ids", "char_ids", "encode_chars",
    "keyword_lines",
    "module_lines", "read_module", "text_tensors", "token_ids",
]

MODULE_FILES: tuple[str, ...] = ("inspect", "threading", "subprocess", "zipfile", "tarfile", "imaplib",
                                 "smtplib", "mailbox", "configparser", "logging/__init__")
KEYWORD_FILES: tuple[str, ...] = ("pydoc", "doctest", "pdb", "http/client", "urllib/request",
                                  "email/message", "unittest/case", "datetime", "_pyio", "platform")
KEYWORDS: tuple[str, ...] = ("if", "return", "def", "raise", "for", "import", "elif", "class")
#: Shortest line (characters, stripped) the module task keeps.
MIN_CHARS = 12
#: Special character ids: padding, unknown character, classification token, mask.
PAD, UNK, CLS, MASK = 0, 1, 2, 3
#: Characters of the character encoding: printable ASCII after the four special ids.
CHAR_VOCAB: str = "".join(chr(c) for c in range(32, 127))
_WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9]*|\d+|\S")


def read_module(name: str) -> str:
    """The source of stdlib module ``name`` (``"logging/__init__"`` for a package's init).

    Raises:
        LRKitError: if this Python's standard library lacks it.
    """
    path = Path(sysconfig.get_paths()["stdlib"]) / f"{name}.py"
    if not path.is_file():
        raise LRKitError(f"the zoo needs the stdlib module {name}.py; not found under {path.parent}.")
    return path.read_text(encoding="utf-8")


@functools.lru_cache(maxsize=None)
def module_lines() -> tuple[tuple[str, ...], np.ndarray]:
    """``(lines, labels)`` of the module task (label = index in :data:`MODULE_FILES`)."""
    seen: dict[str, set[int]] = {}
    for k, name in enumerate(MODULE_FILES):
        for line in read_module(name).splitlines():
            s = line.strip()
            if len(s) >= MIN_CHARS:
                seen.setdefault(s, set()).add(k)
    pairs = sorted((s, next(iter(ks))) for s, ks in seen.items() if len(ks) == 1)
    return tuple(s for s, _ in pairs), np.array([k for _, k in pairs], dtype=np.int64)


@functools.lru_cache(maxsize=None)
def keyword_lines() -> tuple[tuple[str, ...], np.ndarray]:
    """``(rests, labels)`` of the keyword task (label = index in :data:`KEYWORDS`)."""
    index = {**{k: i for i, k in enumerate(KEYWORDS)}, "from": KEYWORDS.index("import")}
    rests, labels = [], []
    for name in KEYWORD_FILES:
        for line in read_module(name).splitlines():
            words = line.strip().split(None, 1)
            if len(words) == 2 and words[0] in index and len(_WORD.findall(words[1])) >= 2:
                rests.append(words[1])
                labels.append(index[words[0]])
    return tuple(rests), np.array(labels, dtype=np.int64)


def _bucket(token: str, buckets: int) -> int:
    return zlib.crc32(token.encode()) % (buckets - 1) + 1  # 0 is padding


def token_ids(lines: tuple[str, ...], length: int, buckets: int) -> np.ndarray:
    """``(n, length)`` hashed word-token ids, zero-padded on the right, truncated to ``length``.

    Example:
        >>> token_ids(("return x + 1",), 6, 100).tolist()[0][4:]
        [0, 0]
    """
    out = np.zeros((len(lines), length), dtype=np.int64)
    for i, line in enumerate(lines):
        ids = [_bucket(t, buckets) for t in _WORD.findall(line)[:length]]
        out[i, :len(ids)] = ids
    return out


def bag_ids(lines: tuple[str, ...], length: int, buckets: int) -> np.ndarray:
    """``(n, 2 * length)`` hashed ids of the first ``length`` word tokens and their bigrams, zero-padded.

    Example:
        >>> int((bag_ids(("a b c",), 4, 1000) > 0).sum())  # 3 words, 2 bigrams
        5
    """
    out = np.zeros((len(lines), 2 * length), dtype=np.int64)
    for i, line in enumerate(lines):
        words = _WORD.findall(line)[:length]
        grams = words + [f"{a} {b}" for a, b in zip(words, words[1:])]
        out[i, :len(grams)] = [_bucket(g, buckets) for g in grams]
    return out


def char_ids(lines: tuple[str, ...], length: int) -> np.ndarray:
    """``(n, length)`` character ids: :data:`CLS`, then the line's characters (unknown ones :data:`UNK`),
    zero-padded (:data:`PAD`) or truncated.

    Example:
        >>> char_ids(("ab",), 5).tolist()
        [[2, 69, 70, 0, 0]]
    """
    out = np.zeros((len(lines), length), dtype=np.int64)
    out[:, 0] = CLS
    for i, line in enumerate(lines):
        ids = encode_chars(line[: length - 1])
        out[i, 1:1 + len(ids)] = ids
    return out


_CHAR_TABLE = {c: i + 4 for i, c in enumerate(CHAR_VOCAB)}


def encode_chars(text: str) -> np.ndarray:
    """Character ids of ``text`` (printable ASCII from 4 on; anything else :data:`UNK`).

    Example:
        >>> encode_chars("a\u00e9").tolist()
        [69, 1]
    """
    return np.fromiter((_CHAR_TABLE.get(c, UNK) for c in text), dtype=np.int64, count=len(text))


def text_tensors(task: str, encoding: str, length: int, buckets: int = 0) -> Tensors:
    """``(x_train, y_train, x_val, y_val)`` of ``task`` (``"module"`` / ``"keyword"``) in ``encoding``
    (``"bag"``, ``"tokens"``, ``"chars"``), split 80/20 by a fixed permutation."""
    return _text_tensors(task, encoding, length, buckets)


@functools.lru_cache(maxsize=None)
def _text_tensors(task: str, encoding: str, length: int, buckets: int) -> Tensors:
    lines, labels = module_lines() if task == "module" else keyword_lines()
    if encoding == "bag":
        x = bag_ids(lines, length, buckets)
    elif encoding == "tokens":
        x = token_ids(lines, length, buckets)
    else:
        x = char_ids(lines, length)
    order = np.random.default_rng(43).permutation(len(x))
    cut = int(0.8 * len(x))
    tr, va = order[:cut], order[cut:]
    return (torch.as_tensor(x[tr]), torch.as_tensor(labels[tr]), torch.as_tensor(x[va]),
            torch.as_tensor(labels[va]))
