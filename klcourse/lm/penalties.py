"""The KL terms of RL post-training libraries, written out: per-token penalties, the
adaptive KL coefficient, and the DPO loss.

Every library samples the response y from the policy π and compares log π(y_t | y_<t)
with the reference's log π_ref(y_t | y_<t) at each sampled token. What it does with the
comparison differs (chapter 8 maps the knobs):

- :func:`kl_penalty` computes the per-token value (k1, k2, k3 or abs; clamped or not;
  with the straight-through gradient that verl calls "+");
- :class:`AdaptiveKLController` adapts the coefficient towards a target KL
  (Ziegler et al., 2019), as verl and OpenRLHF implement it;
- :func:`dpo_loss` is the DPO loss on sequence log-probabilities.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from klcourse._checks import integer, real_number
from klcourse.estimators import estimate_kl

KINDS = ("k1", "k2", "k3", "abs")


def kl_penalty(
    logp: torch.Tensor,
    ref_logp: torch.Tensor,
    kind: str = "k1",
    straight_through: bool = False,
    clamp: tuple[float, float] | None = None,
) -> torch.Tensor:
    r"""Per-token KL penalty at tokens sampled from the policy, as RL libraries compute it.

    With :math:`\log r = \log\pi_{\text{ref}} - \log\pi` at each token,

    .. math::

        \begin{aligned}
        &k_1 = -\log r, \quad k_2 = \tfrac12 (\log r)^2, \\
        &k_3 = r - 1 - \log r, \quad \text{abs} = |\log r|.
        \end{aligned}

    k1 and k3 average to :math:`D_{KL}(\pi\,\|\,\pi_{\text{ref}})` per token; k2 and abs
    do not. As a *loss*, differentiated as it stands, their expected gradients differ
    again (chapter 8).

    Parameters
    ----------
    logp, ref_logp : torch.Tensor
        Log-probabilities of the sampled tokens under the policy and the reference,
        floating-point tensors of one shape.
    kind : str
        ``"k1"``, ``"k2"``, ``"k3"`` or ``"abs"``.
    straight_through : bool
        If true, the value is ``kind``'s but the gradient is k2's,
        :math:`(\log\pi - \log\pi_{\text{ref}})\nabla\log\pi` (verl's ``"k3+"`` and
        its kin: ``k2 - k2.detach() + value.detach()``).
    clamp : (float, float), optional
        Bounds applied to the value (verl clamps k3 to (-10, 10), OpenRLHF every kind);
        a clamped token has zero gradient.

    Returns
    -------
    torch.Tensor
        One value per token, the shape of ``logp``.

    Raises
    ------
    ValueError
        If ``kind`` is unknown, the shapes differ, or ``clamp`` is not ordered.
    TypeError
        If the inputs are not floating-point tensors or ``straight_through`` is not a bool.

    Examples
    --------
    >>> import torch
    >>> logp, ref = torch.log(torch.tensor([0.5, 0.25])), torch.log(torch.tensor([0.25, 0.5]))
    >>> kl_penalty(logp, ref, "k1")
    tensor([ 0.6931, -0.6931])
    >>> kl_penalty(logp, ref, "k3")
    tensor([0.1931, 0.3069])
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if not isinstance(straight_through, bool):
        raise TypeError(f"straight_through must be a bool, got {straight_through!r}")
    for name, x in (("logp", logp), ("ref_logp", ref_logp)):
        if not isinstance(x, torch.Tensor) or not x.is_floating_point():
            raise TypeError(f"{name} must be a floating-point tensor, got {x!r}")
    if kind == "abs":
        value = (logp - ref_logp).abs()
    else:
        value = estimate_kl(logp, ref_logp, kind)  # samples from the policy: D(pi || ref)
    if clamp is not None:
        low, high = (real_number(c, "clamp") for c in clamp)
        if not low < high:
            raise ValueError(f"clamp must be (low, high) with low < high, got {clamp!r}")
        value = value.clamp(low, high)
    if not straight_through:
        return value
    k2 = estimate_kl(logp, ref_logp, "k2")
    return k2 - k2.detach() + value.detach()


@dataclass
class AdaptiveKLController:
    """The KL coefficient of Ziegler et al. (2019), as verl and OpenRLHF update it.

    After a batch of ``n_steps`` responses whose penalty averages ``current_kl`` per
    token (verl and OpenRLHF take the mean over each response's tokens, then over the
    batch: ``target`` is a per-token KL),

    .. math:: \\beta \\leftarrow \\beta\\Big(1 + \\mathrm{clip}\\big(\\tfrac{\\mathrm{KL}}
        {\\mathrm{target}} - 1, -0.2, 0.2\\big) \\frac{n}{\\text{horizon}}\\Big).

    It raises β while the KL is above the target and lowers it below: it steers the
    KL's *value* to the target, whatever the estimator's gradient does.
    """

    value: float
    target: float
    horizon: int

    def __post_init__(self) -> None:
        for name in ("value", "target"):
            v = real_number(getattr(self, name), name)
            if not (v > 0 and math.isfinite(v)):
                raise ValueError(f"{name} must be finite and > 0, got {v!r}")
        self.horizon = integer(self.horizon, "horizon", minimum=1)

    def update(self, current_kl: float, n_steps: int) -> float:
        """Update and return the coefficient."""
        kl = real_number(current_kl, "current_kl")
        n = integer(n_steps, "n_steps", minimum=1)
        error = min(max(kl / self.target - 1, -0.2), 0.2)
        self.value *= 1 + error * n / self.horizon
        return self.value


def dpo_loss(
    chosen_logp: torch.Tensor,
    rejected_logp: torch.Tensor,
    ref_chosen_logp: torch.Tensor,
    ref_rejected_logp: torch.Tensor,
    beta: float,
) -> torch.Tensor:
    r"""DPO's loss per preference pair (Rafailov et al., 2023), in nats.

    .. math::

        \begin{aligned}
        -\log\sigma\Big(\beta\big[&(\log\pi(y_w) - \log\pi_{\text{ref}}(y_w)) \\
            &- (\log\pi(y_l) - \log\pi_{\text{ref}}(y_l))\big]\Big)
        \end{aligned}

    with :math:`y_w` the chosen and :math:`y_l` the rejected response (log-probabilities
    of whole sequences). Its minimiser, when preferences follow a Bradley-Terry model
    of a reward r, is the KL-regularised optimum :math:`\pi^\ast \propto
    \pi_{\text{ref}} e^{r/\beta}` (chapter 8). ``beta`` is finite and > 0.
    """
    b = real_number(beta, "beta")
    if not (b > 0 and math.isfinite(b)):
        raise ValueError(f"beta must be finite and > 0, got {beta!r}")
    margin = (chosen_logp - ref_chosen_logp) - (rejected_logp - ref_rejected_logp)
    return -torch.nn.functional.logsigmoid(b * margin)
