"""The tabular policy's exact expected gradients against sampling and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import special

from klcourse.lm import kl_regularized_optimum
from klcourse.lm.penalties import kl_penalty
from klcourse.lm.tabular import TabularPolicy, expected_gradient, fixed_point, objective_gradient

K, BETA = 3, 0.5


def problem(seed=0):
    gen = torch.Generator().manual_seed(seed)
    f64 = {"generator": gen, "dtype": torch.float64}
    ref = TabularPolicy(K, torch.randn(K, **f64), torch.randn(K, K, **f64))
    reward = torch.rand(K * K, **f64) * 2
    policy = TabularPolicy(K, torch.randn(K, **f64), torch.randn(K, K, **f64))
    return ref, reward, policy


def test_policy_is_a_distribution_over_every_sequence():
    _, _, policy = problem()
    p = policy.probs().detach().numpy()
    assert p.sum() == pytest.approx(1, abs=1e-14)
    one = special.softmax(policy.logits1.detach().numpy())
    two = special.softmax(policy.logits2.detach().numpy(), -1)
    np.testing.assert_allclose(p, (one[:, None] * two).flatten(), rtol=1e-13)
    logits = policy.next_logits()
    assert torch.equal(logits[4, 0], policy.logits1) and torch.equal(
        logits[4, 1], policy.logits2[1]
    )


def test_expected_gradient_is_the_average_of_sampled_gradients():
    ref, reward, policy = problem(1)
    ref_tok = ref.token_logp().detach()

    def loss(p):  # k3 as a loss next to REINFORCE on the reward
        tok = p.token_logp()
        return -reward * tok.sum(-1) + BETA * kl_penalty(tok, ref_tok, "k3").sum(-1)

    exact = expected_gradient(policy, loss)
    gen = torch.Generator().manual_seed(0)
    draws = torch.multinomial(policy.probs().detach(), 20000, replacement=True, generator=gen)
    counts = torch.bincount(draws, minlength=K * K).double()
    values = loss(policy)
    sampled = torch.autograd.grad((counts * values).sum() / counts.sum(), [policy.logits1,
                                  policy.logits2])  # fmt: skip
    sampled = torch.cat([g.flatten() for g in sampled])
    assert (sampled - exact).norm() < 0.05 * exact.norm()


def test_k1_in_the_reward_is_the_objective_gradient_and_trains_to_the_optimum():
    ref, reward, policy = problem(2)
    ref_tok = ref.token_logp().detach()

    def in_reward(p):
        tok = p.token_logp()
        shaped = reward - BETA * kl_penalty(tok, ref_tok, "k1").sum(-1)
        return -shaped.detach() * tok.sum(-1)

    def objective(p):
        pi = p.probs()
        return (pi * reward).sum() - BETA * (pi * (p.token_logp() - ref_tok).sum(-1)).sum()

    torch.testing.assert_close(
        expected_gradient(policy, in_reward), -objective_gradient(policy, objective),
        rtol=0, atol=1e-14,
    )  # fmt: skip
    start = TabularPolicy(K)
    assert fixed_point(start, in_reward) < 1e-10
    optimum = kl_regularized_optimum(ref.probs().detach().numpy(), reward.numpy(), BETA)
    np.testing.assert_allclose(start.probs().detach().numpy(), optimum, atol=1e-9)


def test_k1_as_a_loss_has_no_expected_gradient():
    ref, _, policy = problem(3)
    ref_tok = ref.token_logp().detach()
    g = expected_gradient(policy, lambda p: kl_penalty(p.token_logp(), ref_tok, "k1").sum(-1))
    assert g.norm() < 1e-15


def test_off_policy_weights_and_bad_input():
    ref, _, policy = problem(4)
    uniform = torch.full((K * K,), 1 / K**2, dtype=torch.float64)
    g = expected_gradient(policy, lambda p: p.token_logp().sum(-1), sampler=uniform)
    (want1, want2) = torch.autograd.grad((uniform * policy.token_logp().sum(-1)).sum(),
                                         [policy.logits1, policy.logits2])  # fmt: skip
    torch.testing.assert_close(g, torch.cat([want1, want2.flatten()]))
    with pytest.raises(ValueError, match="one value per sequence"):
        expected_gradient(policy, lambda p: p.token_logp())
    with pytest.raises(ValueError, match="sampler"):
        expected_gradient(policy, lambda p: p.token_logp().sum(-1), sampler=-uniform)
    with pytest.raises(TypeError, match="policy"):
        expected_gradient(ref.logits1, lambda p: p)
    with pytest.raises(ValueError, match="logits2"):
        TabularPolicy(K, None, torch.zeros(K))


def test_a_loss_without_a_fixed_point_is_reported():
    _, reward, _ = problem(5)
    policy = TabularPolicy(K)  # a reward alone: a deterministic policy, at infinite logits
    with pytest.raises(RuntimeError, match="deterministic"):
        fixed_point(policy, lambda p: -reward * p.token_logp().sum(-1))
    assert policy.probs().max() > 1 - 1e-9  # some deterministic response (not always the best)
