"""The closed-form optimum of KL-regularised reward maximisation."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import logsumexp

from klcourse._checks import as_distribution, finite, real_number


def kl_regularized_optimum(ref_probs: ArrayLike, rewards: ArrayLike, beta: float) -> np.ndarray:
    r"""The policy maximising :math:`\mathbb{E}_\pi[r] - \beta\, D_{KL}(\pi \,\|\, \pi_{ref})`.

    .. math::

        \pi^\ast(y) = \frac{\pi_{ref}(y) e^{r(y)/\beta}}{\sum_{y'} \pi_{ref}(y') e^{r(y')/\beta}}

    Computed in log space with the rewards shifted by their maximum over the
    reference's support, :math:`\log\pi_{ref}(y) + (r(y) - r_{max})/\beta`, then
    normalised with ``logsumexp``. The shift makes every exponent ``<= 0``, so
    nothing overflows whatever ``r / beta`` is, a constant added to all rewards
    changes nothing (as it should), and the small probabilities keep their digits.
    Outcomes with ``ref_probs = 0`` keep probability 0 (the KL penalty forbids them).
    As ``beta -> 0`` the result tends to the best-reward outcomes of the support,
    ties split in proportion to the reference; at any ``beta`` the result sums to 1.

    Parameters
    ----------
    ref_probs : array_like
        Reference policy over the outcomes (last axis), summing to 1; leading axes
        are a batch.
    rewards : array_like
        Finite reward of each outcome; broadcasts against ``ref_probs``.
    beta : float
        KL coefficient: a finite real number > 0 (Python, NumPy or a 0-d tensor).

    Returns
    -------
    ndarray
        :math:`\pi^\ast`, float64, the shape of ``ref_probs``.

    Raises
    ------
    TypeError
        If an argument is not real (strings, booleans, complex numbers).
    ValueError
        If ``ref_probs`` is not a distribution, a reward is not finite, ``beta`` is
        not finite and positive, or the shapes do not broadcast.

    Examples
    --------
    >>> kl_regularized_optimum([0.5, 0.5], [0.0, 1.0], beta=1.0).round(4)
    array([0.2689, 0.7311])
    >>> kl_regularized_optimum([0.5, 0.5], [0.0, 1000.0], beta=0.01)
    array([0., 1.])
    >>> kl_regularized_optimum([0.2, 0.3, 0.5], [1.0, 1.0, 0.0], beta=1e-17)  # ties
    array([0.4, 0.6, 0. ])
    """
    ref = as_distribution(ref_probs, "ref_probs")
    r = finite(rewards, "rewards")
    b = real_number(beta, "beta")
    if not math.isfinite(b) or b <= 0:
        raise ValueError(f"beta must be finite and > 0, got {beta!r}")
    try:
        r = np.broadcast_to(r, np.broadcast_shapes(r.shape, ref.shape))
        ref = np.broadcast_to(ref, r.shape)
    except ValueError as exc:
        raise ValueError(f"rewards of shape {r.shape} do not match ref_probs {ref.shape}") from exc
    support = ref > 0
    best = np.max(r, axis=-1, keepdims=True, initial=-np.inf, where=support)
    with np.errstate(divide="ignore", over="ignore"):
        # r - best <= 0 on the support, so the exponent is <= log ref: no overflow
        logits = np.where(support, np.log(np.where(support, ref, 1.0)) + (r - best) / b, -np.inf)
    return np.exp(logits - logsumexp(logits, axis=-1, keepdims=True))
