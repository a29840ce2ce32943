"""The benchmarks' shared report pieces: `dev.record.store_args` and `dev.autopilot_tables.lofo_verdict`."""

from __future__ import annotations

import pytest
from dev.record import store_args


def test_defaults_and_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.argv", ["bench.py"])
    args = store_args("The question.\n\nMore.")
    assert (args.cached_only, args.no_record) == (False, False)
    monkeypatch.setattr("sys.argv", ["bench.py", "--cached-only", "--no-record"])
    args = store_args("The question.")
    assert (args.cached_only, args.no_record) == (True, True)


def test_an_unknown_flag_exits_with_usage(monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.argv", ["bench.py", "--bogus"])
    with pytest.raises(SystemExit) as info:
        store_args("The question.")
    assert info.value.code == 2 and "--bogus" in capsys.readouterr().err


def test_help_shows_the_first_docstring_line(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.argv", ["bench.py", "--help"])
    with pytest.raises(SystemExit):
        store_args("Which shape wins?\n\nDetails that stay out of --help.")
    out = capsys.readouterr().out
    assert "Which shape wins?" in out and "Details" not in out


def test_lofo_verdict_counts_the_folds() -> None:
    from dev.autopilot_tables import lofo_verdict

    held = {"rnn": "a", "charlm": "b", "linear": "a"}
    text = lofo_verdict("a", held, ("a", "b", "c"), " (note)")
    assert text == "Chosen on all twelve families: **a** (note). Per held-out family: a: 2; b: 1; c: 0."
