"""``lrkit._frameworks.lightning_pytorch``: the one import of Lightning (either name) behind
``lrkit.lightning`` and ``Watchdog.lightning_callback``, and the errors a missing or half-broken install sees.
"""

from __future__ import annotations

import importlib
import sys
import types

import pytest

from lrkit._frameworks import lightning_pytorch

INSTALL = "needs Lightning, which is not installed: pip install lightning."


def _fresh_lrkit_lightning(monkeypatch):
    """Drop lrkit's Lightning modules so they import again (monkeypatch puts every entry back after)."""
    for name in [m for m in sys.modules if m.startswith("lrkit.lightning")]:
        monkeypatch.delitem(sys.modules, name)


def test_it_returns_the_real_lightning_pytorch_module():
    pl = pytest.importorskip("lightning.pytorch")
    assert lightning_pytorch("x") is pl


def test_with_only_the_pre_2_0_package_it_returns_that(monkeypatch):
    old = pytest.importorskip("pytorch_lightning")
    monkeypatch.setitem(sys.modules, "lightning", None)
    monkeypatch.setitem(sys.modules, "lightning.pytorch", None)
    assert lightning_pytorch("x") is old


def test_with_neither_installed_one_error_names_what_needs_it_and_the_install(monkeypatch):
    for name in ("lightning", "lightning.pytorch", "pytorch_lightning"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ModuleNotFoundError) as caught:
        lightning_pytorch("lrkit.lightning")
    assert str(caught.value) == f"lrkit.lightning {INSTALL}"
    assert caught.value.name == "lightning"  # `except ModuleNotFoundError` and its name still hold
    assert caught.value.__suppress_context__  # one error, not a chain of the two names tried


def test_an_installed_package_failing_inside_keeps_its_own_error(monkeypatch, tmp_path):
    (tmp_path / "pytorch_lightning").mkdir()
    (tmp_path / "pytorch_lightning" / "__init__.py").write_text("import lrkit_no_such_dependency\n")
    monkeypatch.setitem(sys.modules, "lightning", None)
    monkeypatch.setitem(sys.modules, "lightning.pytorch", None)
    monkeypatch.delitem(sys.modules, "pytorch_lightning", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    with pytest.raises(ModuleNotFoundError, match="lrkit_no_such_dependency") as caught:
        lightning_pytorch("x")
    assert caught.value.name == "lrkit_no_such_dependency"


def test_the_finder_and_the_watchdog_take_the_same_package():
    pl = pytest.importorskip("lightning.pytorch")
    from lrkit.lightning import LearningRateFinder
    from lrkit.lightning import _finder
    from lrkit.torch import Watchdog

    assert issubclass(LearningRateFinder, pl.Callback)
    assert isinstance(Watchdog().lightning_callback(), pl.Callback)
    assert _finder.lightning_setattr.__module__ == f"{pl.__name__}.utilities.parsing"


def test_a_lightning_whose_parsing_lacks_a_name_says_so_not_the_other_package(monkeypatch):
    # Before the one helper, the finder fell back to the whole pre-2.0 package here (where it is installed),
    # subclassing another package's Callback than the Watchdog's; now it names what the package lacks.
    pytest.importorskip("lightning.pytorch")
    name = "lightning.pytorch.utilities.parsing"
    monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    _fresh_lrkit_lightning(monkeypatch)
    said = f"^cannot import name 'lightning_hasattr' from '{name}'$"
    with pytest.raises(ImportError, match=said) as caught:
        import lrkit.lightning  # noqa: F401
    assert caught.value.name == name

