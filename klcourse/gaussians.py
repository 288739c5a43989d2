"""Closed-form KL divergences between Gaussian distributions."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.linalg import solve_triangular

from klcourse._checks import finite, positive, real_array, scalar_or_array

#: A covariance counts as symmetric when ``max|C - C^T| <= SYMMETRY_RTOL * max|C|``:
#: the inverse of a symmetric matrix is symmetric only to rounding of that order.
SYMMETRY_RTOL = 1e-9


def gaussian_kl(
    mu_p: ArrayLike, sigma_p: ArrayLike, mu_q: ArrayLike, sigma_q: ArrayLike
) -> float | np.ndarray:
    r"""KL(p‖q) between univariate normals p = N(mu_p, sigma_p²) and q = N(mu_q, sigma_q²), in nats.

    .. math::

        D_{KL}(p \,\|\, q) = \log\frac{\sigma_q}{\sigma_p}
            + \frac{\sigma_p^2 + (\mu_p - \mu_q)^2}{2\sigma_q^2} - \frac12

    Arguments broadcast like numpy arrays. ``sigma`` is a standard deviation,
    not a variance. Computed as
    :math:`\tfrac12(e^t - 1 - t) + \tfrac12\big((\mu_p-\mu_q)/\sigma_q\big)^2` with
    :math:`t = 2\log(\sigma_p/\sigma_q)` from ``log1p`` of the relative difference
    when the sigmas are within a factor 2 and from a difference of logs otherwise
    (no sigma is squared and no ratio is left to over- or underflow), so that any
    scale works (``sigma = 1e-170`` or ``1e200`` on both sides gives the exact value).

    Parameters
    ----------
    mu_p, sigma_p, mu_q, sigma_q : array_like
        Real numbers or arrays of them (numpy, lists, or torch tensors, values only).

    Returns
    -------
    float or ndarray
        ``>= 0``, in nats; ``inf`` only where the true value exceeds the float range.

    Raises
    ------
    TypeError
        If an argument is not real (a string, a boolean, a complex number).
    ValueError
        If a standard deviation is not finite and positive, or a mean is not finite.

    Examples
    --------
    >>> gaussian_kl(0.0, 1.0, 1.0, 1.0)  # a shift of one standard deviation
    0.5
    >>> round(gaussian_kl(0.0, 1.0, 0.0, 2.0), 4)
    0.3181
    """
    mu_p, mu_q = finite(mu_p, "mu_p"), finite(mu_q, "mu_q")
    sigma_p, sigma_q = positive(sigma_p, "sigma_p"), positive(sigma_q, "sigma_q")
    shapes = [x.shape for x in (mu_p, sigma_p, mu_q, sigma_q)]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(
            f"mu_p, sigma_p, mu_q and sigma_q must broadcast together, got shapes {shapes}"
        ) from None
    # With t = log(sigma_p^2 / sigma_q^2) the variance part is (e^t - 1 - t) / 2: no
    # sigma is squared (1e-170 squared underflows, 1e200 overflows), so only a result
    # beyond the float range can come out as inf.
    t = 2.0 * _log_ratio(sigma_p, sigma_q)
    with np.errstate(over="ignore", under="ignore"):
        shift = np.subtract(mu_p, mu_q) / sigma_q
        kl = 0.5 * _expm1_minus(t) + 0.5 * shift**2
    return scalar_or_array(np.maximum(kl, 0.0))


def _log_ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``log(a / b)`` to a few roundings of its own size, for positive a and b.

    Within a factor of 2 the difference ``a - b`` is exact, and ``log1p((a - b) / b)``
    keeps the digits of a ratio near 1 (a plain ``log(a / b)`` loses them to the
    rounding of the ratio). Further apart, the difference of the logs is accurate
    relative to the result and never over- or underflows.
    """
    close = (a / 2 <= b) & (b / 2 <= a)  # halving is exact (2 * a could overflow)
    # a - b is exact (Sterbenz) and (a - b) / b lies in [-1/2, 1]: divided only there
    ratio = np.divide(a - b, b, out=np.zeros(close.shape), where=close)
    near = np.log1p(ratio)
    return np.where(close, near, np.log(a) - np.log(b))


def _expm1_minus(t: np.ndarray) -> np.ndarray:
    """``e^t - 1 - t`` to a few roundings, and inf, not a warning, for huge t.

    For ``|t| < 0.1`` the Taylor series ``sum_{k>=2} t^k / k!`` to ``k = 12`` (Horner
    form; the rest is below 1e-20 of the sum); beyond, ``expm1(t) - t`` loses at most
    ``2 eps / |t|`` of its value to the cancellation.
    """
    t = np.asarray(t, dtype=float)
    with np.errstate(over="ignore"):  # expm1 in the unused branch may overflow
        series = np.ones_like(t)
        for k in range(12, 2, -1):
            series = 1 + t / k * series
        series *= 0.5 * t * t
        direct = np.expm1(t) - t
    return np.where(np.abs(t) < 0.1, series, direct)


def _cholesky(cov: np.ndarray, name: str) -> np.ndarray:
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {cov.shape}")
    if not np.all(np.isfinite(cov)):
        raise ValueError(f"{name} must be finite, got {cov}")
    scale = np.abs(cov).max()
    if np.abs(cov - cov.T).max() > SYMMETRY_RTOL * scale:
        raise ValueError(f"{name} must be symmetric, got {cov}")
    cov = 0.5 * (cov + cov.T)  # symmetric to rounding: use the symmetric part
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError as exc:
        eig = np.linalg.eigvalsh(cov).min()
        raise ValueError(
            f"{name} must be positive definite; its smallest eigenvalue is {eig:.3g}"
        ) from exc


def gaussian_kl_mv(mu_p: ArrayLike, cov_p: ArrayLike, mu_q: ArrayLike, cov_q: ArrayLike) -> float:
    r"""KL(p‖q) between multivariate normals p = N(mu_p, cov_p) and q = N(mu_q, cov_q), in nats.

    .. math::

        \begin{aligned}
        D_{KL}(p \,\|\, q) &= \tfrac12 \Big[ \operatorname{tr}(\Sigma_q^{-1}\Sigma_p) \\
            &\qquad {}+ (\mu_q - \mu_p)^\top \Sigma_q^{-1} (\mu_q - \mu_p) - k \\
            &\qquad {}+ \log\frac{\det \Sigma_q}{\det \Sigma_p} \Big]
        \end{aligned}

    Computed through Cholesky factors :math:`\Sigma = L L^\top` and triangular
    solves, so that no inverse or determinant is formed explicitly:
    :math:`\operatorname{tr}(\Sigma_q^{-1}\Sigma_p) = \|L_q^{-1} L_p\|_F^2` and
    :math:`\log\det\Sigma = 2\sum_i \log L_{ii}`.

    Raises
    ------
    ValueError
        If a covariance is not symmetric positive definite, or the shapes disagree.

    Examples
    --------
    >>> gaussian_kl_mv([0, 0], [[1, 0], [0, 1]], [1, 0], [[1, 0], [0, 1]])
    0.5
    >>> round(gaussian_kl_mv([0, 0], [[1, 0.9], [0.9, 1]], [0, 0], [[1, 0], [0, 1]]), 4)
    0.8304
    """
    mu_p = finite(mu_p, "mu_p")
    mu_q = finite(mu_q, "mu_q")
    cov_p, _ = real_array(cov_p, "cov_p")
    cov_q, _ = real_array(cov_q, "cov_q")
    k = mu_p.shape[-1] if mu_p.ndim else 0
    if mu_p.ndim != 1 or k == 0 or mu_q.shape != mu_p.shape:
        raise ValueError(
            f"mu_p and mu_q must be vectors of one length, got {mu_p.shape} and {mu_q.shape}"
        )
    if cov_p.shape != (k, k) or cov_q.shape != (k, k):
        raise ValueError(
            f"covariances must be {k}x{k} to match the means, got {cov_p.shape} and {cov_q.shape}"
        )
    l_p = _cholesky(cov_p, "cov_p")
    l_q = _cholesky(cov_q, "cov_q")
    trace_term = np.sum(solve_triangular(l_q, l_p, lower=True) ** 2)
    maha = np.sum(solve_triangular(l_q, mu_q - mu_p, lower=True) ** 2)
    logdet = 2 * (np.log(np.diag(l_q)).sum() - np.log(np.diag(l_p)).sum())
    return float(max(0.5 * (trace_term + maha - k + logdet), 0.0))
