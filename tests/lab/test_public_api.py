"""The public surface of lrkit.lab, pinned: adding or removing a name is a deliberate change."""

from __future__ import annotations

import subprocess
import sys

import lrkit.lab
import lrkit.plotting

LAB = {
    "Optimizer",
    "SGD",
    "Momentum",
    "Nesterov",
    "AdaGrad",
    "RMSProp",
    "Adam",
    "AdamW",
    "Adadelta",
    "optimizers",
    "make_optimizer",
    "Problem",
    "Quadratic",
    "Rosenbrock",
    "DoubleWell",
    "Saddle",
    "Quartic",
    "Noisy",
    "Trajectory",
    "TrajectoryGrid",
    "minimize",
    "trajectory_grid",
    "standard_grids",
    "SOM",
    "SOMResult",
    "som",
    "DemoRecord",
    "DemoInfo",
    "demos",
    "register_demo",
    "run_demo",
    "divergence",
    "slow_convergence",
    "oscillation",
    "stability_limit",
    "schedules_compared",
    "warmup_demo",
    "adaptive_per_parameter",
    "local_minimum",
    "batch_size_scaling",
    "finder_explained",
    "kohonen",
}


def test_lab_all_is_pinned_and_importable():
    assert set(lrkit.lab.__all__) == LAB
    for name in LAB:
        assert getattr(lrkit.lab, name) is not None


def test_som_module_exports():
    assert set(lrkit.lab.som.__all__) == {
        "SOM",
        "SOMResult",
        "quantization_error",
        "topographic_error",
        "colour_data",
        "digits_data",
    }


def test_plotting_exports_the_lab_figures_and_report():
    assert {"plot_demo", "plot_trajectories", "lab_report", "interactive_section"} <= set(
        lrkit.plotting.__all__
    )


def test_lab_imports_neither_torch_nor_sklearn_nor_the_finder():
    code = (
        "import sys, lrkit.lab\n"
        "print(sorted(m for m in ('torch', 'sklearn', 'matplotlib', 'lrkit.finder', 'lrkit.tasks') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
