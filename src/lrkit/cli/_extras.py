"""Which optional extra a command is missing, said in one line that names the install command.

``pip install lrkit`` gives the schedules, the finder core, diagnose and the lab; PyTorch, matplotlib,
Optuna and the PostgreSQL driver come with extras (``pyproject.toml``). A command that imports one of
them without it installed ends with ``error: `lrkit find` needs PyTorch, which is not installed: pip
install 'lrkit[torch]'.``, never as an unexpected bug (:class:`lrkit.cli._app.Group`). A command whose
answer does not need the missing package (a figure beside the rate) keeps the answer and skips the
figure with a note (:func:`can_draw`).
"""

from __future__ import annotations

import importlib.util

__all__ = ["EXTRAS", "missing_extra", "extra_message", "can_draw", "PLOT_SKIPPED"]

#: The extra of ``pyproject.toml`` that installs each package a command imports, by import name, with
#: the name a user knows it by. A test checks each against the extras (tests/cli/test_ux14_missing_extra.py).
EXTRAS: dict[str, tuple[str, str]] = {
    "torch": ("PyTorch", "torch"),
    "sklearn": ("scikit-learn", "torch"),
    "matplotlib": ("matplotlib", "plot"),
    "optuna": ("Optuna", "tune"),
    "sqlalchemy": ("SQLAlchemy", "tune"),
    "yaml": ("PyYAML", "tune"),
    "psycopg2": ("psycopg2", "postgres"),
}


def missing_extra(exc: BaseException) -> str | None:
    """The import name of the extra's package whose absence raised ``exc``, else ``None``.

    Example:
        >>> missing_extra(ModuleNotFoundError("No module named 'matplotlib'", name="matplotlib.pyplot"))
        'matplotlib'
        >>> missing_extra(ModuleNotFoundError("No module named 'mymodel'", name="mymodel")) is None
        True
    """
    if not isinstance(exc, ModuleNotFoundError) or not exc.name:
        return None
    top = exc.name.split(".")[0]
    return top if top in EXTRAS else None


def extra_message(command: str, module: str) -> str:
    """The one line saying that ``command`` needs ``module`` and which extra installs it.

    Example:
        >>> extra_message("lrkit find", "torch")
        "`lrkit find` needs PyTorch, which is not installed: pip install 'lrkit[torch]'."
    """
    words, extra = EXTRAS[module]
    return f"`{command}` needs {words}, which is not installed: pip install 'lrkit[{extra}]'."


#: What a command that keeps its answer without matplotlib says about the files it did not draw.
PLOT_SKIPPED = ("skipped {files}: drawing needs matplotlib, which is not installed "
                "(pip install 'lrkit[plot]').")


def can_draw() -> bool:
    """Is matplotlib importable? (Checked before a command draws, so a missing plot extra costs a figure,
    never the answer computed before it.)"""
    try:
        return importlib.util.find_spec("matplotlib") is not None
    except ValueError:  # a module object without a spec (set by hand in sys.modules)
        return False
