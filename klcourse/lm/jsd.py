"""The generalized Jensen-Shannon divergence between two sets of next-token logits.

GKD (Agarwal et al., 2024) trains a student on a divergence that runs between the two
directions of KL. With the mixture :math:`m = \\beta p + (1-\\beta) q`,

.. math:: \\mathrm{JSD}_\\beta(p \\,\\|\\, q) = \\beta\\, D_{KL}(p \\,\\|\\, m)
    + (1-\\beta)\\, D_{KL}(q \\,\\|\\, m).

Both terms are finite whatever the supports (m covers both), and the whole is at most
the binary entropy of β. For small β it is β·D(p‖q) to first order, for β near 1
(1 − β)·D(q‖p); at β = 1/2 it is the Jensen-Shannon divergence. At β = 0 and 1 the
formula is 0; like TRL, :func:`generalized_jsd` returns the plain KLs there.
"""

from __future__ import annotations

import math

import torch

from klcourse._checks import real_number
from klcourse.lm.token_kl import _log_softmax, check_logit_pair, token_kl


def check_beta(beta: object) -> float:
    """``beta`` as a float in [0, 1] (the mixture weight of the teacher)."""
    b = real_number(beta, "beta")
    if not 0 <= b <= 1:
        raise ValueError(f"beta must lie in [0, 1], got {beta!r}")
    return b


def generalized_jsd(
    p_logits: torch.Tensor, q_logits: torch.Tensor, beta: float, temperature: float = 1.0
) -> torch.Tensor:
    r"""Per-position generalized Jensen-Shannon divergence of two sets of logits, in nats.

    With :math:`P = \mathrm{softmax}(p/T)`, :math:`Q = \mathrm{softmax}(q/T)` and
    :math:`M = \beta P + (1-\beta) Q`,

    .. math::

        \begin{aligned}
        &\mathrm{JSD}_\beta(P \,\|\, Q) = \beta D_{KL}(P \,\|\, M) \\
            &\qquad {}+ (1-\beta) D_{KL}(Q \,\|\, M), \qquad 0 < \beta < 1,
        \end{aligned}

    and, as in TRL, the plain KLs at the endpoints: :math:`D_{KL}(P\|Q)` at β = 0 and
    :math:`D_{KL}(Q\|P)` at β = 1. With p the teacher and q the student this is TRL's
    ``GKDTrainer.generalized_jsd_loss(student_logits, teacher_logits, beta=beta,
    temperature=temperature)`` before its reduction (a sum over the vocabulary).

    The endpoints are jumps, not limits: the formula tends to 0 as β → 0 or 1, like
    :math:`\beta D_{KL}(P\|Q)` and :math:`(1-\beta) D_{KL}(Q\|P)` to first order. Near
    them β scales the loss as much as it chooses a direction.

    Parameters
    ----------
    p_logits, q_logits : torch.Tensor
        Floating-point logits of the same shape ``(..., V)``, as for
        :func:`klcourse.lm.token_kl`: ``-inf`` masks a token, but every position
        needs at least one unmasked token in each.
    beta : float
        The weight of p in the mixture, in [0, 1].
    temperature : float
        Both sets of logits are divided by it first; finite and > 0.

    Returns
    -------
    torch.Tensor
        Shape ``p_logits.shape[:-1]``; differentiable in both inputs. For 0 < β < 1
        between 0 and :math:`-\beta\log\beta - (1-\beta)\log(1-\beta)`, finite
        whatever the supports.

    Raises
    ------
    TypeError
        If ``beta`` or ``temperature`` is not a real number, or the logits are not
        floating-point tensors.
    ValueError
        If ``beta`` is outside [0, 1], ``temperature`` is not finite and > 0, a
        position is masked entirely, or the logits are invalid for
        :func:`klcourse.lm.token_kl`.

    Examples
    --------
    >>> import torch
    >>> p = torch.tensor([0.0, float("-inf")])  # all mass on token 0
    >>> q = torch.tensor([float("-inf"), 0.0])  # all mass on token 1
    >>> round(float(generalized_jsd(p, q, 0.5)), 6)  # disjoint supports: log 2
    0.693147
    >>> float(generalized_jsd(p, q, 0.0))  # beta = 0: D(P || Q)
    inf
    """
    b = check_beta(beta)
    t = real_number(temperature, "temperature")
    if not (t > 0 and math.isfinite(t)):
        raise ValueError(f"temperature must be finite and > 0, got {temperature!r}")
    dtype = check_logit_pair(p_logits, q_logits)
    for name, x in (("p_logits", p_logits), ("q_logits", q_logits)):
        if bool(torch.isneginf(x).all(-1).any()):
            raise ValueError(f"{name} masks every token at some position: no distribution")
    if t != 1:
        p_logits, q_logits = p_logits / t, q_logits / t
    if b == 0:
        return token_kl(p_logits, q_logits)
    if b == 1:
        return token_kl(q_logits, p_logits)
    log_p, log_q = _log_softmax(p_logits, dtype), _log_softmax(q_logits, dtype)
    mixture = torch.logaddexp(log_p + math.log(b), log_q + math.log1p(-b))
    return b * token_kl(log_p, mixture) + (1 - b) * token_kl(log_q, mixture)
