"""Input validation shared by the public functions.

Every public function that takes a probability distribution passes it through
:func:`as_distribution`, so that a bad input fails early with a message that
names the argument and shows the offending value. Nothing here renormalises:
a vector that does not sum to one is an error, not something to fix quietly.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

#: Largest accepted ``|sum(p) - 1|``. Loose enough for rounding in float64
#: arithmetic, tight enough to catch a typed-in probability that is off.
SUM_TOLERANCE = 1e-6


def _as_float_array(x: ArrayLike, name: str) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric, got {x!r}") from exc
    if arr.ndim == 0:
        raise ValueError(f"{name} must be an array of probabilities, got the scalar {arr.item()!r}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty; a distribution needs at least one outcome")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf: {arr}")
    return arr


def as_distribution(x: ArrayLike, name: str = "p") -> np.ndarray:
    """Return ``x`` as a float array whose last axis is a probability vector.

    Raises
    ------
    ValueError
        If ``x`` is empty, not finite, has a negative entry, or a row that does
        not sum to 1 within :data:`SUM_TOLERANCE`.

    Examples
    --------
    >>> as_distribution([0.5, 0.5])
    array([0.5, 0.5])
    >>> as_distribution([0.5, 0.6], name="q")
    Traceback (most recent call last):
    ...
    ValueError: q sums to 1.1, expected 1 (use klcourse.normalize to rescale weights explicitly)
    """
    arr = _as_float_array(x, name)
    if np.any(arr < 0):
        raise ValueError(
            f"{name} has a negative entry ({arr.min():.6g}); probabilities must be >= 0"
        )
    sums = arr.sum(axis=-1)
    off = np.abs(sums - 1.0) > SUM_TOLERANCE
    if np.any(off):
        bad = float(np.atleast_1d(sums)[np.argmax(np.atleast_1d(off))])
        where = "" if arr.ndim == 1 else " (in at least one row)"
        raise ValueError(
            f"{name} sums to {bad:.6g}{where}, expected 1 "
            "(use klcourse.normalize to rescale weights explicitly)"
        )
    return arr


def as_pair(p: ArrayLike, q: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validate two distributions over the same outcomes.

    The last axes must have the same length; leading (batch) axes broadcast.
    """
    p_arr = as_distribution(p, "p")
    q_arr = as_distribution(q, "q")
    if p_arr.shape[-1] != q_arr.shape[-1]:
        raise ValueError(
            f"p has {p_arr.shape[-1]} outcomes but q has {q_arr.shape[-1]} "
            f"(shapes {p_arr.shape} and {q_arr.shape})"
        )
    try:
        np.broadcast_shapes(p_arr.shape, q_arr.shape)
    except ValueError as exc:
        raise ValueError(
            f"p and q have batch shapes that do not broadcast: {p_arr.shape} and {q_arr.shape}"
        ) from exc
    return p_arr, q_arr


def log_base(base: float | None) -> float:
    """Natural log of ``base``; ``None`` means nats (divide by 1)."""
    if base is None:
        return 1.0
    try:
        b = float(base)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"base must be a number or None, got {base!r}") from exc
    if not np.isfinite(b) or b <= 0 or b == 1:
        raise ValueError(f"base must be positive and not 1, got {base!r}")
    return float(np.log(b))


def positive(x: ArrayLike, name: str) -> np.ndarray:
    """``x`` as a float array whose entries are all finite and > 0."""
    arr = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{name} must be finite and > 0, got {arr}")
    return arr


def finite(x: ArrayLike, name: str) -> np.ndarray:
    """``x`` as a float array whose entries are all finite."""
    arr = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {arr}")
    return arr


def scalar_or_array(x: np.ndarray) -> float | np.ndarray:
    """A 0-d result as a Python float, anything else unchanged."""
    return float(x) if np.ndim(x) == 0 else x
