"""`Watchdog.observe`'s errors name the Watchdog, not `Monitor.observe`, a class the user never called
(regression: ux finding, session 6).

`Watchdog(owner=...)` was fixed for the constructor's arguments in session 5 (`Watchdog(every=0)`
names the Watchdog); the per-step checks in `Monitor.observe` / `observe_val` still hard-code
"Monitor.observe": `wd.observe(0, 1.0, lr=-0.1)` says "`lr` of Monitor.observe must be a
non-negative learning rate", and a repeated step "`step` of Monitor.observe must increase". Repro:
`/work/notes/ux6/state_probe.py`. Also `Monitor.load_state_dict({"x": 1})` raises `KeyError: 'every'`
(`None`: `TypeError`) where `LRScheduler` and `Watchdog` name a state that is not one.
Fixed: the per-step checks read the Monitor's `owner=`; a state missing a key is one `LRKitError`.
"""

from __future__ import annotations

import pytest

from lrkit import LRKitError
from lrkit.torch import Watchdog


def test_a_negative_rate_names_watchdog_observe():
    with pytest.raises(LRKitError, match=r"^`lr` of Watchdog\.observe"):
        Watchdog().observe(0, 1.0, lr=-0.1)


def test_a_repeated_step_names_watchdog_observe():
    wd = Watchdog()
    wd.observe(3, 1.0, lr=0.1)
    with pytest.raises(LRKitError, match=r"^`step` of Watchdog\.observe"):
        wd.observe(3, 1.0, lr=0.1)


def test_a_repeated_validation_step_names_watchdog_observe_val():
    wd = Watchdog()
    wd.observe_val(3, 1.0)
    with pytest.raises(LRKitError, match=r"^`step` of Watchdog\.observe_val"):
        wd.observe_val(3, 1.0)


def test_a_monitor_state_that_is_not_one_is_one_error():
    from lrkit.diagnostics import Monitor

    with pytest.raises(LRKitError, match=r"`state_dict` of Monitor"):
        Monitor().load_state_dict({"x": 1})
