"""The generalized Jensen-Shannon divergence between two sets of next-token logits.

GKD (Agarwal et al., 2024) trains a student on a divergence that runs between the two
directions of KL. With the mixture :math:`m = \\beta p + (1-\\beta) q`,

.. math:: \\mathrm{JSD}_\\beta(p \\,\\|\\, q) = \\beta\\, D_{KL}(p \\,\\|\\, m)
    + (1-\\beta)\\, D_{KL}(q \\,\\|\\, m).

Both terms are finite whatever the supports (m covers both), and the whole is at most
the binary entropy of β. For small β it is β·D(p‖q) to first order, for β near 1
(1 − β)·D(q‖p); at β = 1/2 it is the Jensen-Shannon divergence.
"""

from __future__ import annotations

import math

import torch

from klcourse._checks import real_number
from klcourse.lm.token_kl import _log_softmax, check_logit_pair, token_kl


def generalized_jsd(p_logits: torch.Tensor, q_logits: torch.Tensor, beta: float) -> torch.Tensor:
    r"""Per-position :math:`\mathrm{JSD}_\beta(\mathrm{softmax}(p) \,\|\, \mathrm{softmax}(q))`.

    .. math:: \mathrm{JSD}_\beta(P \,\|\, Q) = \beta D_{KL}(P \,\|\, M)
        + (1-\beta) D_{KL}(Q \,\|\, M), \quad M = \beta P + (1-\beta) Q

    With p the teacher and q the student, this is TRL's
    ``GKDTrainer.generalized_jsd_loss(student_logits, teacher_logits, beta)`` for
    0 < β < 1, before its reduction. At β = 0 and β = 1 the formula is identically 0
    (M equals one of the two); TRL uses the plain KLs there, D(teacher‖student) and
    D(student‖teacher), which :func:`klcourse.lm.token_kl` computes.

    Parameters
    ----------
    p_logits, q_logits : torch.Tensor
        Floating-point logits of the same shape ``(..., V)``, as for
        :func:`klcourse.lm.token_kl`: ``-inf`` masks a token, but every position
        needs at least one unmasked token in each.
    beta : float
        The weight of p in the mixture, strictly between 0 and 1.

    Returns
    -------
    torch.Tensor
        Shape ``p_logits.shape[:-1]``, in nats, between 0 and
        :math:`-\beta\log\beta - (1-\beta)\log(1-\beta)`; differentiable in both inputs.

    Raises
    ------
    TypeError
        If ``beta`` is not a real number, or the logits are not floating-point tensors.
    ValueError
        If ``beta`` is not strictly between 0 and 1, a position is masked entirely,
        or the logits are invalid for :func:`klcourse.lm.token_kl`.

    Examples
    --------
    >>> import torch
    >>> p = torch.tensor([0.0, float("-inf")])  # all mass on token 0
    >>> q = torch.tensor([float("-inf"), 0.0])  # all mass on token 1
    >>> round(float(generalized_jsd(p, q, 0.5)), 6)  # disjoint supports: log 2
    0.693147
    """
    b = real_number(beta, "beta")
    if not 0 < b < 1:
        raise ValueError(
            f"beta must lie strictly between 0 and 1, got {beta!r} (at 0 and 1 use "
            "token_kl: the formula is 0 there)"
        )
    dtype = check_logit_pair(p_logits, q_logits)
    for name, x in (("p_logits", p_logits), ("q_logits", q_logits)):
        if bool(torch.isneginf(x).all(-1).any()):
            raise ValueError(f"{name} masks every token at some position: no distribution")
    log_p, log_q = _log_softmax(p_logits, dtype), _log_softmax(q_logits, dtype)
    mixture = torch.logaddexp(log_p + math.log(b), log_q + math.log1p(-b))
    return b * token_kl(log_p, mixture) + (1 - b) * token_kl(log_q, mixture)
