r"""The sum :math:`\sum_x p^a q^{1-a}` behind Rényi's and Amari's divergences, without
cancellation.

Both divergences are functions of :math:`S_a = \sum_x p(x)^a q(x)^{1-a}`, and both need
:math:`S_a - 1`, which is tiny when p is close to q or a is close to 0 or 1. This
module computes it as a sum of non-negative terms,

.. math::

    G_a = \frac{S_a - 1}{a(a-1)} = \sum_x q\, g_a(p/q), \qquad
    g_a(t) = \frac{t^a - a t - (1 - a)}{a(a - 1)} \ge 0,

(``g_a`` is convex with ``g_a(1) = g_a'(1) = 0``, for every ``a > 0`` but 1), each term in
a form that keeps its digits:

* for ``|u| max(1, a) <= 1e-3``, with ``u = (p - q)/q``, the series
  :math:`q u^2 [\frac12 + \frac{a-2}{6}u + \frac{(a-2)(a-3)}{24}u^2
  + \frac{(a-2)(a-3)(a-4)}{120}u^3]`;
* elsewhere :math:`q\,\mathrm{expm1}(a\ell) - a(p - q)` for ``a <= 1/2`` and
  :math:`p\,\mathrm{expm1}((a-1)\ell) - (a-1)(p - q)` for ``a > 1/2``, divided by
  ``a(a - 1)``, with ``l = log p - log q`` (``log1p(u)`` for ``-1/2 <= u <= 1``, where
  ``u`` is exact to rounding because ``p - q`` is): both terms
  carry the factor ``a`` (or ``a - 1``) that the division removes;
* ``q/a`` where ``p = 0``; ``p/(1 - a)`` (``a < 1``) or ``inf`` (``a > 1``) where ``q = 0``.

Amari's divergence is :math:`G_a` itself; Rényi's is :math:`\log(1 + a(a-1)G_a)/(a-1)`
while :math:`S_a` is near 1. Far from 1 (where :math:`1 + a(a-1)G_a` would cancel, or
overflow for large a and tiny q) there is nothing to lose: :func:`log_power_sum` gives
:math:`\log S_a` from a shifted log-sum-exp.
"""

from __future__ import annotations

import numpy as np

#: Below this order a power sum's limit at a -> 0 is exact to double precision (and
#: a * x would be subnormal): callers use the a = 0 value there.
TINY_ORDER = 1e-300


def shifted_expm1(
    w: np.ndarray, c: float, ell: np.ndarray, log_w: np.ndarray | None = None
) -> np.ndarray:
    """``w * expm1(c * ell)`` for ``w >= 0``, by ``exp(c ell + log w) - w`` where ``expm1``
    would overflow; ``log_w`` may be given when ``w`` itself has underflowed to 0."""
    x = c * ell
    if log_w is None:
        log_w = np.log(w)  # -inf for w = 0: the term is then 0, not exp(c ell)
    safe = np.where(x > 700, 0.0, x)
    tail = x + log_w
    big = np.where(tail > 709.0, np.inf, np.exp(np.minimum(tail, 709.0)) - w)
    return np.where(x > 700, big, w * np.expm1(safe))


def power_excess(p: np.ndarray, q: np.ndarray, a: float) -> np.ndarray:
    r""":math:`G_a = \sum_x q\,g_a(p/q) \ge 0` along the last axis, for ``a > 0``, ``a != 1``.

    ``inf`` where a term is infinite (``q = 0 < p`` with ``a > 1``) or beyond the float
    range.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        pos_q = q > 0
        u = np.where(pos_q, (p - q) / np.where(pos_q, q, 1.0), 0.0)
        au = np.abs(u)
        small = pos_q & (au * max(1.0, a) <= 1e-3)
        series = (
            q
            * u
            * u
            * (
                0.5
                + u
                * (
                    (a - 2) / 6
                    + u * ((a - 2) * (a - 3) / 24 + u * ((a - 2) * (a - 3) * (a - 4) / 120))
                )
            )
        )
        near = (u >= -0.5) & (u <= 1.0)
        ell = np.where(
            near,
            np.log1p(np.where(near, u, 0.0)),
            np.log(np.where(p > 0, p, 1.0)) - np.log(np.where(pos_q, q, 1.0)),
        )
        if a <= 0.5:
            numerator = shifted_expm1(q, a, ell) - a * (p - q)
        else:
            numerator = shifted_expm1(p, a - 1.0, ell) - (a - 1.0) * (p - q)
        general = numerator / (a * (a - 1.0))
        zero_q = p / (1.0 - a) if a < 1 else np.where(p > 0, np.inf, 0.0)
        terms = np.select(
            [~pos_q, p == 0, small],
            [zero_q, q / a, series],
            general,
        )
        terms = np.where(np.isnan(terms), np.inf, terms)  # inf - inf of two huge parts
    return np.maximum(terms, 0.0).sum(axis=-1)


def log_power_sum(p: np.ndarray, q: np.ndarray, t: float) -> np.ndarray:
    r""":math:`\frac1t\log S_{1+t} = \frac1t\log\sum_{x: p > 0} p\,(p/q)^t` along the last
    axis, for ``t != 0``: Rényi's divergence of order ``1 + t``.

    A log-sum-exp shifted by its largest exponent. For ``t > 0`` the shift is taken out of
    the log-ratio before it is multiplied by ``t``, and added back after the division, so
    that neither a huge ``t`` nor a huge ratio overflows. Divided by ``sum p`` (1 up to the
    input's rounding).
    """
    support = p > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_p = np.log(np.where(support, p, 1.0))
        ell = np.where(support, log_p - np.log(q), -np.inf)
        top = ell.max(axis=-1, keepdims=True)
        anchor = np.where(np.isfinite(top), top, 0.0) if t > 0 else np.zeros_like(top)
        # |t| < 1 when t < 0, so t * ell cannot overflow; q = 0 then gives a zero term
        exponent = np.where(support, log_p + t * (ell - anchor), -np.inf)
        peak = exponent.max(axis=-1, keepdims=True)
        shift = np.where(np.isfinite(peak), peak, 0.0)
        total = np.exp(exponent - shift).sum(axis=-1) / p.sum(axis=-1)
        out = anchor[..., 0] + (shift[..., 0] + np.log(total)) / t
        if t > 0:
            out = np.where(np.isposinf(top[..., 0]), np.inf, out)
    return out
