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


# --- the boundary, exactly (mutation testing found these unpinned) ---------------------


@pytest.mark.parametrize("which", ["log_p", "log_q"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_and_plus_inf_are_named(which, bad):
    args = {"log_p": [0.0, -1.0], "log_q": [0.0, -1.0]}
    args[which] = [0.0, bad]
    message = f"^{which} holds NaN or \\+inf; log-densities must be < inf$"
    with pytest.raises(ValueError, match=message):
        estimate_kl(args["log_p"], args["log_q"])
    with pytest.raises(ValueError, match=message):
        estimate_kl(*(torch.tensor(args[k]) for k in ("log_p", "log_q")))


def test_log_p_minus_inf_and_shapes_are_named():
    with pytest.raises(
        ValueError, match=r"^log_p holds -inf: a sample drawn from p has p\(x\) > 0$"
    ):
        estimate_kl([-np.inf], [0.0])
    with pytest.raises(ValueError, match=r"^log_p and log_q differ in shape: \(2,\) and \(3,\)$"):
        estimate_kl([0.0, 0.0], [0.0, 0.0, 0.0])
    with pytest.raises(TypeError, match=r"^log_q must be real numbers"):
        estimate_kl(torch.zeros(2), ["a", "b"])
    with pytest.raises(TypeError, match=r"^log_p must be real numbers"):
        estimate_kl(["a", "b"], torch.zeros(2))
    for which in (0, 1):
        args = [torch.zeros(2), torch.zeros(2)]
        args[which] = torch.zeros(2, dtype=torch.long)
        name = ("log_p", "log_q")[which]
        message = f"^{name} must be a floating-point tensor, got dtype torch.int64$"
        with pytest.raises(TypeError, match=message):
            estimate_kl(*args)


@pytest.mark.parametrize("tensor_first", [True, False])
def test_a_tensor_in_either_argument_gives_a_tensor_of_its_dtype(tensor_first):
    t = torch.tensor([0.0, -1.0], dtype=torch.float32)
    other = [-0.5, -0.25]
    args = (t, other) if tensor_first else (other, t)
    out = estimate_kl(*args, "k1")
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    lp, lq = (np.array([0.0, -1.0]), np.array(other))
    lp, lq = (lp, lq) if tensor_first else (lq, lp)
    np.testing.assert_allclose(out.numpy(), lp - lq, rtol=1e-6)


def test_numpy_inputs_do_not_need_torch(monkeypatch):
    """Without torch imported, NumPy input takes the NumPy path (no import of torch)."""
    import sys

    monkeypatch.setitem(sys.modules, "torch", None)
    out = estimate_kl([0.0, -1.0], [-1.0, 0.0], "k2")
    assert isinstance(out, np.ndarray) and out.tolist() == [0.5, 0.5]


def test_gradients_flow_through_a_tensor_argument():
    log_q = torch.tensor([-0.5, -1.5], dtype=torch.float64, requires_grad=True)
    estimate_kl([-1.0, -1.0], log_q, "k3").sum().backward()
    # d/dlog_q (e^{lq - lp} - 1 - (lq - lp)) = e^{lq - lp} - 1
    expected = np.exp(np.array([-0.5, -1.5]) + 1.0) - 1.0
    np.testing.assert_allclose(log_q.grad.numpy(), expected, rtol=1e-14)
    log_p = torch.tensor([-1.0], dtype=torch.float64, requires_grad=True)
    estimate_kl(log_p, [-2.0], "k1").sum().backward()
    assert log_p.grad.tolist() == [1.0]


def test_numpy_inputs_name_the_argument_that_is_not_real():
    with pytest.raises(TypeError, match=r"^log_p must be real numbers"):
        estimate_kl(["a", "b"], [0.0, 0.0])
    with pytest.raises(TypeError, match=r"^log_q must be real numbers"):
        estimate_kl([0.0, 0.0], ["a", "b"])
