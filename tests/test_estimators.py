"""k1/k2/k3 against exact expectations (Gaussian closed forms) and simulation."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate, stats

from klcourse import estimate_kl


def exact_moments(mu):
    """Mean and sd of k1, k2, k3 for x ~ p = N(0,1), q = N(mu,1) (log r ~ N(-mu^2/2, mu^2))."""
    m, v = -(mu**2) / 2, mu**2
    ey2, ey4 = m**2 + v, m**4 + 6 * m**2 * v + 3 * v**2
    return {
        "k1": (mu**2 / 2, math.sqrt(v)),
        "k2": (ey2 / 2, math.sqrt((ey4 - ey2**2) / 4)),
        "k3": (mu**2 / 2, math.sqrt(math.exp(mu**2) - 1 - mu**2)),
    }


def by_quadrature(mu, estimator):
    p, q = stats.norm(0, 1), stats.norm(mu, 1)

    def k(x):
        return float(estimate_kl(p.logpdf(x), q.logpdf(x), estimator))

    mean = integrate.quad(lambda x: p.pdf(x) * k(x), -20, 20)[0]
    second = integrate.quad(lambda x: p.pdf(x) * k(x) ** 2, -20, 20)[0]
    return mean, math.sqrt(max(second - mean**2, 0.0))


@pytest.mark.parametrize("mu", [0.1, 1.0])
@pytest.mark.parametrize("estimator", ["k1", "k2", "k3"])
def test_closed_form_moments_match_quadrature(mu, estimator):
    mean, sd = by_quadrature(mu, estimator)
    exact_mean, exact_sd = exact_moments(mu)[estimator]
    assert mean == pytest.approx(exact_mean, rel=1e-7, abs=1e-12)
    assert sd == pytest.approx(exact_sd, rel=1e-6)


@pytest.mark.parametrize("mu", [0.1, 1.0])
def test_simulation_agrees_with_the_exact_moments(mu):
    rng = np.random.default_rng(0)
    x = rng.normal(size=400_000)
    log_p, log_q = stats.norm(0, 1).logpdf(x), stats.norm(mu, 1).logpdf(x)
    for name, (mean, sd) in exact_moments(mu).items():
        k = estimate_kl(log_p, log_q, name)
        se = sd / math.sqrt(len(x))
        assert abs(k.mean() - mean) < 5 * se
        assert k.std() == pytest.approx(sd, rel=0.02)


@pytest.mark.parametrize("mu", [0.1, 1.0])
def test_k1_k3_unbiased_and_k2_biased_upwards(mu):
    """Properties of klcourse's estimators (not of the oracle): their exact expectations
    under p, by quadrature over klcourse's own per-sample values."""
    true_kl = mu**2 / 2
    for name in ("k1", "k3"):
        assert by_quadrature(mu, name)[0] == pytest.approx(true_kl, rel=1e-8)
    bias = by_quadrature(mu, "k2")[0] - true_kl
    assert bias == pytest.approx(mu**4 / 8, rel=1e-6)  # E[(log r)^2]/2 - KL = m^2 / 2


@given(st.floats(-30, 30), st.floats(-30, 30))
def test_k2_k3_non_negative_and_k3_accurate_near_zero(a, b):
    assert estimate_kl(a, b, "k2") >= 0
    assert estimate_kl(a, b, "k3") >= 0
    d = 1e-9
    assert estimate_kl(0.0, d, "k3") == pytest.approx(d**2 / 2, rel=1e-6)


def test_torch_in_torch_out_with_gradients():
    log_q = torch.tensor([-1.0, -2.0], requires_grad=True)
    log_p = torch.tensor([-1.5, -1.5])
    out = estimate_kl(log_p, log_q, "k3")
    assert isinstance(out, torch.Tensor) and out.shape == (2,)
    np.testing.assert_allclose(
        out.detach().numpy(), estimate_kl(log_p.numpy(), log_q.detach().numpy())
    )
    out.sum().backward()
    r = torch.exp(log_q - log_p)
    np.testing.assert_allclose(log_q.grad.numpy(), (r - 1).detach().numpy(), rtol=1e-6)


def test_numpy_in_numpy_out_and_bad_input():
    assert isinstance(estimate_kl([0.0], [0.0]), np.ndarray)
    with pytest.raises(ValueError, match="estimator must be one of"):
        estimate_kl([0.0], [0.0], "k4")
    with pytest.raises(ValueError, match="differ in shape"):
        estimate_kl([0.0, 1.0], [0.0])
    with pytest.raises(ValueError, match="differ in shape"):
        estimate_kl(torch.zeros(2), torch.zeros(3))
