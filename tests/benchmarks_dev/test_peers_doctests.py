"""The harness modules' docstring examples run (benchmarks/ is outside pytest's doctest paths)."""

from __future__ import annotations

import doctest

import pytest

from dev import peers_common, peers_lrfree


@pytest.mark.parametrize("module", [peers_common, peers_lrfree])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
