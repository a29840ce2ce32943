"""Synthetic range-test curves and real NumPy step functions, for tests, docs and benchmarks.

:func:`curve` draws the shape every range test shows - a plateau, a descent, a
minimum, a blow-up - with batch noise, at any scale and offset, so that a rule
can be checked against a known answer. :func:`quadratic` and :func:`logistic`
are real problems whose step function does one gradient-descent update, with
their stability limit :math:`2/L` in closed form.

Example:
    >>> import numpy as np
    >>> from lrkit.finder import Sweep, range_test, synthetic
    >>> p = synthetic.quadratic(lipschitz=4.0)
    >>> r = range_test(p.step, sweep=Sweep(start=1e-5, end=10, num_steps=80), interval=False)
    >>> bool(r.suggestion < p.stability_limit), len(synthetic.curve(np.logspace(-6, 0, 61)))
    (True, 61)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from lrkit.errors import check_finite, check_int, check_positive

__all__ = ["curve", "Problem", "quadratic", "logistic"]


def curve(
    lrs: np.ndarray,
    *,
    lr_fast: float = 1e-3,
    width: float = 0.3,
    drop: float = 0.8,
    lr_blow: float = 1e-1,
    blow_width: float = 0.15,
    scale: float = 1.0,
    offset: float = 0.0,
    noise: float = 0.02,
    seed: int = 0,
) -> np.ndarray:
    """A realistic range-test curve: plateau -> descent -> minimum -> blow-up, plus noise.

    With :math:`x = \\log_{10}\\eta`,

    .. math::

        y(x) = c + a\\Bigl[1 - \\frac{d}{1 + e^{-(x - x_f)/w}} + e^{(x - x_b)/w_b}\\Bigr]
               + a\\,\\nu\\,\\varepsilon, \\qquad \\varepsilon \\sim N(0, 1)

    The descent is a logistic sigmoid of depth :math:`d` centred on
    :math:`x_f = \\log_{10}` ``lr_fast`` (its half-depth and steepest point), the
    blow-up an exponential that adds :math:`a` (the plateau height) at ``lr_blow``.

    Args:
        lrs: the sweep's rates (positive).
        lr_fast: the centre of the descent (> 0).
        width: :math:`w`, the descent's width in decades (> 0).
        drop: :math:`d`, its depth as a fraction of :math:`a` (> 0).
        lr_blow: the blow-up rate (> 0).
        blow_width: :math:`w_b`, the blow-up's e-folding width in decades (> 0).
        scale: :math:`a` (> 0), the loss scale.
        offset: :math:`c`, added to every loss (any sign).
        noise: :math:`\\nu`, the batch-noise SD relative to :math:`a` (>= 0).
        seed: seeds the noise.

    Returns:
        The losses, one per rate.

    Example:
        >>> import numpy as np
        >>> y = curve(np.logspace(-6, 0, 7), noise=0.0)
        >>> [round(float(v), 2) for v in y]
        [1.0, 1.0, 0.97, 0.6, 0.23, 1.2, 785.97]
    """
    lr = np.asarray(lrs, dtype=np.float64)
    x = np.log10(lr)
    xf = np.log10(check_positive("lr_fast", lr_fast, "curve"))
    xb = np.log10(check_positive("lr_blow", lr_blow, "curve"))
    w = check_positive("width", width, "curve")
    wb = check_positive("blow_width", blow_width, "curve")
    a = check_positive("scale", scale, "curve")
    d = check_positive("drop", drop, "curve")
    nu = check_positive("noise", noise, "curve", allow_zero=True)
    c = check_finite("offset", offset, "curve")
    rng = np.random.default_rng(check_int("seed", seed, "curve", low=0))
    with np.errstate(over="ignore"):
        shape = 1.0 - d / (1.0 + np.exp(-(x - xf) / w)) + np.exp((x - xb) / wb)
    return c + a * shape + a * nu * rng.standard_normal(x.shape)


@dataclasses.dataclass
class Problem:
    """A real optimisation problem with a one-update step function and its stability limit.

    Attributes:
        step: ``step(lr) -> float``: the loss at the current weights, then one
            gradient-descent update ``w <- w - lr * grad`` (what ``range_test`` calls).
        lipschitz: :math:`L`, the largest Hessian eigenvalue (over all weights).
        weights: the current weights (mutated by ``step``).
        objective: the full (not mini-batch) loss at the current weights.

    Example:
        >>> p = quadratic(dim=5, lipschitz=4.0)
        >>> p.stability_limit, bool(p.step(0.1) > p.objective())  # one update at 0.1 < 2/L lowers the loss
        (0.5, True)
    """

    step: Callable[[float], float]
    lipschitz: float
    weights: np.ndarray
    objective: Callable[[], float]

    @property
    def stability_limit(self) -> float:
        """:math:`2/L`: gradient descent diverges along the top eigenvector above it."""
        return 2.0 / self.lipschitz


def quadratic(dim: int = 20, *, condition: float = 100.0, lipschitz: float = 4.0, seed: int = 0) -> Problem:
    """Gradient descent on :math:`f(w) = \\tfrac12 \\sum_k \\lambda_k w_k^2`, log-spaced :math:`\\lambda`.

    The eigenvalues run from :math:`L/\\kappa` to :math:`L`; GD multiplies
    :math:`w_k` by :math:`1 - \\eta\\lambda_k` per step, so it diverges for
    :math:`\\eta > 2/L`. The start is :math:`w_k \\sim N(0, 1)`.

    Example:
        >>> p = quadratic(lipschitz=4.0)
        >>> p.stability_limit
        0.5
        >>> p.step(0.1) > p.step(0.1)          # the loss falls under GD
        True
    """
    dim = check_int("dim", dim, "quadratic")
    lam = check_positive("lipschitz", lipschitz, "quadratic") / np.logspace(
        0, np.log10(check_positive("condition", condition, "quadratic")), dim
    )
    w = np.random.default_rng(check_int("seed", seed, "quadratic", low=0)).standard_normal(dim)

    def objective() -> float:
        return 0.5 * float(np.sum(lam * w * w))

    def step(lr: float) -> float:
        loss = objective()
        w[:] = w - lr * lam * w
        return loss

    return Problem(step, float(lam.max()), w, objective)


def logistic(n: int = 400, dim: int = 10, *, batch: int = 40, seed: int = 0) -> Problem:
    """Mini-batch SGD on logistic regression over a fixed synthetic data set.

    Loss :math:`f(w) = \\frac1n \\sum_i \\log(1 + e^{-t_i x_i^\\top w})` with labels
    :math:`t_i = \\pm 1` from a noisy linear teacher. Its Hessian is
    :math:`\\frac1n X^\\top D X` with :math:`D_{ii} = \\sigma(1-\\sigma) \\le 1/4`,
    equal to :math:`X^\\top X/(4n)` at :math:`w = 0` (the start), so
    :math:`L = \\lambda_{max}(X^\\top X)/(4n)` there and at most that anywhere.
    So :math:`2/L` is a *sufficient* stability bound (the descent lemma), not a
    sharp divergence threshold as for the quadratic: away from the start the
    curvature is lower and somewhat larger steps still converge.
    Each step draws the next batch of a fixed shuffled order (cycled), so the
    loss carries real mini-batch noise.

    Example:
        >>> p = logistic(seed=1)
        >>> round(p.step(0.5), 4)                # log 2 at w = 0
        0.6931
    """
    n = check_int("n", n, "logistic")
    dim = check_int("dim", dim, "logistic")
    batch = check_int("batch", batch, "logistic", high=n)
    rng = np.random.default_rng(check_int("seed", seed, "logistic", low=0))
    # Features with unequal scales give the problem a real condition number.
    X = rng.standard_normal((n, dim)) * np.logspace(0, -1, dim)
    t = np.sign(X @ rng.standard_normal(dim) + 0.3 * rng.standard_normal(n))
    t[t == 0] = 1.0
    order = rng.permutation(n)
    w = np.zeros(dim)
    cursor = [0]
    lipschitz = float(np.linalg.eigvalsh(X.T @ X / (4.0 * n))[-1])

    def step(lr: float) -> float:
        take = order[np.arange(cursor[0], cursor[0] + batch) % n]
        cursor[0] = (cursor[0] + batch) % n
        margin = t[take] * (X[take] @ w)
        loss = float(np.mean(np.logaddexp(0.0, -margin)))
        grad = -(X[take] * (t[take] * _sigmoid(-margin))[:, None]).mean(axis=0)
        w[:] = w - lr * grad
        return loss

    def objective() -> float:
        return float(np.mean(np.logaddexp(0.0, -t * (X @ w))))

    return Problem(step, lipschitz, w, objective)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))
