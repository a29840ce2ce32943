"""Kohonen's self-organizing map, with its learning rate and radius given as lrkit schedules.

The primer's claim: in a Kohonen map the rate is not constant but decreases
linearly with the iteration, coarse adjustment first, fine adjustment last.
Here both the rate ``eta(t)`` and the neighbourhood radius ``sigma(t)`` are
schedules (linear decay by default, any lrkit schedule otherwise).

Update, for a sample ``x_t`` with best-matching unit ``c`` (nearest weight vector)::

    h_j(t)      = exp(-|r_j - r_c|^2 / (2 sigma(t)^2))       r_j: grid position of unit j
    w_j(t + 1)  = w_j(t) + eta(t) * h_j(t) * (x_t - w_j(t))

Quality is measured by the quantization error (mean distance of a sample to its
best unit) and the topographic error (fraction of samples whose two best units
are not grid neighbours, diagonals included), as in minisom.

Example:
    >>> from lrkit.lab.som import SOM, colour_data
    >>> data = colour_data(200, seed=0)
    >>> res = SOM(rows=6, cols=6).fit(data, iterations=400, seed=0)
    >>> bool(res.te[0] > 0.5), res.topographic_error(data) < 0.1   # random init: no order; trained: ordered
    (True, True)
    >>> float(res.lrs[0]), round(float(res.lrs[-1]), 5)       # linear decay 0.5 -> 0 over 400 updates
    (0.5, 0.00125)
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from lrkit.errors import LRKitError, check_choice, check_int, check_positive
from lrkit.lab._optim_base import as_schedule
from lrkit.schedules import Schedule

__all__ = ["SOM", "SOMResult", "quantization_error", "topographic_error", "colour_data", "digits_data"]


def _check_data(data: Any, owner: str, dim: int | None = None) -> np.ndarray:
    arr = np.asarray(data, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] < 2 or not np.all(np.isfinite(arr)):
        raise LRKitError(
            f"`data` of {owner} must be a finite 2-D array with at least 2 rows; got shape {arr.shape}."
        )
    if dim is not None and arr.shape[1] != dim:
        raise LRKitError(
            f"`data` of {owner} must have {dim} columns (the map's input size); got {arr.shape[1]}."
        )
    return arr


def _sq_dists(weights: np.ndarray, data: np.ndarray) -> np.ndarray:
    """Squared distances, shape (n_samples, n_units)."""
    w = weights.reshape(-1, weights.shape[-1])
    return (data * data).sum(1)[:, None] - 2.0 * data @ w.T + (w * w).sum(1)[None, :]


def quantization_error(weights: np.ndarray, data: np.ndarray) -> float:
    """Mean Euclidean distance from each sample to its best-matching unit.

    Example:
        >>> weights = np.array([[[0.0, 0.0], [1.0, 0.0]]])  # a 1x2 map in the plane
        >>> quantization_error(weights, np.array([[0.0, 0.5], [1.0, 0.0]]))  # distances 0.5 and 0
        0.25
    """
    d2 = _sq_dists(np.asarray(weights, dtype=np.float64), _check_data(data, "quantization_error"))
    return float(np.sqrt(np.maximum(d2.min(1), 0.0)).mean())


def topographic_error(weights: np.ndarray, data: np.ndarray) -> float:
    """Fraction of samples whose best and second-best units are not adjacent (8-neighbourhood).

    Example:
        >>> weights = np.array([[[0.0], [1.0], [2.0]]])  # a 1x3 map, ordered along the line
        >>> topographic_error(weights, np.array([[0.4], [1.6]]))
        0.0
        >>> topographic_error(weights[:, [0, 2, 1]], np.array([[0.4], [0.1]]))  # 2nd-best units 2 away
        1.0
    """
    weights = np.asarray(weights, dtype=np.float64)
    d2 = _sq_dists(weights, _check_data(data, "topographic_error"))
    best2 = np.argsort(d2, axis=1)[:, :2]
    r, c = np.unravel_index(best2, weights.shape[:2])
    far = np.maximum(np.abs(r[:, 0] - r[:, 1]), np.abs(c[:, 0] - c[:, 1])) > 1
    return float(far.mean())


@dataclasses.dataclass(frozen=True, eq=False)
class SOMResult:
    """A trained map and its training record.

    Attributes:
        weights: ``(rows, cols, dim)`` codebook.
        lrs, sigmas: the rate and radius used at each iteration.
        checkpoints: iterations at which the errors were measured (0 = before training).
        qe, te: quantization and topographic error at each checkpoint.
        snapshots: the codebook at each checkpoint, ``(n_checkpoints, rows, cols, dim)``.

    Example:
        >>> result = SOM(3, 3).fit(colour_data(100), iterations=50, record_every=25)
        >>> result.checkpoints.tolist(), result.snapshots.shape
        ([0, 25, 50], (3, 3, 3, 3))
    """

    weights: np.ndarray
    lrs: np.ndarray
    sigmas: np.ndarray
    checkpoints: np.ndarray
    qe: np.ndarray
    te: np.ndarray
    snapshots: np.ndarray

    def drift(self, since: int) -> float:
        """Mean distance each unit moved between checkpoint ``since`` (an iteration) and the end."""
        i = int(np.searchsorted(self.checkpoints, since))
        return float(np.linalg.norm(self.weights - self.snapshots[i], axis=-1).mean())

    def quantization_error(self, data: np.ndarray) -> float:
        return quantization_error(self.weights, data)

    def topographic_error(self, data: np.ndarray) -> float:
        return topographic_error(self.weights, data)

    def winners(self, data: np.ndarray) -> np.ndarray:
        """Grid position ``(row, col)`` of each sample's best unit, shape ``(n, 2)``."""
        idx = _sq_dists(self.weights, _check_data(data, "winners", self.weights.shape[-1])).argmin(1)
        return np.stack(np.unravel_index(idx, self.weights.shape[:2]), axis=1)

    def to_dict(self) -> dict[str, Any]:
        return {
            k: getattr(self, k).tolist()
            for k in ("weights", "lrs", "sigmas", "checkpoints", "qe", "te", "snapshots")
        }


@dataclasses.dataclass(frozen=True)
class SOM:
    """A rectangular Kohonen map with a Gaussian neighbourhood.

    Args:
        rows, cols: grid size.
        lr: rate schedule (or float). ``None``: ``linear(start=0.5, end=0, steps=iterations)``,
            the primer's linear decay.
        sigma: radius schedule (or float). ``None``: ``linear(start=max(rows, cols) / 2, end=1,
            steps=iterations)``.

    Raises:
        LRKitError: for a grid smaller than 2 units or a negative rate / radius.

    Example:
        >>> result = SOM(4, 4).fit(colour_data(200), iterations=300)
        >>> result.weights.shape, float(result.lrs[0]), float(result.sigmas[0])  # linear decays from here
        ((4, 4, 3), 0.5, 2.0)
        >>> float(result.te[0]) > float(result.te[-1])  # the map unfolds: neighbours become neighbours
        True
    """

    rows: int = 10
    cols: int = 10
    lr: Schedule | float | None = None
    sigma: Schedule | float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", check_int("rows", self.rows, "som"))
        object.__setattr__(self, "cols", check_int("cols", self.cols, "som"))
        if self.rows * self.cols < 2:
            raise LRKitError(
                f"`rows` x `cols` of som must be at least 2 units; got {self.rows} x {self.cols}."
            )
        if self.lr is not None:
            object.__setattr__(self, "lr", as_schedule(self.lr, "som"))
        if self.sigma is not None:
            sig = (
                self.sigma if isinstance(self.sigma, Schedule) else check_positive("sigma", self.sigma, "som")
            )
            object.__setattr__(self, "sigma", as_schedule(sig, "som"))

    def schedules(self, iterations: int) -> tuple[Schedule, Schedule]:
        """The (rate, radius) schedules used for a run of ``iterations`` (defaults filled in)."""
        from lrkit.schedules import linear

        lr = self.lr if self.lr is not None else linear(start=0.5, end=0.0, steps=iterations)
        sigma = (
            self.sigma
            if self.sigma is not None
            else linear(start=max(max(self.rows, self.cols) / 2.0, 1.0), end=1.0, steps=iterations)
        )
        return lr, sigma  # type: ignore[return-value]

    def fit(
        self,
        data: Any,
        iterations: int,
        *,
        seed: int = 0,
        init: str | np.ndarray = "sample",
        order: str = "random",
        record_every: int | None = None,
    ) -> SOMResult:
        """Train on ``data`` (n x dim) for ``iterations`` single-sample updates.

        Args:
            data: training samples.
            iterations: number of updates (one sample each).
            seed: seeds the initialisation and the sample order.
            init: ``"sample"`` (random data rows, minisom's ``random_weights_init`` idea),
                ``"uniform"`` (uniform in the data's bounding box) or a ``(rows, cols, dim)`` array.
            order: ``"random"`` (a fresh permutation per pass) or ``"sequential"``
                (sample ``t mod n``, minisom's default).
            record_every: measure the errors every this many updates (default: 20 checkpoints).

        Returns:
            The trained :class:`SOMResult`.
        """
        x = _check_data(data, "som")
        iterations = check_int("iterations", iterations, "som")
        check_choice("order", order, "som", ["random", "sequential"])
        rng = np.random.default_rng(seed)
        w = self._init_weights(x, init, rng)
        every = (
            max(1, iterations // 20)
            if record_every is None
            else check_int("record_every", record_every, "som")
        )
        lr_s, sigma_s = self.schedules(iterations)
        t_all = np.arange(iterations)
        lrs, sigmas = np.asarray(lr_s(t_all)), np.asarray(sigma_s(t_all))
        if np.any(sigmas <= 0):
            raise LRKitError("`sigma` of som must stay > 0 over the run; the schedule reaches 0.")
        if order == "sequential":
            idx = t_all % len(x)
        else:
            passes = -(-iterations // len(x))
            idx = np.concatenate([rng.permutation(len(x)) for _ in range(passes)])[:iterations]
        gr, gc = np.meshgrid(np.arange(self.rows), np.arange(self.cols), indexing="ij")
        flat = w.reshape(-1, w.shape[-1])  # a view: updating it updates w
        checkpoints, qe, te, snaps = [0], [quantization_error(w, x)], [topographic_error(w, x)], [w.copy()]
        for t in range(iterations):
            sample = x[idx[t]]
            bmu = int(((flat - sample) ** 2).sum(1).argmin())
            br, bc = divmod(bmu, self.cols)
            h = np.exp(-((gr - br) ** 2 + (gc - bc) ** 2) / (2.0 * sigmas[t] ** 2))
            w += (lrs[t] * h)[..., None] * (sample - w)
            if (t + 1) % every == 0 or t + 1 == iterations:
                checkpoints.append(t + 1)
                qe.append(quantization_error(w, x))
                te.append(topographic_error(w, x))
                snaps.append(w.copy())
        return SOMResult(w, lrs, sigmas, np.array(checkpoints), np.array(qe), np.array(te), np.array(snaps))

    def _init_weights(self, x: np.ndarray, init: str | np.ndarray, rng: np.random.Generator) -> np.ndarray:
        shape = (self.rows, self.cols, x.shape[1])
        if isinstance(init, np.ndarray):
            if init.shape != shape:
                raise LRKitError(f"`init` of som must have shape {shape}; got {init.shape}.")
            return init.astype(np.float64).copy()
        check_choice("init", init, "som", ["sample", "uniform"])
        if init == "sample":
            return x[rng.integers(0, len(x), size=self.rows * self.cols)].reshape(shape).copy()
        return rng.uniform(x.min(0), x.max(0), size=shape)


def colour_data(n: int = 500, *, seed: int = 0) -> np.ndarray:
    """``n`` random RGB colours in [0, 1]^3 (the classic SOM picture).

    Example:
        >>> x = colour_data(100, seed=1)
        >>> x.shape, bool(x.min() >= 0 and x.max() <= 1)
        ((100, 3), True)
    """
    return np.random.default_rng(seed).uniform(0.0, 1.0, size=(check_int("n", n, "colour_data"), 3))


def digits_data() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits scaled to [0, 1]: ``(X of shape (1797, 64), labels)``.

    Needs scikit-learn (the ``torch`` extra); imported only here.

    Example:
        >>> x, labels = digits_data()
        >>> x.shape, float(x.max()), sorted(set(labels.tolist())) == list(range(10))
        ((1797, 64), 1.0, True)
    """
    from sklearn.datasets import load_digits

    d = load_digits()
    return d.data / 16.0, d.target
