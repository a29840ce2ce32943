"""Generated bad-input suite for every ``lrkit`` command (issue 19), in the spirit of scikit-learn's
common tests: each command declares its options by *kind*, each kind has a list of bad values, and
every (command, option, bad value) pair is one case, plus bad files, malformed specs and Click's own
usage errors. Every case must end in

- a non-zero exit code (2 for a usage error),
- exactly one line on stderr, starting ``error:``, and nothing on stdout,
- no traceback and no "unexpected" (an exception lrkit did not name),
- no output left behind: the ``--out`` target and its folder are as they were.

A test at the end checks that the suite holds at least 200 cases.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lrkit.cli import app

runner = CliRunner()

# -- bad values by kind -------------------------------------------------------------------------------
BAD = {
    "count": [
        "abc",
        "1.5",
        "1e3",
        "-1",
        "0",
        "nan",
        "inf",
        "",
        "99999999999999999999999",
        "1000000000000000",
    ],
    "seed": ["abc", "-1", "1.5", "", "99999999999999999999999"],
    "rate": ["abc", "nan", "inf", "-inf", "-1", "0", "1e400", ""],
    "seconds": ["abc", "nan", "-1", "0", "inf"],
    "name": ["", "nonexistent", "\udcff\udcfe", "x" * 5000],
    "out_dir": ["/dev/null/x", "{file}", "/proc/lrkit-out"],
    "out_file": ["/dev/null/x.png", "{dir}", "{tmp}/x.txt", "/proc/x.png", "{tmp}/noext"],
}
SPECS = [
    "",
    " ",
    "cosine(",
    "cosine(lr=0.1, stps=10)",
    "cosin(lr=0.1, steps=10)",
    "__import__('os')",
    "cosine(lr=nan, steps=10)",
    "cosine(lr=0.1, steps=10.5)",
    "cosine(lr=-1, steps=10)",
    ">>",
    "constant(lr=0.1) >> 3",
    "reduce_on_plateau(lr=0.1)",
    "exponential(lr=0.1, gamma=0.9)",
    "cosine(lr=0.1, steps=10)\udcff",
    "cosine(lr=0.1, steps=0x" + "f" * 1000 + ")",
    "x" * 200_000,
    "warmup(" * 300 + "constant(lr=0.1)" + ", steps=1)" * 300,
    "lambda: 0",
    "cosine(lr=0.1, steps=10).x",
    "cosine(**{'lr': 0.1})",
    "9**9**9",
    "[constant(lr=0.1)]",
    "'cosine'",
    "cosine(lr=0.1, steps=10, steps=5)",
]


@dataclass(frozen=True)
class Command:
    """A command, a valid base invocation, and its options by kind (``None``: a positional)."""

    path: tuple[str, ...]
    base: tuple[str, ...]
    options: dict[str, str]
    out: str | None = None  # the option whose target must be left untouched


FIND_BASE = ("--num-steps", "20")
TUNE_BASE = (
    "--task",
    "diabetes-linear",
    "--budget",
    "10",
    "--no-finder",
    "--pruner",
    "none",
    "--trials",
    "1",
)
COMMANDS = [
    Command(("schedule", "values"), ("constant(lr=0.1)", "--steps", "3"), {"--steps": "count"}),
    Command(
        ("schedule", "plot"),
        ("constant(lr=0.1)", "--steps", "3"),
        {"--steps": "count", "--out": "out_file"},
        out="--out",
    ),
    Command(
        ("train",),
        ("--task", "diabetes-linear", "--steps", "2"),
        {
            "--task": "name",
            "--lr": "rate",
            "--optimizer": "name",
            "--epochs": "rate",
            "--steps": "count",
            "--seed": "seed",
            "--eval-every": "count",
        },
    ),
    Command(
        ("find",),
        FIND_BASE,
        {
            "--task": "name",
            "--optimizer": "name",
            "--seed": "seed",
            "--num-steps": "count",
            "--start": "rate",
            "--end": "rate",
            "--rule": "name",
            "--repeats": "count",
            "--out": "out_dir",
        },
        out="--out",
    ),
    Command(
        ("tune",),
        TUNE_BASE,
        {
            "--task": "name",
            "--trials": "count",
            "--sampler": "name",
            "--pruner": "name",
            "--budget": "count",
            "--worker-id": "seed",
            "--timeout": "seconds",
            "--heartbeat": "count",
            "--seed": "seed",
            "--storage": "name",
            "--out": "out_dir",
        },
        out="--out",
    ),
    Command(("lab",), ("warmup", "--no-interactive"), {"--out": "out_dir"}, out="--out"),
]
# Values that are valid for one option although bad for its kind elsewhere.
ALLOWED = {
    ("train", "--seed", "1000000000000000"),
    ("find", "--seed", "1000000000000000"),
    ("tune", "--seed", "1000000000000000"),
    ("tune", "--worker-id", "1000000000000000"),
    ("tune", "--timeout", "inf"),  # no limit: runs the one trial
    ("train", "--eval-every", "1000000000000000"),  # evaluating less often than the budget: only at the end
}


def _cases() -> list[tuple[str, list[str], str | None]]:
    cases: list[tuple[str, list[str], str | None]] = []
    for cmd in COMMANDS:
        for option, kind in cmd.options.items():
            for value in BAD[kind]:
                if (cmd.path[0], option, value) in ALLOWED:
                    continue
                args = [*cmd.path, *cmd.base, option, value]
                out = value if option == cmd.out else None
                cases.append((f"{' '.join(cmd.path)} {option} {value[:20]!r}", args, out))
        # Click's own usage errors: an unknown option, a missing value, an extra argument
        cases.append((f"{' '.join(cmd.path)} unknown option", [*cmd.path, *cmd.base, "--bogus"], None))
        cases.append(
            (f"{' '.join(cmd.path)} missing value", [*cmd.path, *cmd.base, next(iter(cmd.options))], None)
        )
        cases.append((f"{' '.join(cmd.path)} extra argument", [*cmd.path, *cmd.base, "extra", "args"], None))
    for command in ("values", "plot"):
        for spec in SPECS:
            cases.append((f"schedule {command} spec {spec[:20]!r}", ["schedule", command, spec], None))
    for spec in SPECS:
        # an endless schedule and a plateau controller are fine for train
        if spec.strip() and spec not in ("exponential(lr=0.1, gamma=0.9)", "reduce_on_plateau(lr=0.1)"):
            cases.append(
                (
                    f"train --schedule {spec[:20]!r}",
                    ["train", "--task", "diabetes-linear", "--steps", "2", "--schedule", spec],
                    None,
                )
            )
    for name in BAD["name"]:
        cases.append((f"lab demo {name[:20]!r}", ["lab", name], None))
    cases += [
        (
            "find --task and --script",
            ["find", "--task", "digits-mlp", "--script", "{tmp}/task.py:build"],
            None,
        ),
        (
            "tune --task and --script",
            ["tune", "--task", "digits-mlp", "--script", "{tmp}/task.py:build"],
            None,
        ),
        ("find --val with a script without val", ["find", "--val", "--script", "{tmp}/task.py:build"], None),
        ("train --epochs and --steps", ["train", "--epochs", "1", "--steps", "2"], None),
        ("schedule values no steps", ["schedule", "values", "exponential(lr=0.1, gamma=0.5)"], None),
        ("tasks list extra", ["tasks", "list", "extra"], None),
        ("no such command", ["nonsense"], None),
        ("schedule no such command", ["schedule", "nonsense"], None),
    ]
    return cases


# -- bad files --------------------------------------------------------------------------------------------
BAD_BYTES = {
    "non-utf8": b"step,loss\n0,1\n1,\xff\xfe\n",
    "binary": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "bom+bad": b"\xef\xbb\xbfstep,loss\n0,one\n",
    "empty": b"",
    "nul": b"step,loss\n0,\x001\n",
    "utf16": "step,loss\n0,1\n1,2\n".encode("utf-16"),
}
SPACE_BYTES = {
    "non-utf8": b"lr: [1e-4, \xff]\n",
    "bom+bad": b"\xef\xbb\xbflr: [1, 0.1]\n",
    "binary": b"\x00\x01\x02\xff",
    "not a mapping": b"- 1\n- 2\n",
    "bad yaml": b"lr: [1e-4, 1\n",
    "unknown key": b"learning_rate: [1e-4, 1]\n",
    "nan range": b"lr: [.nan, 1]\n",
    "utf16": "lr: [1e-4, 1]\n".encode("utf-16"),
}
SCRIPT_BYTES = {
    "non-utf8": b"def build(seed):\n    return '\xff'\n",
    "binary": b"\x7fELF\x02\x01\x01\x00\x00\x00",
    "syntax": b"def build(seed:\n",
    "bom+raises": b"\xef\xbb\xbfdef build(seed):\n    raise RuntimeError('boom')\n",
    "returns strings": (
        b"def build(seed):\n    return dict(model='m', optimizer='o', loss_fn='l', train_loader='t')\n"
    ),
    "returns none": b"def build(seed):\n    return None\n",
    "import error": b"import no_such_module_for_lrkit\n",
    "exits": b"import sys\nsys.exit(3)\n",
}


def _file_cases() -> list[tuple[str, list[str], str | None]]:
    cases: list[tuple[str, list[str], str | None]] = []
    for name in BAD_BYTES:
        cases.append((f"diagnose {name}", ["diagnose", f"{{tmp}}/history-{name}.csv"], None))
    for name in SPACE_BYTES:
        cases.append(
            (
                f"tune --space {name}",
                ["tune", *TUNE_BASE, "--space", f"{{tmp}}/space-{name}.yaml", "--out", "{tmp}/o"],
                "{tmp}/o",
            )
        )
    for name in SCRIPT_BYTES:
        for command in ("find", "tune"):
            extra = (
                ["--budget", "5", "--trials", "1", "--no-finder"]
                if command == "tune"
                else ["--num-steps", "20"]
            )
            cases.append(
                (
                    f"{command} --script {name}",
                    [command, "--script", f"{{tmp}}/script-{name}.py:build", *extra, "--out", "{tmp}/o"],
                    "{tmp}/o",
                )
            )
    for path in ("{tmp}/missing.csv", "{dir}", "/dev/null/x.csv", "{tmp}/space-empty.yaml"):
        cases.append((f"diagnose path {path}", ["diagnose", path], None))
    for path in ("{tmp}/missing.yaml", "{dir}", "/dev/null/x.yaml"):
        cases.append(
            (
                f"tune --space path {path}",
                ["tune", *TUNE_BASE, "--space", path, "--out", "{tmp}/o"],
                "{tmp}/o",
            )
        )
    for spec in (
        "{tmp}/missing.py:build",
        "{dir}:build",
        "/dev/null/x.py:build",
        "{tmp}/task.py",
        "{tmp}/task.py:nothing",
        "{tmp}/history-empty.csv:build",
        ":build",
        "{tmp}/task.py:",
    ):
        for command in ("find", "tune"):
            cases.append(
                (
                    f"{command} --script path {spec}",
                    [command, "--script", spec, "--out", "{tmp}/o"],
                    "{tmp}/o",
                )
            )
    return cases


CASES = [(f"{i:03d} {label}", args, out) for i, (label, args, out) in enumerate(_cases() + _file_cases())]

TASK = """
import torch

def build(seed):
    model = torch.nn.Linear(2, 1)
    X, y = torch.randn(32, 2), torch.randn(32)
    return dict(model=model, optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                loss_fn=lambda out, t: ((out.squeeze(1) - t) ** 2).mean(),
                train_loader=[(X[i:i + 8], y[i:i + 8]) for i in range(0, 32, 8)])
"""


@pytest.fixture(scope="module")
def workspace() -> Path:
    """One folder for every case: the bad files, a folder, a file; outputs go under fresh names."""
    tmp = Path(tempfile.mkdtemp(prefix="lrkit-bad-input-"))
    (tmp / "adir").mkdir()
    (tmp / "afile").write_text("keep me")
    (tmp / "task.py").write_text(TASK)
    for name, data in BAD_BYTES.items():
        (tmp / f"history-{name}.csv").write_bytes(data)
    for name, data in SPACE_BYTES.items():
        (tmp / f"space-{name}.yaml").write_bytes(data)
    (tmp / "space-empty.yaml").write_bytes(b"")
    for name, data in SCRIPT_BYTES.items():
        (tmp / f"script-{name}.py").write_bytes(data)
    return tmp


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None) for p in folder.rglob("*")}


@pytest.mark.parametrize(("label", "args", "out"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_error_line_and_leaves_nothing(
    workspace: Path, label: str, args: list[str], out: str | None, monkeypatch
) -> None:
    monkeypatch.chdir(workspace)  # relative defaults (lrkit-out, schedule.png) land in the workspace
    fill = {"{tmp}": str(workspace), "{dir}": str(workspace / "adir"), "{file}": str(workspace / "afile")}
    args = [_fill(a, fill) for a in args]
    if args[0] in ("find", "tune", "lab") and "--out" not in args:
        args += ["--out", str(workspace / "o")]
    before = _snapshot(workspace)
    result = runner.invoke(app, args)
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert result.exit_code not in (0, None), f"{label}: exit 0\n{result.output}"
    assert len(lines) == 1 and lines[0].startswith("error: "), f"{label}:\n{result.stderr}"
    assert "Traceback" not in result.output and "LRKIT_DEBUG" not in lines[0], f"{label}: {lines[0]}"
    assert result.stdout == "", f"{label}: stdout {result.stdout!r}"
    assert _snapshot(workspace) == before, f"{label}: left output behind"


def _fill(arg: str, fill: dict[str, str]) -> str:
    for key, value in fill.items():
        arg = arg.replace(key, value)
    return arg


def test_the_suite_is_large() -> None:
    assert len(CASES) >= 200, len(CASES)


def test_bom_prefixed_valid_files_are_read(tmp_path: Path) -> None:
    """A byte-order mark is not an error: the BOM-prefixed twin of each valid input works."""
    history = tmp_path / "h.csv"
    history.write_bytes(
        b"\xef\xbb\xbfstep,loss\n" + b"".join(b"%d,%f\n" % (i, 1 / (i + 1)) for i in range(30))
    )
    assert runner.invoke(app, ["diagnose", str(history), "--json"]).exit_code == 0
    script = tmp_path / "task.py"
    script.write_bytes(b"\xef\xbb\xbf" + TASK.encode())
    result = runner.invoke(
        app,
        ["find", "--script", f"{script}:build", "--num-steps", "20", "--out", str(tmp_path / "o"), "--json"],
    )
    assert result.exit_code == 0, result.output


@pytest.mark.skipif(sys.platform != "linux" or os.geteuid() == 0, reason="root may write anywhere")
def test_unwritable_folder(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = runner.invoke(
        app, ["schedule", "plot", "constant(lr=0.1)", "--steps", "3", "--out", str(locked / "s.png")]
    )
    assert result.exit_code == 2 and "is not writable" in result.stderr
