"""Bad values that raised a bare Python error instead of one ``LRKitError`` naming parameter, value and
what is allowed (found by probing the schedules and the Watchdog's public calls with 130 odd inputs)."""

from __future__ import annotations

import pytest
import torch

from lrkit import LRKitError
from lrkit.diagnostics import Monitor
from lrkit.schedules import for_run, from_dict, reduce_on_plateau
from lrkit.torch import Watchdog


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        # OverflowError: cannot convert float infinity to integer
        ("cosine(lr=0.1, steps=total*1e308*10)", r"count that is not finite in 'total \* 1e\+308 \* 10'"),
        # ValueError: cannot convert float NaN to integer
        ("cosine(lr=0.1, steps=total*1e308*10 - total*1e308*10)", "gives a step count that is not finite"),
        # RecursionError: maximum recursion depth exceeded during ast construction
        ("cosine(lr=0.1, steps=" + "-" * 5000 + "total)", r"invalid schedule spec .*: nested too deeply"),
    ],
    ids=["inf", "nan", "deep"],
)
def test_for_run_step_counts_that_are_no_number(spec, message):
    with pytest.raises(LRKitError, match=message):
        for_run(spec, total=10)


def test_from_dict_with_a_name_that_is_no_string():
    # TypeError: unhashable type: 'list'
    with pytest.raises(LRKitError, match=r"`name` of from_dict must be a schedule name \(a string\); got \["):
        from_dict({"name": ["cosine"], "lr": 0.1})


def test_a_metric_too_large_for_a_float_is_an_infinite_one():
    # OverflowError: int too large to convert to float; torch's ReduceLROnPlateau raises the same
    c = reduce_on_plateau(lr=0.1, patience=0)
    c.observe(1.0)
    assert c.observe(10**400) is True and c(0) == pytest.approx(0.01)  # worse than 1.0: a cut, as inf


def test_a_loss_too_large_for_a_float_is_an_infinite_one():
    # OverflowError: int too large to convert to float
    assert Watchdog().observe(0, 10**400) is True  # a non-finite loss: stop


@pytest.mark.parametrize("call", ["observe", "observe_val"])
@pytest.mark.parametrize(
    ("step", "shown"), [("a", "'a'"), (2.5, "2.5"), (-1, "-1"), (torch.tensor(1.5), "1.5")], ids=str
)
def test_a_step_that_is_no_step_is_named(call, step, shown):
    # "a": ValueError: invalid literal for int(); 2.5 was read as step 2, -1 was taken
    for owner, watch in (("Watchdog", Watchdog()), ("Monitor", Monitor())):
        message = rf"`step` of {owner}.{call} must be an integer >= 0; got {shown}\."
        with pytest.raises(LRKitError, match=message):
            getattr(watch, call)(step, 1.0)


def test_whole_steps_of_any_type_are_taken():
    wd = Watchdog(every=5)
    for step in (0, 1.0, torch.tensor(2), torch.tensor(3.0)):
        wd.observe(step, 1.0)
    assert wd.monitor.history()["steps"].tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize("info", [None, {}, {"step": 0}, [0, 1.0]], ids=str)
def test_the_train_callback_names_what_its_info_must_hold(info):
    # AttributeError: 'NoneType' object has no attribute 'get'; KeyError: 'step'
    with pytest.raises(LRKitError, match=r"`info` of Watchdog\(info\) must be a dict with 'step' and 'loss'"):
        Watchdog()(info)


def test_configure_optimizers_names_an_argument_lrscheduler_does_not_take():
    # TypeError: LRScheduler.__init__() got an unexpected keyword argument 'last_epoch'
    from lrkit.lightning import configure_optimizers

    net = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    message = r"unknown argument of lrkit.lightning.configure_optimizers 'last_epoch'.* Valid: "
    with pytest.raises(LRKitError, match=message + "group_scales, key, per_update, plateau"):
        configure_optimizers(net, opt, "cosine(lr=lr, steps=10)", last_epoch=5)
    assert "initial_lr" not in opt.param_groups[0]  # refused before a scheduler touched the optimizer


def test_plot_schedule_refuses_more_steps_than_memory_holds_before_allocating():
    # numpy's MemoryError: Unable to allocate 7.28 TiB for an array with shape (1000000000000,)
    from lrkit.plotting import PLOT_BYTES_PER_STEP, plot_schedule

    with pytest.raises(LRKitError, match=rf"`steps` of plot_schedule must be an integer in \[1, \d+\] \(at "
                                         rf"{PLOT_BYTES_PER_STEP} bytes each"):
        plot_schedule("cosine(lr=0.1, steps=10)", 10**12)
