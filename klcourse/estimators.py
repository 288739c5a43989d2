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

from typing import Any

import numpy as np

ESTIMATORS = ("k1", "k2", "k3")


def estimate_kl(log_p: Any, log_q: Any, estimator: str = "k3") -> Any:
    r"""Per-sample estimates of KL(p‖q) at samples ``x ~ p``.

    Parameters
    ----------
    log_p, log_q : array_like or torch.Tensor
        ``log p(x)`` and ``log q(x)`` at the same samples drawn from ``p``.
        NumPy in gives NumPy out; a torch tensor in gives a tensor out (and
        gradients flow through it).
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
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {ESTIMATORS}, got {estimator!r}")
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is optional for this module
        torch = None
    if torch is not None and (isinstance(log_p, torch.Tensor) or isinstance(log_q, torch.Tensor)):
        log_p, log_q = torch.as_tensor(log_p), torch.as_tensor(log_q)
        if log_p.shape != log_q.shape:
            raise ValueError(f"log_p and log_q differ in shape: {log_p.shape} and {log_q.shape}")
        log_r = log_q - log_p
        expm1 = torch.expm1
    else:
        log_p, log_q = np.asarray(log_p, dtype=float), np.asarray(log_q, dtype=float)
        if log_p.shape != log_q.shape:
            raise ValueError(f"log_p and log_q differ in shape: {log_p.shape} and {log_q.shape}")
        log_r = log_q - log_p
        expm1 = np.expm1
    if estimator == "k1":
        return -log_r
    if estimator == "k2":
        return 0.5 * log_r**2
    return expm1(log_r) - log_r  # r - 1 - log r, accurate when r is near 1
