"""Loss histories with known causes, from a noisy quadratic trained by SGD.

The model problem of every learning-rate analysis: per-sample loss
``l(x; xi) = 1/2 sum_i lam_i (x_i - xi_i)^2`` with eigenvalues ``lam_i`` spread
log-uniformly over ``[L / kappa, L]`` and sample noise ``xi ~ N(0, s^2 I)``.
SGD ``x <- x - eta * lam * (x - xi)`` multiplies the mean of coordinate ``i``
by ``1 - eta lam_i`` per step, so it converges iff ``eta < 2 / L`` and its
slowest mode has time constant ``1 / (eta L / kappa)``; the expected loss has
a closed form (:func:`expected_curve`), which lets a history be labelled from
its *setting* (the rate relative to ``2 / L`` and the budget relative to the
time constants), never from a detector.

The recorded loss is the loss of the sample used by that step, as a training
loop logs it. ``spikes`` replaces the sample of a few steps by a corrupted one
(noise times ``spike_scale``), which both records a loss spike and kicks the
parameters, as a bad batch does.

Example:
    >>> import numpy as np
    >>> q = Quadratic.random(np.random.default_rng(0))
    >>> lrs = np.full(400, 1.0)                     # eta L = 1: stable, the fast modes settle at once
    >>> y = sgd_history(q, lrs, np.random.default_rng(1))
    >>> e = expected_curve(q, lrs)
    >>> bool(y[-50:].mean() < 0.2 * y[0]), bool(e[-1] < y[-50:].mean())  # sampled losses add the noise
    (True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Quadratic", "sgd_history", "expected_curve"]


@dataclass(frozen=True)
class Quadratic:
    """A noisy quadratic: eigenvalues ``lam`` (max 1), start ``x0``, sample noise ``s``.

    Example:
        >>> import numpy as np
        >>> q = Quadratic(lam=np.array([1.0, 0.1]), x0=np.array([1.0, 1.0]), s=0.0)
        >>> 0.5 * float(np.sum(q.lam * q.x0**2))    # the untrained loss
        0.55
        >>> q = Quadratic.random(np.random.default_rng(0), dim=5, kappa=100.0)
        >>> q.lam.round(3).tolist()                 # log-spaced in [1/kappa, 1]
        [0.01, 0.032, 0.1, 0.316, 1.0]
    """

    lam: np.ndarray
    x0: np.ndarray
    s: float

    @classmethod
    def random(
        cls, rng: np.random.Generator, *, dim: int = 20, kappa: float = 30.0, floor: float = 0.02
    ) -> Quadratic:
        """Eigenvalues log-spaced in ``[1/kappa, 1]``; ``s`` sets the loss floor to ``floor`` of the start."""
        lam = np.logspace(-np.log10(kappa), 0.0, dim)
        x0 = rng.normal(0.0, 1.0, dim) / np.sqrt(lam)  # equal initial loss in every mode
        start = 0.5 * float(np.sum(lam * x0**2))
        s = float(np.sqrt(2.0 * floor * start / np.sum(lam)))
        return cls(lam=lam, x0=x0, s=s)


def sgd_history(
    problem: Quadratic,
    lrs: np.ndarray,
    rng: np.random.Generator,
    *,
    spikes: tuple[int, ...] = (),
    spike_scale: float = 30.0,
) -> np.ndarray:
    """Recorded per-step losses of SGD with rates ``lrs`` (NaN/inf once it overflows).

    Example:
        >>> import numpy as np
        >>> q = Quadratic(lam=np.array([1.0]), x0=np.array([1.0]), s=0.0)   # no noise: f = x^2 / 2
        >>> sgd_history(q, np.full(3, 0.5), np.random.default_rng(0)).tolist()  # x halves every step
        [0.5, 0.125, 0.03125]
        >>> bool(np.isfinite(sgd_history(q, np.full(2000, 2.5), np.random.default_rng(0))[-1]))
        False
    """
    lam, x = problem.lam, problem.x0.astype(np.float64).copy()
    out = np.empty(len(lrs))
    spike_set = set(spikes)
    with np.errstate(over="ignore", invalid="ignore"):
        for t, eta in enumerate(np.asarray(lrs, dtype=np.float64)):
            xi = rng.normal(0.0, problem.s, lam.size)
            if t in spike_set:
                xi = xi * spike_scale
            out[t] = 0.5 * float(np.sum(lam * (x - xi) ** 2))
            x = x - eta * lam * (x - xi)
    return out


def expected_curve(problem: Quadratic, lrs: np.ndarray) -> np.ndarray:
    """Closed-form ``E[f(x_t)]`` of the noise-free loss ``f(x) = 1/2 sum lam x^2``.

    Per mode, the mean obeys ``m <- (1 - eta lam) m`` and the variance
    ``v <- (1 - eta lam)^2 v + eta^2 lam^2 s^2``; ``E f = 1/2 sum lam (m^2 + v)``.

    Example:
        >>> import numpy as np
        >>> q = Quadratic(lam=np.array([1.0]), x0=np.array([1.0]), s=0.1)
        >>> e = expected_curve(q, np.full(200, 0.5))
        >>> round(float(e[0]), 3), round(float(e[-1]), 5)  # floor lam v / 2, v = (eta lam s)^2 / (1 - a^2)
        (0.5, 0.00167)
    """
    lam = problem.lam
    m, v = problem.x0.astype(np.float64).copy(), np.zeros_like(lam)
    out = np.empty(len(lrs))
    with np.errstate(over="ignore", invalid="ignore"):
        for t, eta in enumerate(np.asarray(lrs, dtype=np.float64)):
            out[t] = 0.5 * float(np.sum(lam * (m**2 + v)))
            a = 1.0 - eta * lam
            m, v = a * m, a**2 * v + (eta * lam * problem.s) ** 2
    return out
