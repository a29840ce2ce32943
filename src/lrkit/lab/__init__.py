"""The learning-rate lab: reference optimizers, analytic problems, a Kohonen map, and demos.

Everything here is NumPy (no torch): each optimizer is a readable kernel that
follows ``torch.optim``'s exact update and takes any lrkit schedule as its rate;
the problems are surfaces where the effect of the rate can be computed (the
stability limit ``2 / L`` of a quadratic) and drawn; each demo reproduces one
claim about the learning rate and returns a record holding the numbers that
prove it (``lrkit.plotting.plot_demo`` draws it).

Example:
    >>> from lrkit.lab import Quadratic, SGD, minimize
    >>> q = Quadratic(condition=10, L=1.0)
    >>> minimize(q, SGD(lr=0.9 * q.stability_limit), steps=200).final_loss < 1e-3
    True
    >>> minimize(q, SGD(lr=1.1 * q.stability_limit), steps=200).diverged_at is not None
    True
"""

from lrkit.lab._adam import Adam, AdamW
from lrkit.lab._adaptive import Adadelta, AdaGrad, RMSProp
from lrkit.lab._optim_base import Optimizer
from lrkit.lab._problems import Noisy, Problem, Quadratic, Rosenbrock
from lrkit.lab._wells import DoubleWell, Quartic, Saddle
from lrkit.lab._run import (
    Trajectory,
    TrajectoryGrid,
    make_optimizer,
    minimize,
    optimizers,
    standard_grids,
    trajectory_grid,
)
from lrkit.lab._sgd import SGD, Momentum, Nesterov
from lrkit.lab._demo_base import DemoInfo, DemoRecord, demos, register_demo, run_demo

# importing the demo modules registers the demos; this order is the report's order
from lrkit.lab import _demos_rate, _demos_stability, _demos_schedule, _demos_landscape  # noqa: F401, I001
from lrkit.lab import _demos_external, _demos_som  # noqa: F401, I001
from lrkit.lab._demos_rate import divergence, slow_convergence
from lrkit.lab._demos_stability import oscillation, stability_limit
from lrkit.lab._demos_schedule import adaptive_per_parameter, schedules_compared, warmup_demo
from lrkit.lab._demos_landscape import local_minimum
from lrkit.lab._demos_external import batch_size_scaling, finder_explained
from lrkit.lab._demos_som import kohonen
from lrkit.lab import som
from lrkit.lab.som import SOM, SOMResult

__all__ = [
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
]
