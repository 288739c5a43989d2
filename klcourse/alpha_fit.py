r"""The best Gaussian for a 1-D Gaussian mixture under Amari's α-divergence.

.. math::

    D_\alpha(p \,\|\, q) = \frac{1 - \int p(x)^\alpha q(x)^{1-\alpha}\,dx}{\alpha (1 - \alpha)}

tends to the forward KL :math:`D_{KL}(p\,\|\,q)` as α → 1 and to the reverse KL
:math:`D_{KL}(q\,\|\,p)` as α → 0, so that fitting q for α from 1 down to 0 slides
the fit from mass-covering to mode-seeking (Minka, "Divergence measures and message
passing", 2005). For α strictly between 0 and 1 this module minimises :math:`D_\alpha` over
``(mu, log sigma)`` by BFGS with its exact gradient, integrating the non-negative form
:math:`\int q\,g_\alpha(p/q)` of :mod:`klcourse._power_sums` so that no digits are lost
to ``1 - A`` near α = 0 or 1.

The integral is computed by Gauss–Legendre quadrature on panels whose break points
sit at fixed multiples of the width of every Gaussian factor of the integrand
(:math:`\sigma_i/\sqrt\alpha` for a component, :math:`\sigma/\sqrt{1-\alpha}` for q), so
that a narrow component is never stepped over; 20 nodes per panel integrate such
smooth panels to rounding error (the tests compare with ``scipy.integrate.quad``).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.polynomial.legendre import leggauss
from numpy.typing import ArrayLike
from scipy.optimize import minimize
from scipy.stats import norm

from klcourse._checks import finite, positive
from klcourse._power_sums import TINY_ORDER, power_excess, shifted_expm1
from klcourse.families import unit_order
from klcourse.fitting import (
    _logpdf,
    _mixture,
    fit_gaussian_to_mixture,
    reverse_kl_to_mixture,
    starting_point,
)

_NODES, _WEIGHTS = leggauss(20)
#: Largest gradient component (in mu and log sigma) accepted at a fitted optimum.
_GTOL = 1e-7
#: Break points, in widths of each Gaussian factor, and how far out the panels go.
_OFFSETS = np.array([-12, -8, -5, -3, -2, -1, -0.5, 0, 0.5, 1, 2, 3, 5, 8, 12.0])


def _nodes(centres: np.ndarray, widths: np.ndarray, keep: tuple[float, float]):
    """Quadrature nodes and weights on panels broken at each factor's offsets."""
    breaks = (centres[:, None] + widths[:, None] * _OFFSETS).ravel()
    lo, hi = keep
    breaks = np.unique(np.clip(breaks, lo, hi))
    half = np.diff(breaks) / 2
    mid = breaks[:-1] + half
    x = (mid[:, None] + half[:, None] * _NODES).ravel()
    return x, (half[:, None] * _WEIGHTS).ravel()


def _log_integrand(mu, sigma, w, m, s, a):
    """Nodes x, log of the quadrature weights, log p(x), log q(x) for the α-integral.

    ``a = 1`` gives the nodes for the forward KL, an integral against p alone.
    """
    if a == 1.0:
        widths = np.append(s, sigma)
        p_lo, p_hi = (m - 12 * s).min(), (m + 12 * s).max()
        keep = (p_lo, p_hi)
    else:
        widths = np.append(s / math.sqrt(a), sigma / math.sqrt(1 - a))
        # Outside p's range (or q's) the factor p^a (or q^(1-a)) is below e^-72 of its
        # peak: integrate over where both ranges meet, or over both if they do not.
        p_lo, p_hi = (m - 12 * widths[:-1]).min(), (m + 12 * widths[:-1]).max()
        q_lo, q_hi = mu - 12 * widths[-1], mu + 12 * widths[-1]
        keep = (max(p_lo, q_lo), min(p_hi, q_hi))
        if keep[0] >= keep[1]:
            keep = (min(p_lo, q_lo), max(p_hi, q_hi))
    x, qw = _nodes(np.append(m, mu), widths, keep)
    z = (x - mu) / sigma
    log_q = -np.log(sigma) - 0.5 * np.log(2 * np.pi) - 0.5 * z**2
    return x, np.log(qw), _logpdf(x, w, m, s), log_q, keep


def _divergence_and_grad(theta, w, m, s, a):
    """D_alpha and its gradient in (mu, log sigma), for 0 < a < 1.

    D_alpha is the quadrature of the non-negative integrand q g_a(p/q) of
    :func:`klcourse._power_sums.power_excess`, so it keeps its digits when q is close to
    p or a is close to 0 or 1. The gradient, -(1/a) int p^a q^(1-a) grad log q, is taken
    as -(1/a) int q expm1(a l) grad log q (the same, since int q grad log q = 0), which
    stays accurate as a -> 0.
    """
    mu, sigma = theta[0], math.exp(theta[1])
    x, log_qw, log_p, log_q, (lo, hi) = _log_integrand(mu, sigma, w, m, s, a)
    with np.errstate(under="ignore"):
        qw, pw = np.exp(log_q + log_qw), np.exp(log_p + log_qw)
    # Outside [lo, hi] the term p^a q^(1-a) is negligible, and the rest of the integrand,
    # ((1-a) q + a p) / (a (1-a)), integrates in closed form: q may be wider than p.
    z_lo, z_hi = (lo - mu) / sigma, (hi - mu) / sigma
    q_out = norm.cdf(z_lo) + norm.sf(z_hi)
    p_out = w @ (norm.cdf((lo - m) / s) + norm.sf((hi - m) / s))
    d = float(power_excess(pw, qw, a) + q_out / a + p_out / (1 - a))
    z = (x - mu) / sigma
    with np.errstate(over="ignore", invalid="ignore"):
        excess = shifted_expm1(qw, a, log_p - log_q, log_q + log_qw)  # (p^a q^(1-a) - q) w
    # ... and there expm1(a l) = -1: the tails of int q grad log q, in closed form
    phi_lo, phi_hi = norm.pdf(z_lo), norm.pdf(z_hi)
    inside = np.array([excess @ z / sigma, excess @ (z**2 - 1)])
    outside = np.array([(phi_hi - phi_lo) / sigma, z_hi * phi_hi - z_lo * phi_lo])
    return d, -(inside - outside) / a


def alpha_divergence_to_mixture(
    mu: float, sigma: float, weights: ArrayLike, means: ArrayLike, stds: ArrayLike, alpha: float
) -> float:
    r"""Amari's :math:`D_\alpha(p\,\|\,q)` for the mixture p and q = N(mu, sigma²), in nats.

    α = 1 is the forward KL :math:`D_{KL}(p\,\|\,q)` (integrated on the same panels),
    α = 0 the reverse KL (:func:`klcourse.fitting.reverse_kl_to_mixture`).

    Examples
    --------
    >>> d = alpha_divergence_to_mixture(0.0, 1.0, [1.0], [1.0], [1.0], 0.5)
    >>> round(d, 6) == round(4 * (1 - math.exp(-1 / 8)), 6)  # 4 x squared Hellinger
    True
    """
    a = unit_order(alpha)
    w, m, s = _mixture(weights, means, stds)
    mu, sigma = float(finite(mu, "mu")), float(positive(sigma, "sigma"))
    if a == 1.0:
        _, log_qw, log_p, log_q, _ = _log_integrand(mu, sigma, w, m, s, 1.0)
        d = float(np.exp(log_p + log_qw) @ (log_p - log_q))
        return d if d > 0 else 0.0  # rounding below 0 (and -0.0) reads as 0
    if a < TINY_ORDER:  # alpha = 0, or so close that the reverse KL is exact
        return reverse_kl_to_mixture(mu, sigma, w, m, s)
    d, _ = _divergence_and_grad(np.array([mu, math.log(sigma)]), w, m, s, a)
    return d


def fit_gaussian_alpha(
    weights: ArrayLike,
    means: ArrayLike,
    stds: ArrayLike,
    alpha: float,
    init: tuple[float, float] | None = None,
) -> tuple[float, float]:
    r"""The Gaussian q = N(mu, sigma²) that minimises Amari's :math:`D_\alpha(p\,\|\,q)`.

    Parameters
    ----------
    weights, means, stds : array_like
        The mixture p, as for :func:`klcourse.fit_gaussian_to_mixture`.
    alpha : float
        In [0, 1]. α = 1 is the forward fit (moment matching, in closed form), α = 0
        the reverse fit; in between, a quasi-Newton search minimises :math:`D_\alpha`.
    init : tuple of float, optional
        ``(mu, sigma)`` to start from. For small α the objective has a local optimum
        per mode, as the reverse KL does, and the search finds the one whose basin
        holds the start. Defaults to the forward fit for α > 0 and to the heaviest
        component for α = 0.

    Returns
    -------
    tuple of float
        ``(mu, sigma)``.

    Examples
    --------
    >>> w, m, s = [0.4, 0.6], [-3.0, 3.0], [0.8, 1.0]
    >>> [round(v, 3) for v in fit_gaussian_alpha(w, m, s, 1.0)]  # moment matching
    [0.6, 3.082]
    >>> [round(v, 2) for v in fit_gaussian_alpha(w, m, s, 0.1, init=(3.0, 1.0))]
    [2.99, 1.01]
    """
    a = unit_order(alpha)
    w, m, s = _mixture(weights, means, stds)
    if a == 1.0:
        return fit_gaussian_to_mixture(w, m, s, "forward")
    if a == 0.0:
        return fit_gaussian_to_mixture(w, m, s, "reverse", init=init)
    if init is None:
        init = fit_gaussian_to_mixture(w, m, s, "forward")
    mu0, sigma0 = starting_point(init)

    if a < TINY_ORDER:
        return fit_gaussian_to_mixture(w, m, s, "reverse", init=(mu0, sigma0))

    def objective(theta):
        return _divergence_and_grad(theta, w, m, s, a)

    res = minimize(
        objective,
        np.array([mu0, math.log(sigma0)]),
        jac=True,
        method="BFGS",
        options={"gtol": 1e-10, "maxiter": 500},
    )
    _, grad = objective(res.x)
    if not np.all(np.abs(grad) <= _GTOL):  # BFGS may stop on precision loss: check
        raise RuntimeError(
            f"fit_gaussian_alpha did not converge from init={init!r} (alpha={a}): "
            f"gradient {grad} at mu={res.x[0]:.6g}, sigma={math.exp(res.x[1]):.6g}"
        )
    return float(res.x[0]), float(math.exp(res.x[1]))
