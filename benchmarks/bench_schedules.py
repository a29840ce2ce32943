"""How fast are lrkit schedules, evaluated in bulk and driving a torch optimizer?

(a) Evaluating 1,000,000 steps: one vectorized call ``s(np.arange(10**6))``
    against a Python loop of scalar calls ``[s(t) for t in ...]`` (the loop is
    timed over ``--loop-calls`` calls and scaled to 10**6; the per-call cost is
    flat in t). Target: under 50 ms vectorized.
(b) Per-step cost of ``lrkit.torch.LRScheduler.step()`` against torch's own
    scheduler for the same schedule, each on its own identically built SGD
    optimizer, timed in alternation in the same process. Target: ratio <= 1.0.

Every figure is the median of ``--repeats`` repeats. Run::

    nice .venv/bin/python benchmarks/bench_schedules.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch.optim import lr_scheduler as tls

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

from lrkit.schedules import Schedule, cosine, cyclic, linear, one_cycle  # noqa: E402
from lrkit.torch import LRScheduler  # noqa: E402

N = 1_000_000
LR = 0.1


def _median_seconds(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median wall-clock and median process CPU time of ``fn()``.

    Both are reported: on a machine shared with other jobs the wall clock also
    measures the OS scheduler, the CPU time only this process's work.
    """
    wall, cpu = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def evaluation_rows(repeats: int, loop_calls: int) -> list[list[object]]:
    families: dict[str, Schedule] = {
        "cosine": cosine(lr=LR, steps=N),
        "one_cycle": one_cycle(max_lr=LR, steps=N),
        "linear >> cosine": linear(start=0.0, end=LR, steps=N // 20) >> cosine(lr=LR, steps=N - N // 20),
        "cyclic (triangular2)": cyclic(base_lr=1e-3, max_lr=LR, step_size_up=2000, mode="triangular2"),
    }
    steps = np.arange(N)
    rng = np.random.default_rng(0)
    rows = []
    for name, s in families.items():
        vec_wall, vec_cpu = _median_seconds(lambda s=s: s(steps), repeats)
        ts = [int(t) for t in rng.integers(0, N, size=loop_calls)]
        loop_wall, loop_cpu = (
            x * N / loop_calls for x in _median_seconds(lambda s=s, ts=ts: [s(t) for t in ts], 3)
        )
        rows.append(
            [
                name,
                vec_wall * 1e3,
                vec_cpu * 1e3,
                loop_cpu * 1e3,
                loop_cpu / vec_cpu,
                "yes" if vec_cpu < 0.05 else "NO",
            ]
        )
    return rows


def _optimizer(groups: int) -> torch.optim.Optimizer:
    params = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": LR * 0.5**i} for i in range(groups)]
    return torch.optim.SGD(params, lr=LR, momentum=0.9)


def _pairs(total: int) -> dict[str, tuple[Callable[[torch.optim.Optimizer], object], Schedule]]:
    warm = total // 20
    return {
        "CosineAnnealingLR": (lambda o: tls.CosineAnnealingLR(o, T_max=total), cosine(lr=LR, steps=total)),
        "OneCycleLR": (
            # lr only, as the adapter does: cycling momentum too would be extra work on torch's side
            lambda o: tls.OneCycleLR(
                o,
                max_lr=[LR * 0.5**i for i in range(len(o.param_groups))],
                total_steps=total,
                cycle_momentum=False,
            ),
            one_cycle(max_lr=LR, steps=total),
        ),
        "SequentialLR(LinearLR, CosineAnnealingLR)": (
            lambda o: tls.SequentialLR(
                o,
                [
                    tls.LinearLR(o, start_factor=0.01, total_iters=warm),
                    tls.CosineAnnealingLR(o, T_max=total - warm),
                ],
                milestones=[warm],
            ),
            linear(start=LR * 0.01, end=LR, steps=warm) >> cosine(lr=LR, steps=total - warm),
        ),
    }


def step_rows(repeats: int, steps: int) -> list[list[object]]:
    rows = []
    for groups in (1, 3):
        for name, (make_torch, schedule) in _pairs(steps).items():
            t_torch, t_lrkit = [], []
            for _ in range(repeats):  # alternate, so drift on a shared machine hits both alike
                for make, out in ((make_torch, t_torch), (lambda o, s=schedule: LRScheduler(o, s), t_lrkit)):
                    opt = _optimizer(groups)
                    sched = make(opt)
                    opt.step()  # the usual order, so torch's first-step check takes its quiet path
                    step = sched.step
                    t0 = time.perf_counter()
                    for _ in range(steps - 1):
                        step()
                    out.append((time.perf_counter() - t0) / (steps - 1))
            a, b = statistics.median(t_torch), statistics.median(t_lrkit)
            rows.append([name, groups, a * 1e6, b * 1e6, b / a, "yes" if b <= a else "NO"])
    return rows


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--loop-calls", type=int, default=20_000, help="scalar calls timed for the loop column"
    )
    parser.add_argument("--steps", type=int, default=20_000, help="scheduler steps per repeat in (b)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average: {load}")

    eval_headers = [
        "schedule",
        "vectorized 1e6, wall (ms)",
        "vectorized 1e6, CPU (ms)",
        "scalar loop 1e6, CPU (ms)",
        "speed-up",
        "CPU < 50 ms",
    ]
    ev = evaluation_rows(args.repeats, args.loop_calls)
    print_table(ev, eval_headers, floatfmt=".3g")
    print()
    step_headers = [
        "torch scheduler",
        "groups",
        "torch step (us)",
        "lrkit step (us)",
        "ratio lrkit/torch",
        "<= 1.0",
    ]
    st = step_rows(args.repeats, args.steps)
    print_table(st, step_headers, floatfmt=".3g")

    if not args.no_record:
        body = (
            "(a) Evaluating 1,000,000 steps: one vectorized call vs a Python loop of scalar calls "
            f"(loop timed over {args.loop_calls:,} random steps and scaled to 1e6); "
            f"median of {args.repeats}. "
            f"Load average at the start: {load}; the CPU column is this process's time alone.\n\n"
            + markdown_table(ev, eval_headers, floatfmt=".3g")
            + "\n\n(b) Per-step cost of `lrkit.torch.LRScheduler.step()` vs torch's scheduler "
            "for the same schedule "
            f"(SGD, same param groups, {args.steps:,} steps per repeat, alternated; "
            f"median of {args.repeats}; "
            "OneCycleLR with `cycle_momentum=False`, i.e. lr only on both sides).\n\n"
            + markdown_table(st, step_headers, floatfmt=".3g")
        )
        record(
            "schedules",
            "Schedules: bulk evaluation and the torch adapter's step cost",
            body,
            command="nice .venv/bin/python benchmarks/bench_schedules.py",
        )


if __name__ == "__main__":
    main()
