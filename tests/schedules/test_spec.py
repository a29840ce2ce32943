"""The spec parser: grammar, errors that list the valid names, no eval."""

from __future__ import annotations

import pytest

from lrkit.errors import LRKitError
from lrkit.schedules import (
    constant,
    cosine,
    from_dict,
    linear,
    multistep,
    parse,
    reduce_on_plateau,
    registry,
    scale,
    warmup,
)


def test_sequence_spec():
    s = parse("linear(start=0, end=0.1, steps=100) >> cosine(lr=0.1, steps=900)")
    assert s == linear(start=0.0, end=0.1, steps=100) >> cosine(lr=0.1, steps=900)


def test_positional_arguments_bind_in_signature_order():
    assert parse("cosine(0.1, 100, 0.001)") == cosine(lr=0.1, steps=100, min_lr=0.001)


def test_whitespace_and_parenthesised_sequences():
    spec = "  ( linear(start=0,end=1,steps=2) >> constant(lr=1, steps=3) ) >> cosine(lr=1, steps=4)  "
    assert parse(spec).horizon == 9 and len(parse(spec).phases) == 3


def test_lists_and_tuples_are_lists():
    assert parse("multistep(lr=0.1, milestones=[30, 60])") == multistep(lr=0.1, milestones=(30, 60))
    assert parse("multistep(lr=0.1, milestones=(60, 30))").milestones == (30, 60)


def test_negative_and_scientific_numbers_and_named_constants():
    assert parse("clip(schedule=constant(lr=1e-3), lo=-0.5, hi=inf)").lo == -0.5
    assert parse("constant(lr=+2.5E-4)") == constant(lr=2.5e-4)
    with pytest.raises(LRKitError, match=r"`lr` of constant must be a finite number >= 0; got -0\.1\."):
        parse("constant(lr=-0.1)")


def test_nested_schedules_as_arguments():
    s = parse("scale(schedule=warmup(schedule=cosine(lr=1, steps=10), steps=5), factor=0.5)")
    assert s == scale(warmup(cosine(lr=1.0, steps=10), steps=5), 0.5)
    assert parse("warmup(cosine(lr=1, steps=10) >> constant(lr=0.01), steps=5)").phases[-1] == constant(
        lr=0.01
    )


def test_strings_and_booleans():
    s = parse('one_cycle(max_lr=0.1, steps=100, anneal="linear", three_phase=True)')
    assert s.anneal == "linear" and s.three_phase is True


@pytest.mark.parametrize(
    ("spec", "pattern"),
    [
        ("cosine(lr=0.1, steps=10", r"invalid schedule spec .*: '\(' was never closed"),
        ("cosine(lr=0.1,, steps=10)", r"invalid schedule spec"),
        ("cosine lr=0.1", r"invalid schedule spec"),
        ("", r"`spec` must be a non-empty schedule spec string"),
        ("   ", r"`spec` must be a non-empty schedule spec string"),
        ("0.1", r"expected a schedule such as 'cosine\(lr=0\.1, steps=1000\)'"),
        ("[cosine(lr=0.1, steps=10)]", r"expected a schedule"),
    ],
)
def test_syntax_errors(spec, pattern):
    with pytest.raises(LRKitError, match=pattern):
        parse(spec)


def test_non_string_spec():
    with pytest.raises(LRKitError, match=r"`spec` must be a non-empty schedule spec string; got 3"):
        parse(3)


def test_unknown_name_suggests_and_lists_every_family():
    with pytest.raises(LRKitError) as info:
        parse("cosin(lr=0.1, steps=10)")
    msg = str(info.value)
    assert "unknown schedule 'cosin'; did you mean 'cosine'?" in msg
    assert all(name in msg for name in registry)


def test_unknown_key_lists_the_valid_keys():
    with pytest.raises(
        LRKitError,
        match=r"unknown parameter of cosine 'stps'; did you mean 'steps'\? Valid: lr, min_lr, steps\.",
    ):
        parse("cosine(lr=0.1, stps=10)")


def test_missing_and_duplicate_arguments():
    with pytest.raises(
        LRKitError, match=r"invalid parameters for cosine: .*steps.*Parameters: lr, steps, min_lr\."
    ):
        parse("cosine(lr=0.1)")
    with pytest.raises(LRKitError, match=r"invalid parameters for cosine"):
        parse("cosine(0.1, lr=0.1, steps=3)")
    with pytest.raises(
        LRKitError, match=r"parameter 'lr' is given twice in 'cosine\(lr=0\.1, lr=0\.2, steps=3\)'"
    ):
        parse("cosine(lr=0.1, lr=0.2, steps=3)")


@pytest.mark.parametrize(
    "spec",
    [
        "__import__('os').system('echo hacked')",
        "__import__('os')",
        "eval('1')",
        "os.system('ls')",
        "cosine.__class__(lr=1, steps=2)",
        "cosine(lr=(lambda: 1)(), steps=2)",
        "cosine(lr=[x for x in range(3)], steps=2)",
        "cosine(lr=1 + 1, steps=2)",
        "cosine(lr=open('/etc/passwd'), steps=2)",
        "cosine(**{'lr': 1, 'steps': 2})",
        "cosine(lr=a, steps=2)",
        "cosine(lr={1: 2}, steps=2)",
        "cosine(lr=0.1, steps=10)[0]",
        "cosine(lr=0.1, steps=10).lr",
    ],
)
def test_no_eval(spec, capfd):
    with pytest.raises(LRKitError):
        parse(spec)
    assert "hacked" not in capfd.readouterr().out


def test_import_is_rejected_as_an_unknown_schedule():
    with pytest.raises(LRKitError, match=r"unknown schedule '__import__'.* Valid: "):
        parse("__import__('os')")


def test_right_shift_of_non_schedules_is_an_lrkit_error():
    with pytest.raises(LRKitError, match=r"'>>' joins schedules, but 3 is not a schedule"):
        parse("cosine(lr=0.1, steps=10) >> 3")
    with pytest.raises(LRKitError, match=r"reduce_on_plateau is a stateful controller"):
        parse("cosine(lr=0.1, steps=10) >> reduce_on_plateau(lr=0.1)")


def test_controller_spec_and_dict():
    c = parse("reduce_on_plateau(lr=0.1, patience=3)")
    assert c == reduce_on_plateau(lr=0.1, patience=3)
    assert from_dict({"name": "reduce_on_plateau", "lr": 0.1, "patience": 3}) == c


def test_from_dict_rejects_non_dicts_and_unknown_names():
    with pytest.raises(LRKitError, match=r"`data` must be a dict with a 'name' key"):
        from_dict({"lr": 0.1})
    with pytest.raises(LRKitError, match=r"unknown schedule 'nope'"):
        from_dict({"name": "nope"})


def test_from_dict_of_nested_sequence():
    s = warmup(cosine(lr=0.1, steps=90), steps=10)
    data = s.to_dict()
    assert data["name"] == "sequence" and data["phases"][0]["name"] == "linear"
    assert from_dict(data) == s


def test_optional_none_parameters_are_left_out_of_specs():
    assert repr(constant(lr=0.1)) == "constant(lr=0.1)"
    assert repr(constant(lr=0.1, steps=5)) == "constant(lr=0.1, steps=5)"
    assert parse("constant(lr=0.1, steps=None)") == constant(lr=0.1)
