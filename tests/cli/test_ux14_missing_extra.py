"""A command whose extra is not installed names the extra, not "unexpected ... please report it"
(session-14 new-user probe, ux; ``/work/notes/ux14/REPORT.md`` D1).

``pip install lrkit`` (no extras) gives the schedules, the finder core, diagnose and the lab
(docs/architecture.md). A new user who then runs ``lrkit find --task digits-mlp`` read
"error: unexpected ModuleNotFoundError: No module named 'torch' (LRKIT_DEBUG=1 shows the traceback;
please report it)": a bug report asked for, no word of the extra. The same for ``lrkit train``,
``lrkit tasks list`` (torch), ``lrkit tune`` (optuna), ``lrkit schedule plot`` and
``lrkit diagnose --report`` (matplotlib). Expected: one ``error:`` line naming the extra and the
command that installs it (``pip install 'lrkit[torch]'``), as ``lrkit lab`` already does for plot.
The missing package is simulated with ``sys.modules[name] = None`` in a child process.

Fixed: :class:`lrkit.cli._app.Group` names the extra of any package :data:`lrkit.cli._extras.EXTRAS`
lists (exit code 2); ``lrkit find`` and ``lrkit tune`` keep their answer without matplotlib and skip
the figures with a note (D4).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from lrkit.cli import app
from lrkit.cli._extras import EXTRAS, PLOT_SKIPPED, can_draw, extra_message, missing_extra

_CODE = ("import sys; sys.modules.update({m: None for m in sys.argv[1].split(',')}); "
         "sys.argv = ['lrkit'] + sys.argv[2:]; from lrkit.cli import main; main()")


def _run(blocked: str, *args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _CODE, blocked, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


CASES = [
    ("torch", ("find", "--task", "digits-mlp"), "torch"),
    ("torch", ("train", "--task", "digits-mlp", "--lr", "0.1"), "torch"),
    ("torch", ("tasks", "list"), "torch"),
    ("optuna", ("tune", "--task", "digits-mlp", "--trials", "1"), "tune"),
    ("matplotlib", ("schedule", "plot", "cosine(lr=0.1, steps=100)"), "plot"),
]


@pytest.mark.parametrize("blocked,args,extra", CASES, ids=[c[1][0] + "-" + c[0] for c in CASES])
def test_a_missing_extra_is_named(tmp_path, blocked, args, extra):
    res = _run(blocked, *args, cwd=tmp_path)
    line = res.stderr.strip()
    assert res.returncode != 0 and line.startswith("error: ") and "\n" not in line, res.stderr
    assert f"lrkit[{extra}]" in line and "unexpected" not in line and "report it" not in line, line


def test_find_without_matplotlib_keeps_the_sweep_or_refuses_first(tmp_path):
    """D4 (high): ``pip install 'lrkit[torch]'`` (what docs/tasks.md says to install) and
    ``lrkit find``: the whole sweep runs, then ``figure_png(result.plot())`` imports matplotlib before
    anything is written: "error: unexpected ModuleNotFoundError: No module named 'matplotlib' ...
    please report it", no finder.json, no suggestion printed (a ``--script`` sweep of many minutes is
    lost). Expected: the answer kept (finder.json and the advice, the figure skipped with a note naming
    ``lrkit[plot]``), or the missing extra named in one line before the sweep starts."""
    res = _run("matplotlib", "find", "--task", "digits-mlp", "--num-steps", "30", "--out", "out",
               cwd=tmp_path)
    kept = (tmp_path / "out" / "finder.json").exists() and "lr" in res.stdout
    refused_first = res.stderr.strip().startswith("error: ") and "lrkit[plot]" in res.stderr \
        and "\n" not in res.stderr.strip() and "unexpected" not in res.stderr
    assert kept or refused_first, (res.stdout, res.stderr)
    assert "lrkit[plot]" in res.stderr and "skipped finder.png and report.html" in res.stderr, res.stderr
    assert not (tmp_path / "out" / "finder.png").exists() and "no report" in res.stdout
    saved = json.loads((tmp_path / "out" / "finder.json").read_text(encoding="utf-8"))
    assert saved["suggestion"] > 0 and saved["advice"]["lr"] > 0


def test_tune_without_matplotlib_keeps_the_result(tmp_path):
    """The same for ``lrkit tune`` (found fixing D4): with ``lrkit[torch,tune]`` and no plot extra, every
    trial ran and ``tune_report`` then failed on matplotlib, losing tune.json; now tune.html is skipped."""
    res = _run("matplotlib", "tune", "--task", "digits-mlp", "--trials", "1", "--budget", "20",
               "--no-finder", "--out", "out", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "best lr" in res.stdout and "report        = out/tune.json" in res.stdout, res.stdout
    assert (tmp_path / "out" / "tune.json").exists() and not (tmp_path / "out" / "tune.html").exists()
    assert PLOT_SKIPPED.format(files="tune.html") in " ".join(res.stderr.split()), res.stderr


def test_every_extra_named_is_one_pyproject_installs():
    """:data:`EXTRAS` names, for each package, an extra of pyproject.toml that lists its distribution."""
    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text("utf-8"))
    extras = pyproject["project"]["optional-dependencies"]
    dist = {"sklearn": "scikit-learn", "yaml": "pyyaml", "psycopg2": "psycopg2-binary"}
    for module, (_words, extra) in EXTRAS.items():
        names = {req.split(">")[0].split("=")[0].strip().lower() for req in extras[extra]}
        assert dist.get(module, module) in names, (module, extra, extras[extra])


def test_missing_extra_reads_only_the_extras_packages():
    assert missing_extra(ModuleNotFoundError("x", name="optuna.importance")) == "optuna"
    assert missing_extra(ModuleNotFoundError("x", name="my_model")) is None  # a user's module: not an extra
    assert missing_extra(ImportError("x", name="torch")) is None
    assert extra_message("lrkit tune", "optuna") == ("`lrkit tune` needs Optuna, which is not installed: "
                                                     "pip install 'lrkit[tune]'.")
    assert can_draw()  # matplotlib is installed where the tests run; its absence is simulated above


def test_command_path_names_the_words_typed():
    import typer

    group = typer.main.get_command(app)
    assert group.command_path(["tasks", "list", "--json"]) == "lrkit tasks list"
    assert group.command_path(["find", "--task", "tasks"]) == "lrkit find"
    assert group.command_path(["--version"]) == "lrkit"
    assert group.command_path(["bogus"]) == "lrkit"
