"""Monte Carlo estimators of KL(p‖q) from samples of p: k1, k2, k3.

**Convention.** Samples come from the *first* argument, ``x ~ p``, and the
estimators target :math:`D_{KL}(p \\,\\|\\, q)`. With the log-ratio

.. math:: \\log r = \\log q(x) - \\log p(x)

the per-sample estimates are

* ``k1 = -log r`` — unbiased, can be negative, high variance when p ≈ q;
* ``k2 = (log r)^2 / 2`` — biased, always >= 0, low variance when p ≈ q;
* ``k3 = (r - 1) - log r`` — unbiased (because :math:`E_p[r] = 1`) and always >= 0.

Blog posts and RL libraries often sample from the *model* and write the ratio the
other way round; when reading them, ask which distribution the samples come from.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from klcourse._checks import real_array

ESTIMATORS = ("k1", "k2", "k3")


def estimate_kl(log_p: Any, log_q: Any, estimator: str = "k3") -> Any:
    r"""Per-sample estimates of KL(p‖q) at samples ``x ~ p``.

    Parameters
    ----------
    log_p, log_q : array_like or torch.Tensor
        ``log p(x)`` and ``log q(x)`` at the same samples drawn from ``p``: real
        arrays (or lists) of one shape, or floating-point torch tensors. NumPy in
        gives float64 NumPy out; a tensor in either argument gives a tensor out
        (gradients flow through it). ``log_q = -inf`` (q rules out a sample of p)
        gives ``inf``; NaN, ``+inf``, or ``log_p = -inf`` (impossible for a sample of
        p) raise ``ValueError``; strings, booleans and complex values raise ``TypeError``.
    estimator : str
        ``"k1"``, ``"k2"`` or ``"k3"`` (see the module docstring); the average
        over the samples estimates :math:`D_{KL}(p\,\|\,q)`.

    Returns
    -------
    ndarray or torch.Tensor
        One estimate per sample, with the shape of ``log_p``.

    Examples
    --------
    >>> import numpy as np
    >>> log_p, log_q = np.log([0.5, 0.5]), np.log([0.25, 0.75])
    >>> estimate_kl(log_p, log_q, "k1").round(4)
    array([ 0.6931, -0.4055])
    >>> estimate_kl(log_p, log_q, "k3").round(4)
    array([0.1931, 0.0945])
    """
    if not isinstance(estimator, str) or estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {ESTIMATORS}, got {estimator!r}")
    torch = sys.modules.get("torch")  # a tensor argument means torch is imported already
    if torch is not None and (isinstance(log_p, torch.Tensor) or isinstance(log_q, torch.Tensor)):
        log_p, log_q = _torch_log_densities(torch, log_p, log_q)
        log_r = log_q - log_p
        expm1 = torch.expm1
    else:
        log_p, log_q = _numpy_log_densities(log_p, log_q)
        log_r = log_q - log_p
        expm1 = np.expm1
    with np.errstate(over="ignore"):  # r beyond the float range: inf, as it should
        if estimator == "k1":
            return -log_r
        if estimator == "k2":
            return 0.5 * log_r**2
        return expm1(log_r) - log_r  # r - 1 - log r, accurate when r is near 1


def _check_log_densities(log_p, log_q, isnan, isposinf, isneginf) -> None:
    if log_p.shape != log_q.shape:
        raise ValueError(f"log_p and log_q differ in shape: {log_p.shape} and {log_q.shape}")
    for name, x in (("log_p", log_p), ("log_q", log_q)):
        if bool(isnan(x).any()) or bool(isposinf(x).any()):
            raise ValueError(f"{name} holds NaN or +inf; log-densities must be < inf")
    if bool(isneginf(log_p).any()):
        raise ValueError("log_p holds -inf: a sample drawn from p has p(x) > 0")


def _numpy_log_densities(log_p, log_q):
    log_p, _ = real_array(log_p, "log_p")
    log_q, _ = real_array(log_q, "log_q")
    _check_log_densities(log_p, log_q, np.isnan, np.isposinf, np.isneginf)
    return log_p, log_q


def _torch_log_densities(torch, log_p, log_q):
    for name, x in (("log_p", log_p), ("log_q", log_q)):
        if isinstance(x, torch.Tensor) and not x.is_floating_point():
            raise TypeError(f"{name} must be a floating-point tensor, got dtype {x.dtype}")
    other = log_p if isinstance(log_p, torch.Tensor) else log_q
    log_p = log_p if isinstance(log_p, torch.Tensor) else _as_tensor(torch, log_p, other, "log_p")
    log_q = log_q if isinstance(log_q, torch.Tensor) else _as_tensor(torch, log_q, other, "log_q")
    _check_log_densities(log_p, log_q, torch.isnan, torch.isposinf, torch.isneginf)
    return log_p, log_q


def _as_tensor(torch, x, like, name):
    values, _ = real_array(x, name)
    return torch.as_tensor(values, dtype=like.dtype, device=like.device)
