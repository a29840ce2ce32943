"""The shared Report template, the lab figures (checked for content, not pixels) and the lab report page."""

from __future__ import annotations

import base64
import html
import json
import re

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from lrkit import LRKitError  # noqa: E402
from lrkit.lab import Quadratic, demos, run_demo, standard_grids, trajectory_grid  # noqa: E402
from lrkit.lab._demos_external import BatchScalingRecord  # noqa: E402
from lrkit.plotting import Report, interactive_section, lab_report, plot_demo, plot_trajectories  # noqa: E402
from lrkit.plotting._interactive import grid_payload  # noqa: E402
from lrkit.plotting._mpl import pyplot  # noqa: E402
from lrkit.plotting._report import figure_png  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


# -- the shared template (others rely on these methods) ---------------------------------
def test_report_escapes_text_and_embeds_figures_and_tables(tmp_path):
    plt = pyplot()
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    r = Report("T <1>", subtitle="sub & more")
    r.add_heading("H")
    r.add_text("a < b")
    r.add_code("x = 1 & 2")
    r.add_figure(fig, caption="cap")
    r.add_table([["row", 0.123456789, 3]], ["name", "value", "n"])
    r.add_html("<div id='x'></div>", script="window.ok = 1;")
    page = r.html()
    assert "<title>T &lt;1&gt;</title>" in page and "sub &amp; more" in page and "a &lt; b" in page
    assert "<td>0.1235</td>" in page and "<script>window.ok = 1;</script>" in page
    data = re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1)
    assert base64.b64decode(data)[:8] == PNG
    out = r.write(tmp_path / "deep" / "page.html")
    assert out.read_text(encoding="utf-8") == page
    plt.close(fig)


# -- figures: every demo's figure has labelled axes and drawn data ----------------------
def _has_data(ax) -> bool:
    lines = any(len(np.asarray(line.get_xdata())) > 1 for line in ax.lines)
    return lines or bool(ax.patches) or bool(ax.images) or bool(ax.collections)


def _fake_batch_record():
    """A batch-scaling record with made-up numbers: the plotter is tested without training."""
    return BatchScalingRecord(
        task="digits-mlp",
        base_batch=16,
        base_lr=0.05,
        epochs=2,
        factors=(1, 4),
        rules=("none", "sqrt", "linear"),
        val_loss=np.array([[0.3, 0.3, 0.3], [1.2, 0.6, 0.3]]),
        updates=(180, 46),
        curves={"batch 16, none": [2.3, 1.0, 0.4], "batch 64, linear": [2.3, 0.5]},
    )


@pytest.fixture(scope="module")
def records():
    out = {name: run_demo(name) for name in demos if "torch" not in demos[name].needs}
    out["batch_size_scaling"] = _fake_batch_record()
    return out


@pytest.mark.parametrize("name", list(demos))
def test_every_demo_figure_has_labelled_axes_with_data(records, name):
    fig = plot_demo(records[name])
    try:
        assert fig.axes
        for ax in fig.axes:
            assert ax.get_xlabel() and ax.get_ylabel(), (name, ax.get_title())
            assert _has_data(ax), (name, ax.get_title())
        assert fig._suptitle is not None and fig._suptitle.get_text() == records[name].claim
    finally:
        pyplot().close(fig)


def test_divergence_figure_plots_the_recorded_losses(records):
    r = records["divergence"]
    fig = plot_demo(r)
    loss_ax = fig.axes[1]
    stable = loss_ax.lines[0]
    np.testing.assert_allclose(stable.get_ydata(), np.maximum(r.runs[0].gap(), 1e-16))
    assert loss_ax.get_yscale() == "log"
    pyplot().close(fig)


def test_plot_trajectories_uses_a_given_axes_and_clips_escaping_runs():
    from lrkit.lab import SGD, minimize

    q = Quadratic()
    plt = pyplot()
    fig, ax = plt.subplots()
    runs = [minimize(q, SGD(lr=0.5), steps=10), minimize(q, SGD(lr=3.0), steps=60)]
    assert plot_trajectories(q, runs, labels=["ok", "escapes"], ax=ax) is fig
    escaping = ax.lines[1].get_xdata()
    assert 1 < len(escaping) < len(runs[1].xs)  # drawn until it leaves the box
    plt.close(fig)


def test_plot_demo_rejects_what_is_not_a_record():
    with pytest.raises(LRKitError, match="must be a lab demo record"):
        plot_demo(object())


# -- the lab report and its interactive section ------------------------------------------
def test_interactive_payload_is_the_python_trajectories():
    grid = trajectory_grid(Quadratic(), ["sgd", "adam"], rates=[0.1, 1.0, 3.0], steps=30)
    payload = grid_payload(grid)
    run = grid.runs["adam"][1]
    got = np.column_stack([payload["runs"]["adam"][1]["x"], payload["runs"]["adam"][1]["y"]])
    np.testing.assert_allclose(got, run.xs, rtol=1e-3, atol=1e-12)  # 4 significant digits, nothing recomputed
    diverged = payload["runs"]["sgd"][2]
    assert diverged["diverged_at"] is not None and diverged["gap"][-1] is None
    assert payload["limit"] == 2.0 and payload["rates"] == [0.1, 1.0, 3.0]


def test_interactive_section_embeds_safe_json_and_controls():
    grid = trajectory_grid(Quadratic(), ["sgd"], rates=[0.1, 1.0], steps=5)
    fragment, script = interactive_section([grid])
    data = re.search(
        r'<script type="application/json" id="lrlab-data">(.*?)</script>', fragment, re.DOTALL
    ).group(1)
    parsed = json.loads(data)
    assert set(parsed) == {"quadratic"} and set(parsed["quadratic"]["runs"]) == {"sgd"}
    for control in ("lrlab-problem", "lrlab-optimizer", "lrlab-rate", "lrlab-path", "lrlab-curve"):
        assert f'id="{control}"' in fragment
    assert 'max="1"' in fragment and "JSON.parse" in script
    with pytest.raises(LRKitError, match="at least one trajectory grid"):
        interactive_section([])


def test_lab_report_has_a_section_per_record_and_no_network(records):
    chosen = [records["oscillation"], records["warmup"]]
    grid = trajectory_grid(Quadratic(), ["sgd", "momentum"], rates=[0.1, 1.0], steps=10)
    plt = pyplot()
    fig = plt.figure(figsize=(1, 1))
    ready = figure_png(fig, dpi=20)  # an already rendered figure is embedded as given, not redrawn
    plt.close(fig)
    page = lab_report(chosen, [grid], pngs={"warmup": ready}).html()
    assert page.count("<figure>") == 2
    assert base64.b64encode(ready).decode("ascii") in page
    assert "1. A high rate oscillates" in page and "2. Warmup: a small rate first" in page
    assert records["warmup"].claim in page
    for check in records["warmup"].checks():
        assert html.escape(check) in page
    assert 'id="lrlab"' in page and 'href="#lrlab"' in page  # embedded, and linked from the top
    assert page.index('href="#lrlab"') < page.index("<section")
    assert "http://" not in page and "https://" not in page
    alone = lab_report(chosen, pngs={"oscillation": ready, "warmup": ready}).html()
    assert "lrlab" not in alone and "Try it yourself" not in alone  # no grids, no link: none


def test_lab_report_teaches_contents_what_to_look_at_and_the_claim_once(records):
    # Regression (issue 18 item 9): each section stated its claim three times with a cryptic source line,
    # with no contents and nothing at the top pointing to the interactive page.
    from lrkit.plotting import interactive_page
    from lrkit.plotting._lab_guide import LOOK_FOR, PROBLEM_CAPTIONS, TITLES

    assert set(TITLES) == set(LOOK_FOR) == set(demos)  # every demo has its words
    assert set(PROBLEM_CAPTIONS) == {g.problem.name for g in standard_grids(steps=2, num_rates=2)}
    chosen = [records["divergence"], records["adaptive_per_parameter"]]
    page = lab_report(chosen, interactive_href="interactive.html").html()
    top = page.index("<section")
    assert 'href="interactive.html"' in page[:top] and 'id="contents"' in page[:top]
    for r in chosen:
        assert f'href="#{r.demo}"' in page[:top] and f'<section id="{r.demo}">' in page
        section = page[page.index(f'<section id="{r.demo}">'):]
        section = section[: section.index("</section>")]
        assert html.escape(LOOK_FOR[r.demo]) in section
        text = re.sub(r"<[^>]+>", "", section.replace(f'alt="{html.escape(r.claim)}"', ""))
        assert text.count(r.claim) == 0  # the claim is the figure's own title and the contents' entry
    grid = trajectory_grid(Quadratic(), ["sgd"], rates=[0.1, 1.0], steps=5)
    alone = interactive_page([grid], report_href="report.html").html()
    assert 'href="report.html"' in alone and 'id="lrlab-caption"' in alone
    assert json.dumps(PROBLEM_CAPTIONS["quadratic"])[1:-1] in alone


def test_report_tables_align_numbers_right_and_text_left():
    r = Report("t")
    r.add_table([["name", 0.5, "1e-3", "-", "a longer sentence"]], ["a", "b", "c", "d", "e"])
    page = r.html()
    assert (
        '<td class="text">name</td><td>0.5</td><td>1e-3</td><td>-</td><td class="text">a longer sentence</td>'
        in page
    )


def test_kohonen_digits_figure_tiles_8x8_prototypes():
    pytest.importorskip("sklearn")
    r = run_demo("kohonen", data="digits", rows=4, cols=5, iterations=200, samples=100)
    fig = plot_demo(r)
    assert fig.axes[0].images[0].get_array().shape == (32, 40)
    pyplot().close(fig)
