"""``lrkit lab [DEMO] --out DIR``: run the learning-rate demos and write the report.

Writes ``DIR/<demo>.png`` per demo, ``DIR/lab.json`` (every record), a
self-contained ``DIR/report.html`` (figures embedded, no network) and
``DIR/interactive.html``, the learning-rate slider page linked from the
report's top. With no DEMO every demo runs; ``--list`` lists them (name,
claim) and runs nothing. Results go to stdout (a table, or ``--json``),
progress to stderr.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from lrkit.cli._app import Command, app
from lrkit.cli._common import call, check_out_dir, fail, print_json, staged, stderr, user_errors


def _selected(demo: str | None) -> list[str]:
    from lrkit.lab import demos

    if demo is not None:
        missing = [x for x in call(demos.lookup, demo).needs if importlib.util.find_spec(x) is None]
        if missing:
            raise fail(
                f"demo {demo!r} needs the {', '.join(missing)} extra: pip install 'lrkit[{missing[0]}]'."
            )
        return [demo]
    names = []
    for name, info in demos.items():
        missing = [x for x in info.needs if importlib.util.find_spec(x) is None]
        if missing:
            # escaped: rich would read ``[torch]`` as markup and drop it
            stderr.print(escape(f"skipping {name}: needs {', '.join(missing)} "
                                f"(pip install 'lrkit[{missing[0]}]')"))
        else:
            names.append(name)
    return names


@app.command("lab", cls=Command)
def lab_command(
    demo: Annotated[str | None, typer.Argument(
        metavar="DEMO",
        help="One demo (default: all). Names: divergence, slow_convergence, oscillation, "
        "stability_limit, schedules_compared, warmup, adaptive_per_parameter, "
        "local_minimum, batch_size_scaling, finder_explained, kohonen.",
    )] = None,
    out: Annotated[Path, typer.Option(
        "--out", metavar="DIR", help="Folder for report.html, interactive.html, the PNGs and lab.json.",
    )] = Path("lrkit-out/lab"),
    interactive: Annotated[bool, typer.Option(
        "--interactive/--no-interactive",
        help="Write the learning-rate slider page, interactive.html (precomputed trajectories).",
    )] = True,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON summary on stdout.")] = False,
    list_only: Annotated[bool, typer.Option(
        "--list", help="List the demos and their claims; run nothing.")] = False,
) -> None:
    """Reproduce the textbook claims about the learning rate, as numbers and figures."""
    if list_only:
        from lrkit.lab import demos

        rows = [
            {"name": d.name, "claim": d.claim, "source": d.source, "needs": list(d.needs)}
            for d in demos.values()
        ]
        if json_out:
            print_json(rows)
        else:
            for row in rows:
                typer.echo(f"{row['name']:24s} {row['claim']}")
        return
    check_out_dir(out)
    names = _selected(demo)
    if importlib.util.find_spec("matplotlib") is None:
        raise fail("`lrkit lab` draws figures: it needs the plot extra (pip install 'lrkit[plot]').")
    if "batch_size_scaling" in names:
        import torch

        torch.set_num_threads(1)  # the real-task demo trains: one thread, reproducible
    from lrkit.lab import run_demo, standard_grids
    from lrkit.plotting import figure_png, interactive_page, lab_report, plot_demo, pyplot

    records: list[Any] = []
    pngs: dict[str, bytes] = {}
    for name in names:
        stderr.print(f"running {name} ...")
        with user_errors():
            record = run_demo(name)
        fig = plot_demo(record)
        pngs[name] = figure_png(fig)
        pyplot().close(fig)
        records.append(record)
    grids = ()
    if interactive:
        stderr.print("computing trajectories for the interactive page ...")
        grids = standard_grids()
    with staged(out) as stage:
        for name, png in pngs.items():
            (stage / f"{name}.png").write_bytes(png)
        # the slider gets its own page, linked from the top of the report (and back)
        href = "interactive.html" if grids else None
        lab_report(records, pngs=pngs, interactive_href=href).write(stage / "report.html")
        if grids:
            interactive_page(grids, report_href="report.html").write(stage / "interactive.html")
        (stage / "lab.json").write_text(
            json.dumps({r.demo: r.to_dict() for r in records}, allow_nan=False), encoding="utf-8"
        )
    folder, report = out, out / "report.html"
    stderr.print(escape(f"wrote {report}"), soft_wrap=True)
    summary = {
        r.demo: {"holds": r.holds(), "checks": r.checks(), "png": str(folder / f"{r.demo}.png")}
        for r in records
    }
    if json_out:
        print_json({"report": str(report), "demos": summary})
        return
    for name, row in summary.items():
        typer.echo(f"{'holds ' if row['holds'] else 'FAILS '} {name}")
    typer.echo(str(report))
