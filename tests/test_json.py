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
