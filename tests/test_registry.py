"""The one registry mechanism (``lrkit._registry.Registry``) and the registries built on it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from lrkit import LRKitError
from lrkit._registry import Registry


def _reg() -> Registry:
    reg = Registry("shape")
    for name in ("circle", "square"):
        reg.register(SimpleNamespace(name=name))
    return reg


def test_register_returns_the_item_and_reads_as_a_dict():
    reg = Registry("shape")
    item = SimpleNamespace(name="circle")
    assert reg.register(item) is item
    assert reg["circle"] is item and "circle" in reg and list(reg) == ["circle"]
    assert dict(reg) == {"circle": item} and isinstance(reg, dict)


def test_a_name_registers_once_and_the_first_item_stays():
    reg = _reg()
    first = reg["circle"]
    with pytest.raises(LRKitError, match=r"^shape name 'circle' is registered twice\.$"):
        reg.register(SimpleNamespace(name="circle"))
    assert reg["circle"] is first and len(reg) == 2


def test_lookup_names_the_bad_value_and_the_valid_ones():
    reg = _reg()
    assert reg.lookup("square") is reg["square"]
    with pytest.raises(LRKitError) as err:
        reg.lookup("sqare")
    assert str(err.value) == "unknown shape 'sqare'; did you mean 'square'? Valid: circle, square."
    with pytest.raises(LRKitError, match="unknown shape 'triangle'. Valid: circle, square."):
        reg.lookup("triangle")


@pytest.mark.parametrize("bad", [None, 3, ["circle"]])
def test_lookup_of_a_non_string_is_the_same_error_not_a_type_error(bad):
    with pytest.raises(LRKitError, match="unknown shape"):
        _reg().lookup(bad)


def test_the_tasks_the_zoo_and_the_lab_share_the_mechanism():
    from lrkit import tasks, zoo
    from lrkit.lab import demos

    for reg, kind in ((tasks.registry, "task"), (zoo.registry, "zoo workload"), (demos, "demo")):
        assert isinstance(reg, Registry) and reg.kind == kind and len(reg) > 0
        assert all(item.name == name for name, item in reg.items())
