"""klcourse.lm: token_kl against the naive PyTorch computation, and the KL-regularised optimum."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from klcourse import kl_divergence
from klcourse.lm import kl_regularized_optimum, token_kl


def naive(p_logits, q_logits):
    return F.kl_div(
        F.log_softmax(q_logits, -1),
        F.log_softmax(p_logits, -1),
        reduction="none",
        log_target=True,
    ).sum(-1)


@pytest.mark.parametrize("chunk", [1, 3, 7, 256, None])
def test_values_and_gradients_match_naive(chunk):
    torch.manual_seed(0)
    a = torch.randn(2, 5, 11, dtype=torch.float64, requires_grad=True)
    b = torch.randn(2, 5, 11, dtype=torch.float64, requires_grad=True)
    w = torch.randn(2, 5, dtype=torch.float64)
    ours = token_kl(a, b, chunk_size=chunk)
    assert ours.shape == (2, 5)
    ref = F.kl_div(
        F.log_softmax(b, -1), F.log_softmax(a, -1), reduction="none", log_target=True
    ).sum(-1)
    torch.testing.assert_close(ours, ref, rtol=1e-12, atol=1e-12)
    ga, gb = torch.autograd.grad((ours * w).sum(), (a, b))
    ra, rb = torch.autograd.grad((ref * w).sum(), (a, b))
    torch.testing.assert_close(ga, ra, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(gb, rb, rtol=1e-10, atol=1e-12)


def test_gradcheck():
    torch.manual_seed(1)
    a = torch.randn(4, 6, dtype=torch.float64, requires_grad=True)
    b = torch.randn(4, 6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, y: token_kl(x, y, chunk_size=3), (a, b))


def test_matches_klcourse_on_probabilities():
    p, q = np.array([0.2, 0.5, 0.3]), np.array([0.1, 0.6, 0.3])
    out = token_kl(torch.tensor(np.log(p)), torch.tensor(np.log(q)))
    assert out.item() == pytest.approx(kl_divergence(p, q), rel=1e-12)


def test_masks_are_exact():
    ninf = float("-inf")
    p = torch.tensor([[0.0, 0.0, ninf], [0.0, ninf, 0.0], [0.0, 1.0, 2.0]])
    q = torch.tensor([[0.0, 1.0, ninf], [ninf, 0.0, 0.0], [0.0, 1.0, 2.0]])
    out = token_kl(p, q)
    expected0 = kl_divergence([0.5, 0.5], [1 / (1 + math.e), math.e / (1 + math.e)])
    assert out[0].item() == pytest.approx(expected0, rel=1e-6)  # both masked: contributes 0
    assert out[1].item() == math.inf  # p has mass where q is masked
    assert out[2].item() == pytest.approx(0.0, abs=1e-7)
    assert not torch.isnan(out).any()
    a = p[:1].clone().requires_grad_(True)
    b = q[:1].clone().requires_grad_(True)
    token_kl(a, b).sum().backward()
    assert torch.isfinite(a.grad[0, :2]).all() and a.grad[0, 2] == 0 and b.grad[0, 2] == 0


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32])
def test_low_precision_inputs_accumulate_in_float32(dtype):
    torch.manual_seed(2)
    a, b = torch.randn(64, 1000), torch.randn(64, 1000)
    out = token_kl(a.to(dtype), b.to(dtype), chunk_size=16)
    assert out.dtype == torch.float32
    exact = naive(a.to(dtype).double(), b.to(dtype).double())
    torch.testing.assert_close(out.double(), exact, rtol=1e-5, atol=1e-6)
    x = a.to(dtype).requires_grad_(True)
    token_kl(x, b.to(dtype)).sum().backward()
    assert x.grad.dtype == dtype and torch.isfinite(x.grad.float()).all()


def test_bad_input():
    with pytest.raises(ValueError, match="shapes differ"):
        token_kl(torch.zeros(2, 3), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="chunk_size"):
        token_kl(torch.zeros(2, 3), torch.zeros(2, 3), chunk_size=0)
    with pytest.raises(ValueError, match="torch tensors"):
        token_kl(np.zeros((2, 3)), np.zeros((2, 3)))


def objective(pi, ref, r, beta):
    return pi @ r - beta * kl_divergence(pi, ref)


@settings(max_examples=50)
@given(st.integers(2, 8), st.floats(0.05, 20), st.integers(0, 10_000))
def test_optimum_beats_random_competitors(n, beta, seed):
    rng = np.random.default_rng(seed)
    ref = rng.dirichlet(np.ones(n))
    r = rng.normal(size=n) * 3
    best = kl_regularized_optimum(ref, r, beta)
    assert best.sum() == pytest.approx(1.0)
    top = objective(best, ref, r, beta)
    # the optimal value is beta * log E_ref[exp(r / beta)]
    assert top == pytest.approx(beta * math.log(ref @ np.exp(r / beta)), rel=1e-9, abs=1e-9)
    for pi in rng.dirichlet(np.ones(n), size=200):
        assert objective(pi, ref, r, beta) <= top + 1e-9


def test_optimum_is_stable_for_large_reward_over_beta():
    out = kl_regularized_optimum([0.25, 0.25, 0.5, 0.0], [1e6, 1e6 - 1, 0.0, 1e9], beta=1e-3)
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, [1.0, 0.0, 0.0, 0.0], atol=1e-300)
    tilted = kl_regularized_optimum([0.5, 0.5], [0.0, 700.0], beta=1.0)
    assert tilted[0] == pytest.approx(math.exp(-700.0), rel=1e-9)


def test_optimum_bad_input():
    with pytest.raises(ValueError, match="beta"):
        kl_regularized_optimum([0.5, 0.5], [0, 1], beta=0)
    with pytest.raises(ValueError, match="ref_probs sums to"):
        kl_regularized_optimum([0.5, 0.6], [0, 1], beta=1)
    with pytest.raises(ValueError, match="do not match"):
        kl_regularized_optimum([0.5, 0.5], [0, 1, 2], beta=1)
