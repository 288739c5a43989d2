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
    with pytest.raises(TypeError, match="p_logits must be a torch tensor"):
        token_kl(np.zeros((2, 3)), torch.zeros(2, 3))
    with pytest.raises(TypeError, match="q_logits must be a torch tensor"):
        token_kl(torch.zeros(2, 3), [[0.0, 0.0, 0.0]] * 2)
    with pytest.raises(TypeError, match="q_logits must hold floating-point"):
        token_kl(torch.zeros(2, 3), torch.zeros(2, 3, dtype=torch.long))
    with pytest.raises(ValueError, match="non-empty vocabulary"):
        token_kl(torch.zeros(2, 0), torch.zeros(2, 0))
    for bad in (True, 2.5, "8", 1.0):
        with pytest.raises(TypeError, match="chunk_size"):
            token_kl(torch.zeros(2, 3), torch.zeros(2, 3), chunk_size=bad)
    assert token_kl(torch.zeros(2, 3), torch.zeros(2, 3), chunk_size=np.int64(1)).shape == (2,)


def test_matches_torch_distributions():
    """An independent oracle: torch.distributions' own categorical KL."""
    torch.manual_seed(3)
    a, b = torch.randn(40, 17, dtype=torch.float64) * 4, torch.randn(40, 17, dtype=torch.float64)
    oracle = torch.distributions.kl_divergence(
        torch.distributions.Categorical(logits=a), torch.distributions.Categorical(logits=b)
    )
    torch.testing.assert_close(token_kl(a, b, chunk_size=7), oracle, rtol=1e-12, atol=1e-14)


NINF = float("-inf")


def test_fully_masked_rows_are_defined():
    """Padding: a row masked entirely in p has no mass (KL 0); masked only in q: inf."""
    p = torch.tensor([[NINF, NINF], [NINF, NINF], [0.0, 1.0], [0.0, 1.0]])
    q = torch.tensor([[NINF, NINF], [0.0, 3.0], [NINF, NINF], [0.0, 1.0]])
    out = token_kl(p, q, chunk_size=3)
    assert out.tolist()[:3] == [0.0, 0.0, math.inf]
    assert out[3].item() == pytest.approx(0.0, abs=1e-7)


@pytest.mark.parametrize("bad", [math.nan, math.inf])
@pytest.mark.parametrize("which", ["p_logits", "q_logits"])
def test_nan_and_plus_inf_logits_are_rejected(bad, which):
    x = torch.zeros(5, 4)
    x[3, 1] = bad
    args = (x, torch.zeros(5, 4)) if which == "p_logits" else (torch.zeros(5, 4), x)
    with pytest.raises(ValueError, match=rf"{which} holds NaN or \+inf in row 3"):
        token_kl(*args, chunk_size=2)


def test_rows_left_out_of_the_loss_get_exactly_zero_gradient():
    """The RL-masking case: an infinite-KL row excluded by a mask must not poison the
    gradients of the model that produced the other rows."""
    torch.manual_seed(4)
    layer, x, ref = torch.nn.Linear(3, 6), torch.randn(4, 3), torch.randn(4, 6)
    logits = layer(x)
    mask_q = torch.zeros(4, 6)
    mask_q[0, :3] = NINF  # row 0: the policy has mass where the reference is masked
    kl = token_kl(logits, ref + mask_q)
    assert kl[0].item() == math.inf
    keep = torch.tensor([False, True, True, True])
    kl[keep].sum().backward()
    for param in layer.parameters():
        assert torch.isfinite(param.grad).all()
    # the same gradients as when row 0 is not there at all
    again = torch.nn.Linear(3, 6)
    again.load_state_dict(layer.state_dict())
    token_kl(again(x)[1:], ref[1:]).sum().backward()
    torch.testing.assert_close(again.weight.grad, layer.weight.grad)


def test_gradient_of_a_masked_row_is_zero_for_both_inputs():
    a = torch.tensor([[0.0, 0.0], [NINF, NINF]], requires_grad=True)
    b = torch.tensor([[NINF, 0.0], [0.0, 0.0]], requires_grad=True)
    kl = token_kl(a, b)
    kl[1:].sum().backward()
    assert a.grad.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert b.grad[0].tolist() == [0.0, 0.0]
    assert torch.isfinite(b.grad).all()


@pytest.mark.parametrize(
    ("pd", "qd", "out"),
    [
        (torch.float32, torch.float64, torch.float64),
        (torch.float64, torch.float32, torch.float64),
        (torch.bfloat16, torch.float32, torch.float32),
        (torch.float16, torch.bfloat16, torch.float32),
    ],
)
def test_output_dtype_is_the_wider_argument(pd, qd, out):
    a = torch.randn(3, 5).to(pd).requires_grad_(True)
    b = torch.randn(3, 5).to(qd).requires_grad_(True)
    kl = token_kl(a, b)
    assert kl.dtype == out
    kl.sum().backward()
    assert a.grad.dtype == pd and b.grad.dtype == qd


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


@pytest.mark.parametrize("offset", [0.0, 1e3, -1e4])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_large_logit_offsets_do_not_cancel(offset, dtype):
    """Logits shifted by a large constant (as raw model outputs can be) give the same KL:
    the fast path subtracts each row's maximum before anything else."""
    torch.manual_seed(5)
    a, b = torch.randn(64, 300, dtype=torch.float64) * 3, torch.randn(64, 300, dtype=torch.float64)
    b[:, :10] = NINF  # some tokens masked in q only where p is masked too
    a[:, :10] = NINF
    a, b = (a + offset).to(dtype), (b - 2 * offset).to(dtype)
    # the oracle sees the same (rounded) inputs, in float64
    oracle = torch.distributions.kl_divergence(
        torch.distributions.Categorical(logits=a.double()),
        torch.distributions.Categorical(logits=b.double()),
    )
    out = token_kl(a, b, chunk_size=5)
    tol = 1e-12 if dtype == torch.float64 else 2e-5
    torch.testing.assert_close(out.double(), oracle, rtol=tol, atol=tol)


def test_gradients_match_autograd_of_the_naive_formula_with_masks():
    torch.manual_seed(6)
    a = torch.randn(9, 40, dtype=torch.float64)
    b = torch.randn(9, 40, dtype=torch.float64)
    a[:, :4] = NINF  # masked in p: contributes nothing, gradient 0 there
    b[:, 4:6] = NINF  # masked in q where p also has mass -> those rows are inf
    b[:, 4:6] = torch.where(torch.arange(9)[:, None] < 5, NINF, 0.0)
    g = torch.randn(9, dtype=torch.float64)
    finite = torch.arange(9) >= 5
    x, y = a.clone().requires_grad_(True), b.clone().requires_grad_(True)
    (token_kl(x, y, chunk_size=4)[finite] * g[finite]).sum().backward()
    x2, y2 = a[finite].clone().requires_grad_(True), b[finite].clone().requires_grad_(True)
    log_p, log_q = torch.log_softmax(x2, -1), torch.log_softmax(y2, -1)
    naive = (log_p.exp() * torch.where(log_p.exp() > 0, log_p - log_q, 0.0)).sum(-1)
    (naive * g[finite]).sum().backward()
    torch.testing.assert_close(x.grad[finite], x2.grad)
    torch.testing.assert_close(y.grad[finite], y2.grad)
    assert (x.grad[~finite] == 0).all() and (y.grad[~finite] == 0).all()


def test_kl_of_equal_distributions_is_never_negative():
    """Shifted copies of the same logits: rounding must not print as -0.0000."""
    torch.manual_seed(7)
    a = torch.randn(256, 1000) * 5
    out = token_kl(a, a + 3.0)
    assert (out >= 0).all() and out.max() < 1e-5
