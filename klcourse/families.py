r"""KL's relatives: f-divergences, Rényi divergences and Amari's α-divergences.

Distributions lie along the last axis, as in :mod:`klcourse.divergences`
(leading axes are a batch and broadcast), and are validated the same way.

* An **f-divergence** :math:`D_f(p\,\|\,q) = \sum_x q(x)\, f\big(p(x)/q(x)\big)`, for a
  convex ``f`` with ``f(1) = 0``, is a weighted average of how far the ratio ``p/q``
  is from 1. KL, reverse KL, total variation, squared Hellinger, Pearson's χ² and
  Jensen–Shannon are all of this form (:func:`f_divergence`).
* **Rényi's divergence of order α**,
  :math:`\frac{1}{\alpha - 1}\log\sum_x p^\alpha q^{1-\alpha}`, is a log-moment of the
  ratio; order 1 is KL (:func:`renyi_divergence`).
* **Amari's α-divergence** :math:`\frac{1 - \sum_x p^\alpha q^{1-\alpha}}{\alpha(1-\alpha)}`
  is an f-divergence that tends to ``D(p‖q)`` as α → 1 and to ``D(q‖p)`` as α → 0:
  it interpolates between the forward and the reverse direction
  (:func:`alpha_divergence`).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from klcourse._checks import as_pair, log_base, real_number, scalar_or_array
from klcourse._power_sums import TINY_ORDER, log_power_sum, power_excess
from klcourse.divergences import js_divergence, kl_divergence

#: The kinds :func:`f_divergence` knows, and whether each is measured in a log base.
F_KINDS = {
    "kl": True,
    "reverse_kl": True,
    "tv": False,
    "hellinger": False,
    "chi2": False,
    "js": True,
}


def f_divergence(
    p: ArrayLike, q: ArrayLike, kind: str, base: float | None = None
) -> float | np.ndarray:
    r"""One of the common f-divergences :math:`D_f(p\,\|\,q) = \sum_x q(x) f(p(x)/q(x))`.

    * ``"kl"``: :math:`\sum p \log(p/q)`, with :math:`f(t) = t \log t`;
    * ``"reverse_kl"``: :math:`\sum q \log(q/p)`, with :math:`f(t) = -\log t`;
    * ``"tv"``: :math:`\tfrac12\sum |p - q|`, with :math:`f(t) = \tfrac12 |t - 1|`;
    * ``"hellinger"``: :math:`\tfrac12\sum (\sqrt p - \sqrt q)^2`, with
      :math:`f(t) = \tfrac12(\sqrt t - 1)^2`;
    * ``"chi2"``: :math:`\sum (p - q)^2 / q`, with :math:`f(t) = (t - 1)^2`;
    * ``"js"``: :func:`klcourse.js_divergence`, with
      :math:`f(t) = \tfrac12\big[t \log\frac{2t}{1+t} + \log\frac{2}{1+t}\big]`.

    Total variation and squared Hellinger lie in [0, 1], JS in [0, log 2]; TV, JS
    and Hellinger are symmetric, and TV, √JS and √Hellinger are metrics. KL, reverse
    KL and χ² are infinite when the support of the second argument (of the first, for
    reverse KL) misses an outcome the other one has.

    Parameters
    ----------
    p, q : array_like
        Probabilities along the last axis.
    kind : str
        One of ``"kl"``, ``"reverse_kl"``, ``"tv"``, ``"hellinger"``, ``"chi2"``,
        ``"js"``.
    base : float, optional
        Log base, for the log-based kinds (``"kl"``, ``"reverse_kl"``, ``"js"``) only;
        ``None`` (default) means nats. Passing it with another kind is a ``ValueError``:
        TV, Hellinger and χ² carry no unit.

    Returns
    -------
    float or ndarray
        ``>= 0``, one value per leading index. χ² larger than the float maximum
        (``q`` below about 1e-308 where ``p`` is not) is returned as ``inf``.

    Examples
    --------
    >>> p, q = [0.5, 0.5, 0.0], [0.25, 0.25, 0.5]
    >>> f_divergence(p, q, "tv")
    0.5
    >>> round(f_divergence(p, q, "chi2"), 6)
    1.0
    >>> f_divergence(q, p, "chi2")  # p has no mass on the third outcome
    inf
    >>> round(f_divergence(p, q, "kl", base=2), 6)
    1.0
    """
    if not isinstance(kind, str) or kind not in F_KINDS:
        raise ValueError(f"kind must be one of {sorted(F_KINDS)}, got {kind!r}")
    if base is not None and not F_KINDS[kind]:
        raise ValueError(
            f"base applies to the log-based kinds (kl, reverse_kl, js) only; {kind!r} has "
            f"no unit, got base={base!r}"
        )
    if kind == "kl":
        return kl_divergence(p, q, base)
    if kind == "reverse_kl":
        return kl_divergence(q, p, base)
    if kind == "js":
        return js_divergence(p, q, base)
    p, q = as_pair(p, q)
    if kind == "tv":
        d = 0.5 * np.abs(p - q).sum(axis=-1)
        return scalar_or_array(np.clip(d, 0.0, 1.0))
    if kind == "hellinger":  # sqrt p - sqrt q as (p - q) / (sqrt p + sqrt q): no cancellation
        roots = np.sqrt(p) + np.sqrt(q)
        gap = np.divide(p - q, roots, out=np.zeros_like(roots), where=roots > 0)
        d = 0.5 * (gap**2).sum(axis=-1)
        return scalar_or_array(np.clip(d, 0.0, 1.0))
    diff = p - q  # chi2: (p - q) * ((p - q) / q), so that tiny differences do not underflow
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        terms = np.where(q > 0, diff * (diff / np.where(q > 0, q, 1.0)), np.inf)
        terms = np.where((q == 0) & (p == 0), 0.0, terms)
        d = terms.sum(axis=-1)
    return scalar_or_array(np.maximum(d, 0.0))


def _order(alpha: object, name: str = "alpha") -> float:
    a = real_number(alpha, name)
    if math.isnan(a) or a < 0:
        raise ValueError(f"{name} must be >= 0 (np.inf allowed), got {alpha!r}")
    return a


def unit_order(alpha: object) -> float:
    """``alpha`` as a float in [0, 1], the orders of Amari's α-divergence."""
    a = real_number(alpha, "alpha")
    if not 0.0 <= a <= 1.0:  # NaN fails too
        raise ValueError(f"alpha must lie in [0, 1], got {alpha!r}")
    return a


def _log_ratio(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``log p - log q`` where ``p > 0`` (``inf`` where ``q = 0``); 0 elsewhere (unused)."""
    with np.errstate(divide="ignore"):
        return np.where(p > 0, np.log(np.where(p > 0, p, 1.0)) - np.log(q), 0.0)


def _renyi_between(p: np.ndarray, q: np.ndarray, a: float) -> np.ndarray:
    """Renyi's divergence for 0 < a < 1 and 1 < a < inf, per row."""
    if a < TINY_ORDER:  # D_a = a D(q||p) + O(a^2)
        return a * np.asarray(kl_divergence(q, p))
    g = power_excess(p, q, a)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        x = a * (a - 1.0) * g  # S_a - 1, with S_a = sum p^a q^(1-a)
        near_one = np.log1p(np.maximum(x, -0.5)) / (a - 1.0)
        # Far from S_a = 1 (or where x overflows) there is no cancellation to avoid, and a
        # shifted log-sum-exp keeps tiny and huge S_a, and huge a, in range.
        far = log_power_sum(p, q, a - 1.0)
    return np.where(np.isfinite(x) & (x > -0.5) & (x <= 1.0), near_one, far)


def renyi_divergence(
    p: ArrayLike, q: ArrayLike, alpha: float, base: float | None = None
) -> float | np.ndarray:
    r"""Rényi divergence of order α.

    .. math::

        D_\alpha(p \,\|\, q) = \frac{1}{\alpha - 1} \log \sum_x p(x)^\alpha q(x)^{1-\alpha}

    with the limits :math:`D_1 = D_{KL}(p\,\|\,q)`,
    :math:`D_\infty = \log \max_{x: p(x) > 0} p(x)/q(x)`, and
    :math:`D_0 = -\log Q(\{x : p(x) > 0\})`. It grows with α
    (van Erven and Harremoës, 2014). Unlike Amari's α-divergence it does not move from
    ``D(p‖q)`` to ``D(q‖p)`` as α goes from 1 to 0: at α = 0 it only asks how much of
    q's mass lies where p has any (see :func:`alpha_divergence`).

    Parameters
    ----------
    p, q : array_like
        Probabilities along the last axis.
    alpha : float
        The order, ``>= 0``; ``np.inf`` for the max-ratio limit.
    base : float, optional
        ``None`` (default) for nats, ``2`` for bits.

    Returns
    -------
    float or ndarray
        ``>= 0``; ``inf`` where the supports make it so (for α ≥ 1 when q misses an
        outcome of p, for α < 1 only when the supports do not meet).

    Examples
    --------
    >>> p, q = [0.5, 0.5], [0.25, 0.75]
    >>> round(renyi_divergence(p, q, 1.0), 6) == round(kl_divergence(p, q), 6)
    True
    >>> round(renyi_divergence(p, q, np.inf, base=2), 6)  # log2 max(p / q) = log2 2
    1.0
    >>> renyi_divergence([0.5, 0.5, 0.0], [0.25, 0.25, 0.5], 0.0, base=2)  # -log2 0.5
    1.0
    """
    a = _order(alpha)
    p, q = as_pair(p, q)
    if a == 1.0:
        return kl_divergence(p, q, base)
    if math.isinf(a):
        d = np.where(p > 0, _log_ratio(p, q), -np.inf).max(axis=-1)
    elif a == 0.0:
        with np.errstate(divide="ignore"):
            d = -np.log(np.where(p > 0, q, 0.0).sum(axis=-1))
    else:
        d = _renyi_between(p, q, a)
    d = np.maximum(d, 0.0) / log_base(base)
    return scalar_or_array(d + 0.0)


def alpha_divergence(p: ArrayLike, q: ArrayLike, alpha: float) -> float | np.ndarray:
    r"""Amari's α-divergence, in the parametrisation used by Minka (2005).

    .. math::

        D_\alpha(p \,\|\, q) = \frac{1 - \sum_x p(x)^\alpha q(x)^{1-\alpha}}{\alpha (1 - \alpha)}

    with the limits :math:`D_1 = D_{KL}(p\,\|\,q)` (forward) and
    :math:`D_0 = D_{KL}(q\,\|\,p)` (reverse), and the symmetry
    :math:`D_\alpha(p\,\|\,q) = D_{1-\alpha}(q\,\|\,p)`. At α = ½ it is four times the
    squared Hellinger distance. Minimising it over q moves from mass-covering (α = 1)
    to mode-seeking (α → 0); :func:`klcourse.fit_gaussian_alpha` does so for Gaussians.

    Parameters
    ----------
    p, q : array_like
        Probabilities along the last axis.
    alpha : float
        Any real order in [0, 1]. (The formula also holds outside [0, 1], where
        it is infinite whenever a support is missed; this function keeps to [0, 1].)

    Returns
    -------
    float or ndarray
        ``>= 0``. At α = 0 and 1 it is a KL divergence in nats; in between it is a
        number without a unit (a power sum, not a log), finite whatever the supports.
        ``inf`` only at α = 1 (α = 0) when q (p) misses an outcome of the other.

    Examples
    --------
    >>> p, q = [0.5, 0.5], [0.25, 0.75]
    >>> round(alpha_divergence(p, q, 0.5) / 4, 6) == round(f_divergence(p, q, "hellinger"), 6)
    True
    >>> round(alpha_divergence(p, q, 0.0), 6) == round(kl_divergence(q, p), 6)
    True
    """
    a = unit_order(alpha)
    p, q = as_pair(p, q)
    if a == 1.0:
        return kl_divergence(p, q)
    if a < TINY_ORDER:  # alpha = 0, or so close that the limit is exact
        return kl_divergence(q, p)
    # A sum of non-negative terms: no cancellation when p is close to q or a to 0 or 1.
    return scalar_or_array(power_excess(p, q, a) + 0.0)
