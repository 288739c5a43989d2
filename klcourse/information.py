"""Joint and conditional entropy and mutual information of a joint table.

Here a 2-D array means something different from the rest of the package. The
divergence functions read ``p[i, :]`` as a *batch* of distributions, one per row,
each summing to 1. The functions of this module read ``joint[x, y] = P(X=x, Y=y)``
as *one* distribution over pairs: all of its entries together sum to 1. A batch
passed here by mistake (every row sums to 1) is rejected with a message that says
so; to turn conditional rows ``P(Y | X=x)`` into a joint table, multiply each row by
``P(X=x)``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from klcourse._checks import log_base, real_array, shorten, sum_tolerance
from klcourse.divergences import _xlogy, entropy


def as_joint(joint: ArrayLike, name: str = "joint") -> np.ndarray:
    """``joint`` as a float64 table ``P(X=x, Y=y)`` whose entries sum to 1.

    Raises
    ------
    TypeError
        If ``joint`` does not hold real numbers.
    ValueError
        If it is not 2-D, is empty, has a NaN, inf or negative entry, or its entries
        do not sum to 1 (with a pointer to the batch convention when every row does).

    Examples
    --------
    >>> as_joint([[0.25, 0.25], [0.5, 0.0]])
    array([[0.25, 0.25],
           [0.5 , 0.  ]])
    >>> as_joint([[0.5, 0.5], [0.9, 0.1]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: joint's entries sum to 2, not 1, but each of its 2 rows sums to 1: ...
    """
    arr, eps = real_array(joint, name)
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError(
            f"{name} must be a non-empty 2-D table joint[x, y], got shape {arr.shape}: "
            f"{shorten(arr)}"
        )
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must hold finite probabilities >= 0, got {shorten(arr)}")
    total = float(arr.sum())
    tol = sum_tolerance(eps, arr.size)
    if abs(total - 1.0) <= tol:
        return arr
    rows = arr.sum(axis=1)
    if arr.shape[0] > 1 and np.all(np.abs(rows - 1.0) <= sum_tolerance(eps, arr.shape[1])):
        raise ValueError(
            f"{name}'s entries sum to {total:.10g}, not 1, but each of its {arr.shape[0]} "
            "rows sums to 1: that is a batch of distributions (klcourse's usual 2-D "
            "convention), not a joint table. Multiply row x by P(X=x) to make one"
        )
    raise ValueError(
        f"{name}'s entries sum to {total:.10g}, expected 1 within {tol:.2g} "
        "(use klcourse.normalize(joint.ravel()).reshape(joint.shape) to rescale counts)"
    )


def joint_entropy(joint: ArrayLike, base: float | None = None) -> float:
    r"""Joint entropy H(X, Y) of a joint table.

    .. math:: H(X, Y) = -\sum_{x, y} p(x, y) \log p(x, y)

    Examples
    --------
    >>> round(joint_entropy([[0.25, 0.25], [0.25, 0.25]], base=2), 6)
    2.0
    """
    return entropy(as_joint(joint).ravel(), base)


def conditional_entropy(joint: ArrayLike, base: float | None = None) -> float:
    r"""Conditional entropy H(Y | X) of a joint table ``joint[x, y]``.

    The average, over x, of the entropy of the row ``P(Y | X=x)``:

    .. math::

        \begin{aligned}
        H(Y \mid X) &= -\sum_{x, y} p(x, y) \log \frac{p(x, y)}{p(x)} \\
                    &= H(X, Y) - H(X)
        \end{aligned}

    Rows are X and columns Y; for H(X | Y) pass ``joint.T``. Computed term by term
    (each term is ``>= 0`` because ``p(x, y) <= p(x)``), not as a difference of two
    entropies, so that it has no cancellation error.

    Parameters
    ----------
    joint : array_like
        A 2-D table ``joint[x, y] = P(X=x, Y=y)``; all entries together sum to 1 (see
        the module docstring).
    base : float, optional
        ``None`` (default) for nats, ``2`` for bits.

    Returns
    -------
    float
        Between 0 (Y is a function of X) and ``log n_y``.

    Examples
    --------
    >>> conditional_entropy([[0.5, 0.0], [0.0, 0.5]])  # Y = X: no uncertainty left
    0.0
    >>> round(conditional_entropy([[0.25, 0.25], [0.25, 0.25]], base=2), 6)
    1.0
    """
    t = as_joint(joint)
    px = t.sum(axis=1, keepdims=True)
    ratio = np.divide(t, px, out=np.ones_like(t), where=t > 0)
    return float(-_xlogy(t, ratio).sum()) / log_base(base) + 0.0


def mutual_information(joint: ArrayLike, base: float | None = None) -> float:
    r"""Mutual information I(X; Y): the KL of the joint to the product of its marginals.

    .. math::

        \begin{aligned}
        I(X; Y) &= D_{KL}\big(p(x, y) \,\|\, p(x)\,p(y)\big) \\
                &= \sum_{x, y} p(x, y) \log \frac{p(x, y)}{p(x)\,p(y)} \\
                &= H(Y) - H(Y \mid X)
        \end{aligned}

    Symmetric in X and Y, ``>= 0``, and 0 exactly when X and Y are independent.
    The log-ratio is taken as ``log p(x, y) - log p(x) - log p(y)``, so tiny
    marginals whose product would underflow still give the right, finite value.

    Parameters
    ----------
    joint : array_like
        A 2-D table ``joint[x, y] = P(X=x, Y=y)``; all entries together sum to 1 (see
        the module docstring).
    base : float, optional
        ``None`` (default) for nats, ``2`` for bits.

    Examples
    --------
    >>> round(mutual_information([[0.5, 0.0], [0.0, 0.5]], base=2), 6)  # Y = X: 1 bit
    1.0
    >>> round(mutual_information([[0.1, 0.3], [0.15, 0.45]]), 12)  # independent
    0.0
    """
    t = as_joint(joint)
    nz = t > 0
    safe = np.where(nz, t, 1.0)
    px = np.broadcast_to(t.sum(axis=1, keepdims=True), t.shape)
    py = np.broadcast_to(t.sum(axis=0, keepdims=True), t.shape)
    # where p(x, y) > 0, both marginals are >= p(x, y) > 0: the logs are finite
    log_ratio = np.log(safe) - np.log(np.where(nz, px, 1.0)) - np.log(np.where(nz, py, 1.0))
    terms = np.where(nz, t * log_ratio, 0.0)
    mi = float(terms.sum()) / log_base(base)
    return mi if mi > 0 else 0.0  # rounding noise below 0, and -0.0, read as 0
