"""An integration whose framework is not installed says which and how to install it (session-14 new-user
probe, ux; ``/work/notes/ux14/REPORT.md`` L6).

With torch but no Lightning, ``import lrkit.lightning`` and ``Watchdog().lightning_callback()`` said
"No module named 'pytorch_lightning'" (the pre-2.0 name, the last one tried), not ``pip install
lightning``; ``import lrkit.hf`` said "No module named 'transformers'" with no word of what needs it.
A framework that is installed but fails inside keeps its own error (its words say what is wrong).
"""

from __future__ import annotations

import sys

import pytest

pytest.importorskip("torch")

from lrkit.errors import missing_package  # noqa: E402
from lrkit.torch import Watchdog  # noqa: E402


def _without(monkeypatch, *names):
    """Make each module in ``names`` not installed (an import of it raises ModuleNotFoundError), and drop
    lrkit's integration modules so they import again (monkeypatch puts every entry back after)."""
    for name in names:
        monkeypatch.setitem(sys.modules, name, None)
    for name in [m for m in sys.modules if m.startswith(("lrkit.lightning", "lrkit.hf"))]:
        monkeypatch.delitem(sys.modules, name)


def test_lrkit_lightning_without_lightning_names_the_install(monkeypatch):
    _without(monkeypatch, "lightning", "lightning.pytorch", "pytorch_lightning")
    said = r"^lrkit.lightning needs Lightning, which is not installed: pip install lightning\.$"
    with pytest.raises(ModuleNotFoundError, match=said):
        import lrkit.lightning  # noqa: F401


def test_the_watchdogs_callbacks_without_their_framework_name_the_install(monkeypatch):
    _without(monkeypatch, "lightning", "lightning.pytorch", "pytorch_lightning", "transformers")
    with pytest.raises(ModuleNotFoundError, match="Watchdog.lightning_callback needs Lightning, which is not "
                                                  "installed: pip install lightning"):
        Watchdog().lightning_callback()
    with pytest.raises(ModuleNotFoundError, match="Watchdog.hf_callback needs transformers, which is not "
                                                  "installed: pip install transformers accelerate"):
        Watchdog().hf_callback()


def test_lrkit_hf_without_transformers_names_the_install(monkeypatch):
    _without(monkeypatch, "transformers")
    with pytest.raises(ModuleNotFoundError, match=r"^lrkit.hf needs transformers, which is not installed: "
                                                  r"pip install transformers accelerate\.$") as caught:
        import lrkit.hf  # noqa: F401
    assert caught.value.name == "transformers"  # `except ModuleNotFoundError` and its name still hold


def test_an_installed_framework_that_fails_inside_keeps_its_own_error():
    broken = ModuleNotFoundError("No module named 'fsspec'", name="fsspec")
    gone = ModuleNotFoundError("No module named 'pytorch_lightning'", name="pytorch_lightning")
    tried = {"lightning": broken, "pytorch_lightning": gone}
    assert missing_package(tried, "x", "Lightning", "pip") is broken
    version = ImportError("cannot import name 'lightning_setattr'")
    assert missing_package({"lightning": version}, "x", "Lightning", "pip") is version
