"""generalized_jsd against SciPy, a NumPy statement of the formula, and its limits."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import special
from scipy.spatial import distance

from klcourse.lm import generalized_jsd, token_kl

INF = float("-inf")


def numpy_jsd(a, b, beta):
    p, q = special.softmax(a, -1), special.softmax(b, -1)
    m = beta * p + (1 - beta) * q
    return beta * special.rel_entr(p, m).sum(-1) + (1 - beta) * special.rel_entr(q, m).sum(-1)


def binary_entropy(beta):
    return -beta * math.log(beta) - (1 - beta) * math.log1p(-beta)


def logits(seed, shape=(6, 10), scale=3.0):
    gen = torch.Generator().manual_seed(seed)
    return scale * torch.randn(shape, generator=gen, dtype=torch.float64)


def test_endpoints_are_the_plain_kls_as_in_trl():
    a, b = logits(10), logits(11)
    assert torch.equal(generalized_jsd(a, b, 0.0), token_kl(a, b))  # forward
    assert torch.equal(generalized_jsd(a, b, 1.0), token_kl(b, a))  # reverse
    assert torch.equal(generalized_jsd(a, b, 0, temperature=2.0), token_kl(a / 2, b / 2))
    # a jump, not a limit: just inside the interval the value is about beta * D(p || q)
    assert generalized_jsd(a, b, 1e-6).max() < 1e-4 * generalized_jsd(a, b, 0.0).min()


def test_temperature_divides_the_logits():
    a, b = logits(12), logits(13)
    torch.testing.assert_close(
        generalized_jsd(a, b, 0.3, temperature=2.5), generalized_jsd(a / 2.5, b / 2.5, 0.3)
    )
    for bad, error in [(0.0, ValueError), (float("inf"), ValueError), ("1", TypeError)]:
        with pytest.raises(error, match="temperature"):
            generalized_jsd(a, b, 0.5, temperature=bad)


def test_half_is_the_jensen_shannon_divergence():
    a, b = logits(0), logits(1)
    want = distance.jensenshannon(special.softmax(a.numpy(), -1), special.softmax(b.numpy(), -1),
                                  axis=-1) ** 2  # fmt: skip
    np.testing.assert_allclose(generalized_jsd(a, b, 0.5).numpy(), want, rtol=1e-12)


@pytest.mark.parametrize("beta", [1e-3, 0.1, 0.37, 0.9, 0.999])
def test_matches_the_formula_and_is_bounded(beta):
    a, b = logits(2), logits(3)
    got = generalized_jsd(a, b, beta)
    np.testing.assert_allclose(got.numpy(), numpy_jsd(a.numpy(), b.numpy(), beta), rtol=1e-10)
    assert bool((got >= 0).all()) and bool((got <= binary_entropy(beta)).all())
    swapped = generalized_jsd(b, a, 1 - beta)  # JSD_beta(p||q) = JSD_(1-beta)(q||p)
    torch.testing.assert_close(got, swapped, rtol=1e-12, atol=1e-15)


def test_limits_are_the_two_kls():
    a, b = logits(4), logits(5)
    small, near_one = 1e-9, 1 - 1e-9  # first-order terms; the next ones are O(beta^2)
    torch.testing.assert_close(generalized_jsd(a, b, small) / small, token_kl(a, b), rtol=1e-6,
                               atol=0)  # fmt: skip
    torch.testing.assert_close(generalized_jsd(a, b, near_one) / (1 - near_one), token_kl(b, a),
                               rtol=1e-6, atol=0)  # fmt: skip


def test_disjoint_supports_reach_the_bound():
    p = torch.tensor([0.0, 0.0, INF, INF], dtype=torch.float64)
    q = torch.tensor([INF, INF, 1.0, 0.0], dtype=torch.float64)
    for beta in (0.2, 0.5, 0.8):
        assert generalized_jsd(p, q, beta).item() == pytest.approx(binary_entropy(beta), rel=1e-14)
    assert generalized_jsd(p, p, 0.3).item() == 0


def test_gradients_match_finite_differences():
    a = logits(6, (3, 5), 1.0).requires_grad_()
    b = logits(7, (3, 5), 1.0).requires_grad_()
    assert torch.autograd.gradcheck(lambda x, y: generalized_jsd(x, y, 0.3), (a, b))


def test_dtype_follows_the_inputs():
    a, b = logits(8).float(), logits(9).float()
    assert generalized_jsd(a, b, 0.5).dtype == torch.float32
    assert generalized_jsd(a, b.double(), 0.5).dtype == torch.float64


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, (2, 5), elements=st.floats(-1e4, 1e4)),
    st.floats(1e-6, 1 - 1e-6),
)
def test_any_finite_logits_give_a_value_within_the_bound(x, beta):
    got = generalized_jsd(torch.tensor(x[0]), torch.tensor(x[1]), beta).item()
    # the bound is reached by disjoint supports; the two terms, each up to ~30 nats times
    # its weight, carry an absolute rounding error of some 1e-15 (seen: 2e-17 over at 1.5e-5)
    assert math.isfinite(got) and 0 <= got <= binary_entropy(beta) * (1 + 1e-12) + 1e-14
    assert got == pytest.approx(numpy_jsd(x[0], x[1], beta), rel=1e-7, abs=1e-12)


@pytest.mark.parametrize(
    "beta, error",
    [
        (1.5, ValueError),
        (-0.1, ValueError),
        (float("nan"), ValueError),
        (True, TypeError),
        ("0.5", TypeError),
    ],
)
def test_bad_beta(beta, error):
    with pytest.raises(error, match="beta"):
        generalized_jsd(logits(0), logits(1), beta)


@pytest.mark.parametrize(
    "a, b, error, match",
    [
        (torch.zeros(3), torch.zeros(4), ValueError, "shapes differ"),
        (torch.zeros(3, dtype=torch.long), torch.zeros(3), TypeError, "floating"),
        (torch.full((3,), INF), torch.zeros(3), ValueError, "p_logits masks every token"),
        (torch.zeros(3), torch.full((3,), INF), ValueError, "q_logits masks every token"),
        (torch.tensor([0.0, float("nan")]), torch.zeros(2), ValueError, "NaN"),
        (torch.zeros(2), torch.tensor([0.0, float("inf")]), ValueError, "NaN or \\+inf"),
    ],
)
def test_bad_logits(a, b, error, match):
    with pytest.raises(error, match=match):
        generalized_jsd(a, b, 0.5)
