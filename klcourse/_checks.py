"""Input validation shared by the public functions.

Every public function passes its inputs through these helpers, so that a bad
input fails early with a ``TypeError`` (wrong kind of thing) or ``ValueError``
(right kind, impossible value) that names the argument and shows the value.
Nothing here renormalises or rounds: a vector that does not sum to one is an
error, not something to fix quietly.

What the numeric helpers accept: Python numbers, lists of them, NumPy arrays of
integer or floating type, and (values only) torch tensors of those types,
including ones that require grad. They reject strings, booleans, complex
numbers, ``None`` and objects, which NumPy would otherwise coerce or garble.
"""

from __future__ import annotations

import math
import numbers
import operator

import numpy as np
from numpy.typing import ArrayLike

#: Smallest accepted tolerance on ``|sum(p) - 1|``: tight enough to catch a
#: typed-in probability that is off, loose enough for float64 rounding.
SUM_TOLERANCE = 1e-6

_F32_EPS = float(np.finfo(np.float32).eps)


def shorten(x: object, limit: int = 80) -> str:
    text = repr(x)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _torch_values(x: object) -> tuple[np.ndarray, float] | None:
    """A torch tensor's values as float64 and its dtype's epsilon; None for non-tensors."""
    if not type(x).__module__.startswith("torch"):
        return None  # not a tensor, and no need to import torch to know it
    import torch

    if not isinstance(x, torch.Tensor):
        return None
    if x.is_complex() or x.dtype == torch.bool:
        raise TypeError(f"must hold real numbers, got a tensor of dtype {x.dtype}")
    eps = float(torch.finfo(x.dtype).eps) if x.is_floating_point() else 0.0
    return x.detach().to("cpu", torch.float64).numpy(), eps


def real_array(x: ArrayLike, name: str) -> tuple[np.ndarray, float]:
    """``x`` as a float64 array, with the machine epsilon of the type it came in.

    Raises ``TypeError`` for strings, booleans, complex values, ``None`` or other
    objects. Integers have epsilon 0 (they are exact).
    """
    if isinstance(x, (str, bytes)) or x is None or _holds_bool(x):
        raise TypeError(f"{name} must be real numbers, got {shorten(x)}")
    try:
        got = _torch_values(x)
    except TypeError as exc:
        raise TypeError(f"{name} {exc}") from None
    if got is not None:
        return got
    try:
        raw = np.asarray(x)
    except (TypeError, ValueError, RuntimeError) as exc:  # ragged, or tensors requiring grad
        raw = _from_nested(x, name, exc)
    kind = raw.dtype.kind
    if kind == "O" and raw.size:  # lists mixing numbers with objects NumPy cannot read
        raw = _from_nested(x, name, None)
        kind = raw.dtype.kind
    if kind not in "iuf" and not (kind == "O" and raw.size == 0):
        what = {"b": "booleans", "c": "complex numbers", "U": "strings", "S": "bytes"}
        raise TypeError(
            f"{name} must be real numbers, got {what.get(kind, raw.dtype.name)}: {shorten(x)}"
        )
    eps = float(np.finfo(raw.dtype).eps) if kind == "f" else 0.0
    return raw.astype(np.float64), eps


def _from_nested(x: object, name: str, cause: Exception | None) -> np.ndarray:
    """A (nested) list or tuple read element by element: numbers and one-element tensors."""

    def plain(v):
        return [plain(e) for e in v] if isinstance(v, (list, tuple)) else _scalar(v)

    if isinstance(x, np.ndarray):  # an object array: its elements, as nested lists
        x = x.tolist()
    if not isinstance(x, (list, tuple)):
        raise TypeError(f"{name} must be an array of real numbers, got {shorten(x)}") from cause
    try:
        values = plain(x)
    except TypeError:
        raise TypeError(f"{name} must be real numbers, got {shorten(x)}") from None
    try:
        return np.asarray(values, dtype=np.float64)
    except ValueError as exc:  # ragged
        raise TypeError(f"{name} must be an array of real numbers, got {shorten(x)}") from exc


def _holds_bool(x: object) -> bool:
    """Whether a (nested) list or tuple holds a boolean: NumPy would read True as 1.0."""
    if isinstance(x, (list, tuple)):
        return any(isinstance(v, (bool, np.bool_)) or _holds_bool(v) for v in x)
    return False


def _scalar(v: object) -> float:
    """One element of an object array: a Python/NumPy real or a one-element tensor.

    A ``TypeError`` otherwise, which the caller replaces by one naming the argument.
    """
    if isinstance(v, (bool, np.bool_)):
        raise TypeError(f"not a real number: {v!r:.40}")
    if isinstance(v, numbers.Real):
        return float(v)
    got = _torch_values(v)  # raises TypeError for complex or boolean tensors
    if got is None or got[0].size != 1:
        raise TypeError(f"not a real number: {v!r:.40}")
    return float(got[0].reshape(()))


def real_number(x: object, name: str) -> float:
    """``x`` as a Python float: a Python/NumPy real or a 0-d array or tensor.

    Booleans, strings, complex numbers and arrays with more than one element are
    rejected with a ``TypeError`` that names the argument.
    """
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{name} must be a real number, got the boolean {x!r}")
    if isinstance(x, numbers.Real):
        return float(x)
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be a real number, got {shorten(x)}")
    arr, _ = real_array(x, name)
    if arr.ndim != 0:
        raise TypeError(f"{name} must be a single real number, got shape {arr.shape}: {shorten(x)}")
    return float(arr)


def integer(x: object, name: str, minimum: int | None = None) -> int:
    """``x`` as a Python int (Python or NumPy integer; not bool, not float)."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be an integer, got {shorten(x)} of type {type(x).__name__}")
    value = operator.index(x)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def sum_tolerance(eps: float, n: int) -> float:
    """Allowed ``|sum - 1|`` for ``n`` probabilities stored with machine epsilon ``eps``.

    Rounding each entry to its type moves the sum by at most ``eps / 2``; the
    producer's normaliser (a float32 sum or wider, for low-precision types)
    adds about ``sqrt(n)`` roundings. The bound is ``eps + 4 sqrt(n) min(eps,
    eps32)``, but never below :data:`SUM_TOLERANCE`: for float64 input it is
    ``1e-6``, for a float32 softmax over 50,257 tokens about ``1.1e-4``.

    Examples
    --------
    >>> sum_tolerance(np.finfo(np.float64).eps, 10)
    1e-06
    >>> round(sum_tolerance(np.finfo(np.float32).eps, 50_257), 6)
    0.000107
    """
    eps = float(eps)
    return max(SUM_TOLERANCE, eps + 4.0 * math.sqrt(n) * min(eps, _F32_EPS))


def _values(x: ArrayLike, name: str) -> tuple[np.ndarray, float]:
    arr, eps = real_array(x, name)
    if arr.ndim == 0:
        raise ValueError(f"{name} must be an array of probabilities, got the scalar {arr.item()!r}")
    if arr.size == 0:  # no outcomes, or no rows of them
        raise ValueError(f"{name} is empty; a distribution needs at least one outcome")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf: {shorten(arr)}")
    return arr, eps


def as_distribution(x: ArrayLike, name: str = "p") -> np.ndarray:
    """Return ``x`` as a float64 array whose last axis is a probability vector.

    Raises
    ------
    TypeError
        If ``x`` does not hold real numbers (see the module docstring).
    ValueError
        If ``x`` is a scalar or empty, not finite, has a negative entry, or a row
        whose sum is off 1 by more than :func:`sum_tolerance` allows for its
        dtype and length.

    Examples
    --------
    >>> as_distribution([0.5, 0.5])
    array([0.5, 0.5])
    >>> as_distribution([0.5, 0.6], name="q")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: q sums to 1.1, expected 1 within 1e-06 (use klcourse.normalize ...)
    """
    arr, eps = _values(x, name)
    if np.any(arr < 0):
        raise ValueError(
            f"{name} has a negative entry ({arr.min():.6g}); probabilities must be >= 0"
        )
    with np.errstate(over="ignore"):  # entries near the float maximum: the sum is inf
        sums = np.atleast_1d(arr.sum(axis=-1))
    tol = sum_tolerance(eps, arr.shape[-1])
    off = np.abs(sums - 1.0) > tol
    if np.any(off):
        bad = float(sums[np.argmax(off)])
        where = "" if arr.ndim == 1 else " (in at least one row)"
        raise ValueError(
            f"{name} sums to {bad:.10g}{where}, expected 1 within {tol:.2g} "
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
    b = real_number(base, "base")
    if not math.isfinite(b) or b <= 0 or b == 1:
        raise ValueError(f"base must be finite, positive and not 1, got {base!r}")
    return math.log(b)


def positive(x: ArrayLike, name: str) -> np.ndarray:
    """``x`` as a float64 array whose entries are all finite and > 0."""
    arr, _ = real_array(x, name)
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{name} must be finite and > 0, got {shorten(arr)}")
    return arr


def finite(x: ArrayLike, name: str) -> np.ndarray:
    """``x`` as a float64 array whose entries are all finite."""
    arr, _ = real_array(x, name)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {shorten(arr)}")
    return arr


def scalar_or_array(x: np.ndarray) -> float | np.ndarray:
    """A 0-d result as a Python float, anything else unchanged."""
    return float(x) if np.ndim(x) == 0 else x
