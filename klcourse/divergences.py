"""Entropy, cross-entropy, KL and Jensen–Shannon divergence of discrete distributions.

All functions take distributions along the last axis (leading axes are a batch
and broadcast), validate them with :mod:`klcourse._checks`, and return nats by
default. ``base=2`` gives bits. Conventions, chosen to match the limits:

* ``0 * log(0 / q) = 0`` — an outcome that ``p`` never produces costs nothing;
* ``p * log(p / 0) = inf`` for ``p > 0`` — ``q`` rules out something that happens.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from klcourse._checks import as_distribution, as_pair, log_base, real_array, scalar_or_array


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x * log(y)`` elementwise, with ``0 * log(anything) = 0``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x * np.log(y)
    return np.where(x == 0, 0.0, out)


def normalize(weights: ArrayLike) -> np.ndarray:
    r"""Rescale non-negative weights so that they sum to one (an explicit opt-in).

    The divergence functions never renormalise; call this when rescaling is
    really what you mean, for example for counts.

    .. math:: p_i = w_i \Big/ \sum_j w_j

    Examples
    --------
    >>> normalize([1, 1, 2])
    array([0.25, 0.25, 0.5 ])
    """
    w, _ = real_array(weights, "weights")
    if w.ndim == 0 or w.size == 0 or not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError(f"weights must be a non-empty array of finite values >= 0, got {w}")
    top = w.max(axis=-1, keepdims=True)
    if np.any(top == 0):
        raise ValueError(f"weights sum to 0 (in at least one row); nothing to normalise: {w}")
    # Divide by the largest weight first, so that huge weights cannot overflow the sum
    # and subnormal ones keep their digits.
    w = w / top
    return w / w.sum(axis=-1, keepdims=True)


def entropy(p: ArrayLike, base: float | None = None) -> float | np.ndarray:
    r"""Shannon entropy of a discrete distribution.

    .. math:: H(p) = -\sum_x p(x) \log p(x)

    Parameters
    ----------
    p : array_like
        Probabilities along the last axis.
    base : float, optional
        Logarithm base; ``None`` (default) for nats, ``2`` for bits.

    Returns
    -------
    float or ndarray
        The entropy, one value per leading index.

    Examples
    --------
    >>> round(entropy([0.5, 0.5], base=2), 6)
    1.0
    >>> round(entropy([1/6] * 6), 4)  # log 6 nats
    1.7918
    """
    p = as_distribution(p, "p")
    h = -_xlogy(p, p).sum(axis=-1) / log_base(base)
    return scalar_or_array(h + 0.0)  # + 0.0 turns -0.0 into 0.0


def cross_entropy(p: ArrayLike, q: ArrayLike, base: float | None = None) -> float | np.ndarray:
    r"""Cross-entropy of ``q`` relative to ``p``: the average code length when
    outcomes come from ``p`` and are coded for ``q``.

    .. math:: H(p, q) = -\sum_x p(x) \log q(x) = H(p) + D_{KL}(p \,\|\, q)

    It is not symmetric: ``cross_entropy(p, q) != cross_entropy(q, p)`` in general.

    Examples
    --------
    >>> round(cross_entropy([0.5, 0.5], [0.25, 0.75], base=2), 4)
    1.2075
    >>> cross_entropy([0.5, 0.5], [1.0, 0.0])
    inf
    """
    p, q = as_pair(p, q)
    ce = -_xlogy(p, q).sum(axis=-1) / log_base(base)
    return scalar_or_array(ce + 0.0)


def kl_terms(p: ArrayLike, q: ArrayLike, base: float | None = None) -> np.ndarray:
    r"""The per-outcome terms :math:`p(x)\log\frac{p(x)}{q(x)}` of KL(p‖q).

    Terms can be negative (where ``q(x) > p(x)``); only their sum is
    guaranteed to be non-negative.

    Examples
    --------
    >>> kl_terms([0.5, 0.5, 0.0], [0.25, 0.5, 0.25]).round(4)
    array([0.3466, 0.    , 0.    ])
    """
    p, q = as_pair(p, q)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(np.where(p > 0, p, 1.0)) - np.log(q)
        terms = p * log_ratio
    return np.where(p > 0, terms, 0.0) / log_base(base)


def kl_divergence(p: ArrayLike, q: ArrayLike, base: float | None = None) -> float | np.ndarray:
    r"""Kullback–Leibler divergence (relative entropy) D(p‖q).

    .. math:: D_{KL}(p \,\|\, q) = \sum_x p(x) \log \frac{p(x)}{q(x)}

    The sum runs over outcomes that ``p`` can produce, so ``p`` decides which
    outcomes count: the first argument is the distribution the data come from
    (the "reference"), the second the one used to describe them.

    Parameters
    ----------
    p, q : array_like
        Probabilities along the last axis; the same number of outcomes.
    base : float, optional
        ``None`` (default) for nats, ``2`` for bits.

    Returns
    -------
    float or ndarray
        ``>= 0``; ``0`` iff ``p == q``; ``inf`` if ``q(x) = 0`` where ``p(x) > 0``.

    Raises
    ------
    ValueError
        If either argument is not a valid distribution, or the shapes differ.

    See Also
    --------
    kl_terms : the per-outcome terms (``scipy.special.rel_entr`` computes the same terms).

    Examples
    --------
    >>> fair, loaded = [1/6] * 6, [0.1] * 5 + [0.5]
    >>> round(kl_divergence(fair, loaded), 4)
    0.2426
    >>> round(kl_divergence(loaded, fair), 4)
    0.2939
    >>> kl_divergence([0.5, 0.5], [1.0, 0.0])
    inf
    """
    d = kl_terms(p, q, base).sum(axis=-1)
    return scalar_or_array(np.maximum(d, 0.0))  # clip rounding noise like -1e-17


def js_divergence(p: ArrayLike, q: ArrayLike, base: float | None = None) -> float | np.ndarray:
    r"""Jensen–Shannon divergence: the average KL to the midpoint ``m = (p + q) / 2``.

    .. math:: JS(p, q) = \tfrac12 D_{KL}(p \,\|\, m) + \tfrac12 D_{KL}(q \,\|\, m)

    Symmetric, always finite, and at most ``log 2`` (1 bit).

    Examples
    --------
    >>> round(js_divergence([1.0, 0.0], [0.0, 1.0], base=2), 6)
    1.0
    >>> js_divergence([0.2, 0.8], [0.2, 0.8])
    0.0
    """
    p, q = as_pair(p, q)
    # log(p / m) as log(2p) - log(p + q): m = (p + q) / 2 itself can underflow to 0 when
    # p + q is the smallest subnormal, which would make a finite JS look infinite.
    s = p + q
    log_s = np.log(np.where(s > 0, s, 1.0))

    def half_kl_to_midpoint(x: np.ndarray) -> np.ndarray:
        log_2x = np.log(np.where(x > 0, 2 * x, 1.0))
        return 0.5 * np.where(x > 0, x * (log_2x - log_s), 0.0).sum(axis=-1)

    js = (half_kl_to_midpoint(p) + half_kl_to_midpoint(q)) / log_base(base)
    return scalar_or_array(np.clip(js, 0.0, np.log(2) / log_base(base)))  # rounding noise
