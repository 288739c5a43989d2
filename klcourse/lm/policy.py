"""The closed-form optimum of KL-regularised reward maximisation."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import logsumexp

from klcourse._checks import as_distribution


def kl_regularized_optimum(ref_probs: ArrayLike, rewards: ArrayLike, beta: float) -> np.ndarray:
    r"""The policy maximising :math:`\mathbb{E}_\pi[r] - \beta\, D_{KL}(\pi \,\|\, \pi_{ref})`.

    .. math::

        \pi^\ast(y) = \frac{\pi_{ref}(y) e^{r(y)/\beta}}{\sum_{y'} \pi_{ref}(y') e^{r(y')/\beta}}

    Computed in log space (``logsumexp``), so that large ``r / beta`` neither
    overflows nor loses the small probabilities. Outcomes with ``ref_probs = 0``
    keep probability 0 (the KL penalty forbids them).

    Parameters
    ----------
    ref_probs : array_like
        Reference policy over the outcomes (last axis), summing to 1.
    rewards : array_like
        Reward of each outcome; broadcasts against ``ref_probs``.
    beta : float
        KL coefficient, > 0. Small beta → the best-reward outcome; large → the reference.

    Examples
    --------
    >>> kl_regularized_optimum([0.5, 0.5], [0.0, 1.0], beta=1.0).round(4)
    array([0.2689, 0.7311])
    >>> kl_regularized_optimum([0.5, 0.5], [0.0, 1000.0], beta=0.01)
    array([0., 1.])
    """
    ref = as_distribution(ref_probs, "ref_probs")
    r = np.asarray(rewards, dtype=float)
    if not np.all(np.isfinite(r)):
        raise ValueError(f"rewards must be finite, got {r}")
    if not np.isfinite(beta) or beta <= 0:
        raise ValueError(f"beta must be finite and > 0, got {beta!r}")
    try:
        r = np.broadcast_to(r, ref.shape)
    except ValueError as exc:
        raise ValueError(f"rewards of shape {r.shape} do not match ref_probs {ref.shape}") from exc
    with np.errstate(divide="ignore"):
        logits = np.log(ref) + r / beta
    return np.exp(logits - logsumexp(logits, axis=-1, keepdims=True))
