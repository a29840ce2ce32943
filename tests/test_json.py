import json
import math

import numpy as np

from lrkit._json import json_safe


def test_non_finite_floats_become_null_recursively():
    data = {"a": [1.0, math.nan, {"b": (math.inf, -math.inf)}], 2: "x"}
    assert json_safe(data) == {"a": [1.0, None, {"b": [None, None]}], "2": "x"}


def test_numpy_scalars_become_python_numbers_and_strict_json_accepts_the_result():
    data = {"lr": np.float64(0.1), "n": np.int64(3), "bad": np.float32("nan")}
    out = json_safe(data)
    assert out == {"lr": 0.1, "n": 3, "bad": None}
    assert type(out["lr"]) is float and type(out["n"]) is int
    json.dumps(out, allow_nan=False)


def test_arrays_and_records_become_plain_data_with_null_for_non_finite():
    # The one writer the lab's records use too (DemoRecord.to_dict): arrays become lists, records
    # (a to_dict method or a dataclass) their fields, recursively; a class itself is left alone.
    import dataclasses

    @dataclasses.dataclass(frozen=True)
    class Point:
        x: float
        ys: np.ndarray

    class Holder:
        def to_dict(self):
            return {"p": Point(math.nan, np.array([1.0, np.inf]))}

    out = json_safe({"h": Holder(), "a": np.array([[0.5, np.nan]]), "zero_d": np.array(2.0), "cls": Point})
    assert out == {"h": {"p": {"x": None, "ys": [1.0, None]}}, "a": [[0.5, None]], "zero_d": 2.0,
                   "cls": Point}
    assert type(out["zero_d"]) is float


def test_a_lab_record_writes_non_finite_numbers_as_null():
    from lrkit.lab import run_demo

    record = run_demo("oscillation")
    data = record.to_dict()
    json.dumps(data, allow_nan=False)
    assert data["demo"] == "oscillation" and data["checks"] == record.checks()
