"""Closed-form KL divergences between Gaussian distributions."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.linalg import solve_triangular

from klcourse._checks import finite, positive, scalar_or_array


def gaussian_kl(
    mu_p: ArrayLike, sigma_p: ArrayLike, mu_q: ArrayLike, sigma_q: ArrayLike
) -> float | np.ndarray:
    r"""KL(p‖q) between univariate normals p = N(mu_p, sigma_p²) and q = N(mu_q, sigma_q²), in nats.

    .. math::

        D_{KL}(p \,\|\, q) = \log\frac{\sigma_q}{\sigma_p}
            + \frac{\sigma_p^2 + (\mu_p - \mu_q)^2}{2\sigma_q^2} - \frac12

    Arguments broadcast like numpy arrays. ``sigma`` is a standard deviation,
    not a variance.

    Raises
    ------
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
    kl = np.log(sigma_q / sigma_p) + (sigma_p**2 + (mu_p - mu_q) ** 2) / (2 * sigma_q**2) - 0.5
    return scalar_or_array(np.maximum(kl, 0.0))


def _cholesky(cov: np.ndarray, name: str) -> np.ndarray:
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {cov.shape}")
    if not np.all(np.isfinite(cov)):
        raise ValueError(f"{name} must be finite, got {cov}")
    if not np.allclose(cov, cov.T, rtol=1e-10, atol=1e-12):
        raise ValueError(f"{name} must be symmetric, got {cov}")
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

        D_{KL}(p \,\|\, q) = \tfrac12 \Big[ \operatorname{tr}(\Sigma_q^{-1}\Sigma_p)
            + (\mu_q - \mu_p)^\top \Sigma_q^{-1} (\mu_q - \mu_p) - k
            + \log\frac{\det \Sigma_q}{\det \Sigma_p} \Big]

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
    cov_p = np.asarray(cov_p, dtype=float)
    cov_q = np.asarray(cov_q, dtype=float)
    k = mu_p.shape[-1] if mu_p.ndim else 0
    if mu_p.ndim != 1 or mu_q.shape != mu_p.shape:
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
