"""The Kohonen map demo: a self-organizing map's rate decays linearly with the iteration.

Compares :class:`~lrkit.lab.som.SOM` maps trained with a linearly decaying rate
against constant high and low rates, on random colours or scikit-learn's digits.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from lrkit.errors import check_choice, check_int
from lrkit.lab._demo_base import DemoRecord, register_demo
from lrkit.lab.som import SOM, SOMResult, colour_data, digits_data
from lrkit.schedules import constant, linear

__all__ = ["KohonenRecord"]


@dataclasses.dataclass(frozen=True, eq=False)
class KohonenRecord(DemoRecord):
    """A map trained with a linearly decaying rate versus constant high and low rates.

    Attributes:
        data: ``"colours"`` (RGB) or ``"digits"`` (8x8 images, 64 values).
        names: ("linear decay", "constant high", "constant low").
        results: the trained maps (errors per checkpoint, rates, codebooks).
        final_qe, final_te: final quantization / topographic error per variant.
        late_drift: mean distance units still move over the last 10% of training.
    """

    demo = "kohonen"
    data: str
    names: tuple[str, ...]
    specs: tuple[str, ...]
    results: tuple[SOMResult, ...]
    final_qe: np.ndarray
    final_te: np.ndarray
    late_drift: np.ndarray

    def checks(self) -> dict[str, bool]:
        return {
            "linear decay orders the map better than a constant high rate (lower topographic error)": bool(
                self.final_te[0] < self.final_te[1]
            ),
            "linear decay fits the data better than a constant low rate (lower quantization error)": bool(
                self.final_qe[0] < self.final_qe[2]
            ),
            "with linear decay the map settles: it moves 5x less late on than at a high rate": bool(
                5 * self.late_drift[0] < self.late_drift[1]
            ),
        }


@register_demo(
    "kohonen",
    "In a Kohonen map the rate decreases linearly with the iteration: "
    "coarse adjustment first, fine adjustment last.",
    "the Russian article ('in the Kohonen map learning algorithm the learning rate ... decreases linearly')",
)
def kohonen(
    *,
    data: str = "colours",
    rows: int = 10,
    cols: int = 10,
    samples: int = 500,
    iterations: int = 2000,
    seed: int = 0,
) -> KohonenRecord:
    """Three maps with rate linear 0.5 -> 0, constant 0.5, constant 0.01, on colours or digits.

    The radius decays linearly from ``max(rows, cols) / 2`` to 1 in all three, so
    only the rate differs.

    Args:
        data: ``"colours"`` (random RGB, the classic picture) or ``"digits"`` (scikit-learn's
            8x8 digits scaled to [0, 1]; needs scikit-learn).
        rows, cols: map size.
        samples: colours drawn, or the first ``samples`` digits.
        iterations: single-sample updates.
        seed: data, initialisation and order.

    Returns:
        A :class:`KohonenRecord`.

    Raises:
        LRKitError: for an unknown ``data`` or a non-positive size or count.

    Example:
        >>> r = kohonen(iterations=600, samples=200)
        >>> r.names
        ('linear decay', 'constant high', 'constant low')
    """
    iterations = check_int("iterations", iterations, "kohonen")
    check_choice("data", data, "kohonen", ["colours", "digits"])
    samples = check_int("samples", samples, "kohonen", low=2)
    x = colour_data(samples, seed=seed) if data == "colours" else digits_data()[0][:samples]
    sigma = linear(start=max(rows, cols) / 2.0, end=1.0, steps=iterations)
    rates = {
        "linear decay": linear(start=0.5, end=0.0, steps=iterations),
        "constant high": constant(lr=0.5),
        "constant low": constant(lr=0.01),
    }
    results = tuple(
        SOM(rows, cols, lr=lr, sigma=sigma).fit(x, iterations, seed=seed) for lr in rates.values()
    )
    late = int(0.9 * iterations)
    return KohonenRecord(
        data,
        tuple(rates),
        tuple(s.to_spec() for s in rates.values()),
        results,
        np.array([r.qe[-1] for r in results]),
        np.array([r.te[-1] for r in results]),
        np.array([r.drift(late) for r in results]),
    )
