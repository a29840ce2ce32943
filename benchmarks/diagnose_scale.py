"""How do ``diagnose`` and ``lrkit diagnose`` scale with the length of a history, in time and memory?

Training logs of millions of steps are normal, so ``diagnose`` must stay near O(n log n). Targets:
10^6 rows under 5 s and 500 MB, 10^7 rows under 60 s.

(a) ``diagnose(losses, lrs)`` on a synthetic history of n rows (exponential decay to a floor,
    Gaussian noise, three spikes, a constant rate), n = 10^4 .. 10^7, and ``read_history`` of the
    same history written as a ``step,loss,lr`` CSV. Each size runs in a fresh child process, so
    its peak resident memory (``ru_maxrss``) is its own; "extra" is the peak minus the resident
    memory before the call (the interpreter and numpy). Times are this process's CPU time
    (``time.process_time``), which other jobs on a shared machine do not inflate.
(b) The running median alone, window n/10 as ``diagnose`` uses it: the readable reference
    (``np.nanmedian`` over a sliding window, O(n w)) against the wavelet-matrix version
    (O(n log n)), side by side in one process, with their outputs compared bit for bit.

Run::

    nice -n 10 .venv/bin/python benchmarks/diagnose_scale.py            # records BENCHMARKS.md
    nice -n 10 .venv/bin/python benchmarks/diagnose_scale.py --max-rows 1e6 --no-record
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

from lrkit.diagnostics import diagnose, read_history, running_median, running_median_reference  # noqa: E402

SIZES = (10**4, 10**5, 10**6, 10**7)
REFERENCE_SIZES = (1_000, 4_000, 10_000, 40_000)


def history(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A healthy-looking run of n steps: decay to a floor, noise, three spikes, a constant rate."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    losses = 2.0 * np.exp(-t / (n / 5)) + 0.3 + 0.05 * rng.normal(size=n)
    losses[[n // 4, n // 2, 3 * n // 4]] += 1.0
    return losses, np.full(n, 0.1)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def child(n: int, what: str) -> dict[str, float | str]:
    """Measure ``diagnose`` or ``read_history`` on one size in this (fresh) process."""
    losses, lrs = history(n)
    verdict = ""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "h.csv"
        if what == "read":
            np.savetxt(path, np.column_stack([np.arange(n), losses, lrs]), delimiter=",",
                       header="step,loss,lr", comments="", fmt=["%d", "%.17g", "%.17g"])
            del losses, lrs
        before = _rss_mb()
        start, wall = time.process_time(), time.perf_counter()
        if what == "read":
            h = read_history(path)
            assert h.losses.size == n
        else:
            verdict = diagnose(losses, lrs).verdict
        cpu, wall = time.process_time() - start, time.perf_counter() - wall
    peak = _rss_mb()
    return {"verdict": verdict, "cpu_s": cpu, "wall_s": wall, "peak_mb": peak, "extra_mb": peak - before}


def measure(n: int, what: str) -> dict[str, float | str]:
    out = subprocess.run([sys.executable, __file__, "--child", str(n), "--what", what], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def reference_rows() -> list[list[object]]:
    rows = []
    rng = np.random.default_rng(1)
    for n in REFERENCE_SIZES:
        y = rng.normal(size=n).cumsum()
        start = time.process_time()
        ref = running_median_reference(y, n // 10)
        t_ref = time.process_time() - start
        start = time.process_time()
        fast = running_median(y, n // 10)
        t_fast = time.process_time() - start
        rows.append([f"{n:,}", f"{n // 10:,}", t_ref, t_fast, t_ref / t_fast,
                     "yes" if np.array_equal(ref, fast) else "NO"])
    return rows


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--max-rows", type=float, default=1e7, help="largest history measured")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--what", choices=("diagnose", "read"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.what)))
        return
    rows = []
    for n in (s for s in SIZES if s <= args.max_rows):
        d, r = measure(n, "diagnose"), measure(n, "read")
        rows.append([f"{n:,}", d["verdict"], d["cpu_s"], d["wall_s"], d["peak_mb"], d["extra_mb"],
                     r["cpu_s"], r["peak_mb"]])
        print(f"n={n:,}: diagnose {d['cpu_s']:.2f} s CPU, peak {d['peak_mb']:.0f} MB; "
              f"read {r['cpu_s']:.2f} s, peak {r['peak_mb']:.0f} MB", flush=True)
    headers = ["rows", "verdict", "diagnose CPU (s)", "wall (s)", "peak RSS (MB)", "extra (MB)",
               "read_history CPU (s)", "read peak RSS (MB)"]
    print_table(rows, headers, floatfmt=".3g")
    ref = reference_rows()
    ref_headers = ["rows", "window", "reference (s)", "wavelet matrix (s)", "speed-up", "bit-identical"]
    print_table(ref, ref_headers, floatfmt=".3g")
    if args.no_record:
        return
    body = (
        "(a) `diagnose(losses, lrs)` on a synthetic history (decay to a floor, noise, three spikes), "
        "and `read_history` of the same rows as a `step,loss,lr` CSV, each in a fresh process: CPU time "
        "of the call, peak resident memory of the process (interpreter and numpy included) and its rise "
        "during the call. Targets: 10^6 rows under 5 s and 500 MB, 10^7 under 60 s.\n\n"
        + markdown_table(rows, headers, floatfmt=".3g")
        + "\n\n(b) The running median over a window of n/10 rows (what `diagnose` smooths with): the "
        "readable `np.nanmedian` reference against the wavelet-matrix order statistics in "
        "`lrkit/_medians.py`, CPU seconds, outputs compared bit for bit.\n\n"
        + markdown_table(ref, ref_headers, floatfmt=".3g")
    )
    record("diagnose_scale", "diagnose: time and memory against the length of the history", body,
           command="nice -n 10 .venv/bin/python benchmarks/diagnose_scale.py")


if __name__ == "__main__":
    main()
