"""The best single Gaussian for a 1-D Gaussian mixture, in either direction of KL.

* ``direction="forward"`` minimises KL(p‖q) over Gaussians q. The optimum matches
  the mixture's mean and variance (moment matching), in closed form.
* ``direction="reverse"`` minimises KL(q‖p). There is no closed form and, for a
  multimodal p, several local optima; a quasi-Newton search from ``init`` finds the
  one whose basin contains the start.

Expectations under q = N(mu, sigma²) are computed with the trapezoidal rule on a fixed
grid of standardised points z = (x - mu) / sigma in [-12, 12]. For a smooth integrand
that decays like a Gaussian the rule converges faster than any power of the spacing;
on test mixtures it agrees with adaptive quadrature to about 1e-12. (Gauss–Hermite
quadrature, the textbook choice, is poor here: the log-density of a well-separated
mixture bends sharply between the modes, and 120 nodes gave errors of 1e-3 nats.)
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import minimize
from scipy.special import logsumexp

from klcourse._checks import as_distribution, finite, positive, real_array

#: Standardised grid and trapezoid weights for expectations under N(0, 1).
_Z = np.linspace(-12.0, 12.0, 2401)
_ZW = np.exp(-0.5 * _Z**2) / np.sqrt(2 * np.pi) * (_Z[1] - _Z[0])


def _mixture(weights: ArrayLike, means: ArrayLike, stds: ArrayLike):
    w = as_distribution(weights, "weights")
    m = finite(means, "means")
    s = positive(stds, "stds")
    if w.ndim != 1 or m.shape != w.shape or s.shape != w.shape:
        raise ValueError(
            "weights, means and stds must be 1-D and of one length, got shapes "
            f"{w.shape}, {m.shape} and {s.shape}"
        )
    return w, m, s


def mixture_logpdf(
    x: ArrayLike, weights: ArrayLike, means: ArrayLike, stds: ArrayLike
) -> np.ndarray:
    r"""Log-density of a 1-D Gaussian mixture, :math:`\log\sum_i w_i\mathcal N(x;\mu_i,\sigma_i^2)`.

    Computed with ``logsumexp``, so it stays finite far in the tails.

    Examples
    --------
    >>> round(float(mixture_logpdf(0.0, [1.0], [0.0], [1.0])), 6)  # -log sqrt(2 pi)
    -0.918939
    """
    w, m, s = _mixture(weights, means, stds)
    return _logpdf(np.asarray(x, dtype=float), w, m, s)


def _logpdf(x, w, m, s):
    z = (x[..., None] - m) / s
    comp = np.log(w) - np.log(s) - 0.5 * np.log(2 * np.pi) - 0.5 * z**2
    return logsumexp(comp, axis=-1)


def _dlogpdf(x, w, m, s):
    """d/dx log p(x): the responsibilities times each component's score."""
    z = (x[..., None] - m) / s
    comp = np.log(w) - np.log(s) - 0.5 * z**2
    resp = np.exp(comp - logsumexp(comp, axis=-1, keepdims=True))
    return np.sum(resp * (-z / s), axis=-1)


def reverse_kl_to_mixture(
    mu: float, sigma: float, weights: ArrayLike, means: ArrayLike, stds: ArrayLike
) -> float:
    r"""KL(q‖p) for q = N(mu, sigma²) and the mixture p, in nats (numerical integration).

    .. math:: D_{KL}(q\,\|\,p) = -\tfrac12\log(2\pi e\sigma^2) - \mathbb{E}_{x\sim q}[\log p(x)]

    Examples
    --------
    >>> round(reverse_kl_to_mixture(1.0, 1.0, [1.0], [0.0], [1.0]), 6)  # = gaussian_kl(1,1,0,1)
    0.5
    """
    w, m, s = _mixture(weights, means, stds)
    mu, sigma = float(finite(mu, "mu")), float(positive(sigma, "sigma"))
    return _reverse_objective(np.array([mu, np.log(sigma)]), w, m, s)[0]


def _reverse_objective(theta, w, m, s):
    """KL(q||p) and its gradient in (mu, log sigma)."""
    mu, log_sigma = theta
    sigma = np.exp(log_sigma)
    x = mu + sigma * _Z
    expected_logp = _ZW @ _logpdf(x, w, m, s)
    neg_entropy = -0.5 * np.log(2 * np.pi * np.e) - log_sigma
    score = _dlogpdf(x, w, m, s)  # d log p / dx; dx/dmu = 1, dx/dlog(sigma) = x - mu
    grad = np.array([-(_ZW @ score), -1.0 - _ZW @ (score * (x - mu))])
    return float(neg_entropy - expected_logp), grad


def fit_gaussian_to_mixture(
    weights: ArrayLike,
    means: ArrayLike,
    stds: ArrayLike,
    direction: str,
    init: tuple[float, float] | None = None,
) -> tuple[float, float]:
    r"""Best single Gaussian q = N(mu, sigma²) for a 1-D Gaussian mixture p.

    Parameters
    ----------
    weights, means, stds : array_like
        The mixture :math:`p(x) = \sum_i w_i\,\mathcal N(x;\mu_i,\sigma_i^2)`; weights sum to 1.
    direction : str
        ``"forward"`` minimises :math:`D_{KL}(p\,\|\,q)` (closed form: moment matching,
        :math:`\mu = \sum_i w_i\mu_i`, :math:`\sigma^2 = \sum_i w_i(\sigma_i^2 + (\mu_i - \mu)^2)`);
        ``"reverse"`` minimises :math:`D_{KL}(q\,\|\,p)` by L-BFGS from ``init``.
    init : tuple of float, optional
        ``(mu, sigma)`` to start the reverse search from; defaults to the heaviest
        component (the first of equal weights). Ignored for ``"forward"``.

    Returns
    -------
    tuple of float
        ``(mu, sigma)``: mean and standard deviation of the best Gaussian.

    Examples
    --------
    >>> w, m, s = [0.5, 0.5], [-3.0, 3.0], [1.0, 1.0]
    >>> mu, sigma = fit_gaussian_to_mixture(w, m, s, "forward")
    >>> round(mu, 6), round(sigma, 4)  # sigma^2 = 1 + 9
    (0.0, 3.1623)
    >>> mu, sigma = fit_gaussian_to_mixture(w, m, s, "reverse", init=(2.0, 1.0))
    >>> round(mu, 3), round(sigma, 3)  # hugs the right-hand mode
    (3.0, 1.0)
    """
    w, m, s = _mixture(weights, means, stds)
    if not isinstance(direction, str):
        raise TypeError(f"direction must be 'forward' or 'reverse', got {direction!r}")
    if direction == "forward":
        mu = float(w @ m)
        # Centred moments: E[x^2] - mu^2 cancels catastrophically for components far
        # from 0 (means 1e8, stds 1 gave sigma = 0).
        var = float(w @ (s**2 + (m - mu) ** 2))
        return mu, float(np.sqrt(var))
    if direction != "reverse":
        raise ValueError(f"direction must be 'forward' or 'reverse', got {direction!r}")
    if init is None:
        k = int(np.argmax(w))
        init = (m[k], s[k])
    start, _ = real_array(init, "init")
    if start.shape != (2,):
        raise ValueError(f"init must be a pair (mu, sigma), got {init!r}")
    mu0, sigma0 = float(finite(start[0], "init mu")), float(positive(start[1], "init sigma"))
    result = minimize(
        _reverse_objective,
        x0=np.array([mu0, np.log(sigma0)]),
        args=(w, m, s),
        jac=True,
        method="L-BFGS-B",
        options={"gtol": 1e-10, "ftol": 1e-14, "maxiter": 1000},
    )
    mu, log_sigma = result.x
    return float(mu), float(np.exp(log_sigma))
