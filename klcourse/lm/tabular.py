"""A two-token tabular policy, and what a sampled loss does *on average*, exactly.

RL libraries compute a loss on responses sampled from the policy and differentiate it
as it stands: the sample itself carries no gradient. Averaged over infinitely many
samples, the gradient they follow is

.. math:: g(\\theta) = \\sum_y \\pi_\\theta(y)\\,\\nabla_\\theta \\ell_\\theta(y)

with the weights :math:`\\pi_\\theta(y)` held fixed. On a policy over few enough
sequences this is a finite sum: :func:`expected_gradient` computes it, and
:func:`fixed_point` follows it to where it vanishes, the point such a loss trains to.
Comparing with the gradient and the optimum of a known objective says which objective
a library's loss really optimises (chapter 8).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from klcourse._checks import integer, real_number
from klcourse.lm import _args

#: ``loss(policy) -> (S,)``: a loss for each of the policy's S sequences, computed from
#: the policy (its ``token_logp()``, ``next_logits()``) as a library computes it on a
#: sampled sequence.
SequenceLoss = Callable[["TabularPolicy"], torch.Tensor]


class TabularPolicy(torch.nn.Module):
    """π(y1) π(y2 | y1) over ``k`` tokens, one free logit per entry (float64).

    Every distribution over the ``k * k`` sequences has such a form, so an optimum over
    sequences is an optimum over these parameters. ``logits1`` (k,) and ``logits2``
    (k, k) default to zeros (the uniform policy).

    Examples
    --------
    >>> policy = TabularPolicy(3)
    >>> policy.probs().sum().item(), policy.sequences().shape
    (1.0, torch.Size([9, 2]))
    """

    def __init__(
        self, k: int, logits1: torch.Tensor | None = None, logits2: torch.Tensor | None = None
    ) -> None:
        super().__init__()
        k = integer(k, "k", minimum=2)
        one = torch.zeros(k, dtype=torch.float64) if logits1 is None else logits1
        two = torch.zeros(k, k, dtype=torch.float64) if logits2 is None else logits2
        for name, x, shape in (("logits1", one, (k,)), ("logits2", two, (k, k))):
            if not isinstance(x, torch.Tensor) or tuple(x.shape) != shape:
                raise ValueError(f"{name} must be a tensor of shape {shape}, got {x!r}")
        self.k = k
        self.logits1 = torch.nn.Parameter(one.detach().clone().double())
        self.logits2 = torch.nn.Parameter(two.detach().clone().double())

    def sequences(self) -> torch.Tensor:
        """Every sequence (y1, y2), (k * k, 2), y1-major."""
        grid = torch.arange(self.k)
        return torch.stack(torch.meshgrid(grid, grid, indexing="ij"), -1).reshape(-1, 2)

    def token_logp(self) -> torch.Tensor:
        """log π(y1) and log π(y2 | y1) for every sequence, (k * k, 2)."""
        ids = self.sequences()
        first = torch.log_softmax(self.logits1, 0)[ids[:, 0]]
        second = torch.log_softmax(self.logits2, -1)[ids[:, 0], ids[:, 1]]
        return torch.stack([first, second], -1)

    def probs(self) -> torch.Tensor:
        """π(y) for every sequence, (k * k,)."""
        return self.token_logp().sum(-1).exp()

    def next_logits(self) -> torch.Tensor:
        """The logits of each position's whole next-token distribution along every
        sequence, (k * k, 2, k): ``logits1`` first, then the row of ``logits2`` for y1."""
        ids = self.sequences()
        first = self.logits1.expand(ids.shape[0], -1)
        return torch.stack([first, self.logits2[ids[:, 0]]], 1)


def _flat_grad(policy: TabularPolicy, value: torch.Tensor) -> torch.Tensor:
    g1, g2 = torch.autograd.grad(value, [policy.logits1, policy.logits2])
    return torch.cat([g1.flatten(), g2.flatten()])


def expected_gradient(
    policy: TabularPolicy, loss: SequenceLoss, sampler: torch.Tensor | None = None
) -> torch.Tensor:
    """:math:`\\sum_y w(y) \\nabla \\ell(y)` with the weights held fixed, flattened over
    ``(logits1, logits2)``: the average gradient of ``loss`` on sampled sequences.

    The weights are the policy's own probabilities, or ``sampler`` (the probabilities
    of the k * k sequences under another policy that drew the samples, off-policy).
    """
    _args.instance(policy, TabularPolicy, "policy")
    values = loss(policy)
    if not isinstance(values, torch.Tensor) or values.shape != (policy.k**2,):
        raise ValueError(f"loss must return one value per sequence, shape ({policy.k**2},)")
    if sampler is None:
        weights = policy.probs().detach()
    else:
        weights = torch.as_tensor(sampler, dtype=torch.float64)
        if weights.shape != (policy.k**2,) or bool((weights < 0).any()):
            raise ValueError(f"sampler must hold {policy.k**2} probabilities, got {sampler!r}")
    return _flat_grad(policy, (weights * values).sum())


def objective_gradient(policy: TabularPolicy, objective: Callable) -> torch.Tensor:
    """The gradient of ``objective(policy) -> scalar``, flattened like
    :func:`expected_gradient`."""
    _args.instance(policy, TabularPolicy, "policy")
    return _flat_grad(policy, objective(policy))


def fixed_point(
    policy: TabularPolicy,
    loss: SequenceLoss,
    tol: float = 1e-10,
    warm_steps: int = 300,
    lr: float = 4.0,
) -> float:
    """Move ``policy`` (in place) to where :func:`expected_gradient` vanishes.

    First ``warm_steps`` steps of plain gradient descent with step size ``lr`` bring
    the policy near the fixed point; then, since softmax logits can be shifted per row
    without changing the policy, the first logit of each row is held and the others
    are solved for with ``scipy.optimize.root`` (Powell's hybrid method). Returns the
    norm of the expected gradient there. Raises ``RuntimeError`` if it is not below
    ``tol``, if the descent diverged, or if the gradient vanishes only because the
    policy became deterministic (in all three cases the loss has no fixed point at
    finite logits; ``policy`` is left where the search stopped).
    """
    from scipy.optimize import root

    _args.instance(policy, TabularPolicy, "policy")
    limit = real_number(tol, "tol")
    rate = real_number(lr, "lr")
    warm = integer(warm_steps, "warm_steps", minimum=0)
    if not (limit > 0 and math.isfinite(limit) and rate > 0 and math.isfinite(rate)):
        raise ValueError(f"tol and lr must be finite and > 0, got {tol!r}, {lr!r}")
    k = policy.k
    try:
        for _ in range(warm):
            g = expected_gradient(policy, loss)
            with torch.no_grad():
                policy.logits1 -= rate * g[:k]
                policy.logits2 -= rate * g[k:].reshape(k, k)
    except ValueError as error:  # a log-probability reached -inf
        raise RuntimeError(f"gradient descent diverged: {error}") from None
    free = torch.ones(k + k * k, dtype=torch.bool)
    free[0] = False
    free[k::k] = False  # the first logit of each row of logits2
    start = torch.cat([policy.logits1.detach().flatten(), policy.logits2.detach().flatten()])

    def place(x):
        full = start.clone()
        full[free] = torch.as_tensor(x, dtype=torch.float64)
        with torch.no_grad():
            policy.logits1.copy_(full[:k])
            policy.logits2.copy_(full[k:].reshape(k, k))

    def residual(x):
        place(x)
        return expected_gradient(policy, loss)[free].numpy()

    found = root(residual, start[free].numpy(), method="hybr", tol=1e-14)
    place(found.x)
    norm = float(expected_gradient(policy, loss).norm())
    if not norm < limit:
        raise RuntimeError(f"no fixed point found: |expected gradient| = {norm:.3g}")
    if policy.probs().max() > 1 - 1e-9:
        raise RuntimeError(
            "the expected gradient vanishes only as the policy becomes deterministic "
            "(logits at infinity): no fixed point"
        )
    return norm
