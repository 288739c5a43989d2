"""Gaussian closed forms against numerical integration and each other."""

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate, stats

import klcourse as kc

means = st.floats(-3, 3)
sigmas = st.floats(0.3, 3)


def kl_by_quadrature(mu_p, s_p, mu_q, s_q):
    p, q = stats.norm(mu_p, s_p), stats.norm(mu_q, s_q)
    lo, hi = mu_p - 12 * s_p, mu_p + 12 * s_p
    value, _ = integrate.quad(lambda x: p.pdf(x) * (p.logpdf(x) - q.logpdf(x)), lo, hi, limit=200)
    return value


@pytest.mark.slow
@given(means, sigmas, means, sigmas)
def test_univariate_matches_quadrature(mu_p, s_p, mu_q, s_q):
    assert kc.gaussian_kl(mu_p, s_p, mu_q, s_q) == pytest.approx(
        kl_by_quadrature(mu_p, s_p, mu_q, s_q), rel=1e-6, abs=1e-9
    )


def test_univariate_known_values_and_broadcasting():
    assert kc.gaussian_kl(0, 1, 1, 1) == 0.5
    assert kc.gaussian_kl(0, 1, 0, 1) == 0.0
    out = kc.gaussian_kl(np.array([0.0, 1.0, 2.0]), 1.0, 0.0, 1.0)
    np.testing.assert_allclose(out, [0.0, 0.5, 2.0])


@given(means, sigmas, means, sigmas)
def test_multivariate_diagonal_equals_sum_of_univariate(mu1, s1, mu2, s2):
    mu_p, mu_q = np.array([mu1, mu2]), np.array([mu2, mu1])
    cov_p, cov_q = np.diag([s1**2, s2**2]), np.diag([s2**2, s1**2])
    expected = kc.gaussian_kl(mu1, s1, mu2, s2) + kc.gaussian_kl(mu2, s2, mu1, s1)
    assert kc.gaussian_kl_mv(mu_p, cov_p, mu_q, cov_q) == pytest.approx(
        expected, rel=1e-9, abs=1e-12
    )


def test_multivariate_matches_naive_formula_and_monte_carlo():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    cov_p, cov_q = a @ a.T + 0.5 * np.eye(3), b @ b.T + 0.5 * np.eye(3)
    mu_p, mu_q = rng.normal(size=3), rng.normal(size=3)
    inv_q = np.linalg.inv(cov_q)
    d = mu_q - mu_p
    naive = 0.5 * (
        np.trace(inv_q @ cov_p)
        + d @ inv_q @ d
        - 3
        + math.log(np.linalg.det(cov_q) / np.linalg.det(cov_p))
    )
    exact = kc.gaussian_kl_mv(mu_p, cov_p, mu_q, cov_q)
    assert exact == pytest.approx(naive, rel=1e-10)
    x = stats.multivariate_normal(mu_p, cov_p).rvs(size=400_000, random_state=1)
    log_ratio = stats.multivariate_normal(mu_p, cov_p).logpdf(x) - stats.multivariate_normal(
        mu_q, cov_q
    ).logpdf(x)
    stderr = log_ratio.std() / math.sqrt(len(x))
    assert abs(log_ratio.mean() - exact) < 5 * stderr


def test_multivariate_is_stable_for_ill_conditioned_covariances():
    cov = np.array([[1.0, 1 - 1e-9], [1 - 1e-9, 1.0]])
    assert kc.gaussian_kl_mv([0, 0], cov, [0, 0], cov) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan, np.inf])
def test_univariate_rejects_bad_sigma(bad):
    with pytest.raises(ValueError, match="sigma_p must be finite and > 0"):
        kc.gaussian_kl(0, bad, 0, 1)
    with pytest.raises(ValueError, match="sigma_q must be finite and > 0"):
        kc.gaussian_kl(0, 1, 0, bad)


@pytest.mark.parametrize(
    ("cov", "message"),
    [
        ([[1.0, 2.0], [2.0, 1.0]], "positive definite"),
        ([[1.0, 0.5], [0.0, 1.0]], "symmetric"),
        ([[1.0, 0.0, 0.0]], "must be 2x2"),
        ([[1.0, 0.0], [0.0, np.nan]], "finite"),
    ],
)
def test_multivariate_rejects_bad_covariance(cov, message):
    with pytest.raises(ValueError, match=message):
        kc.gaussian_kl_mv([0, 0], np.eye(2), [0, 0], cov)


def test_multivariate_rejects_shape_mismatch():
    with pytest.raises(ValueError, match="covariances must be 2x2"):
        kc.gaussian_kl_mv([0, 0], np.eye(3), [0, 0], np.eye(3))
    with pytest.raises(ValueError, match="vectors of one length"):
        kc.gaussian_kl_mv([0, 0], np.eye(2), [0, 0, 0], np.eye(2))


# --- edges and messages, exactly (found by mutation testing) ------------------------

import warnings  # noqa: E402

import mpmath  # noqa: E402

from klcourse.gaussians import _expm1_minus, _log_ratio  # noqa: E402


@pytest.mark.parametrize(
    "t", [0.0999, -0.0999, 0.1, -0.1, 0.0101, 0.005, -3e-3, 1e-4, -1e-9, 0.3, -0.5, 2.0, 30.0]
)
def test_expm1_minus_against_mpmath(t):
    with mpmath.workdps(40):
        exact = float(mpmath.expm1(t) - t)
    assert float(_expm1_minus(np.array(t))) == pytest.approx(exact, rel=5e-15, abs=0)


def test_expm1_minus_overflows_quietly():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert float(_expm1_minus(np.array(800.0))) == math.inf
        assert float(_expm1_minus(np.array(-800.0))) == 799.0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (3 * (1 + 1e-12), 3.0),
        (2.0, 1.0),
        (5.0, 1.0),
        (1e-300, 7e-301),
        # a factor of exactly 2 far from 1: the logs of a and b are large, and their
        # difference would lose digits that log1p keeps
        (2e200, 1e200),
        (1e-200, 2e-200),
        (6e150, 3e150),
    ],
)
def test_log_ratio_keeps_its_digits(a, b):
    with mpmath.workdps(40):
        exact = float(mpmath.log(mpmath.mpf(a) / mpmath.mpf(b)))
    got = float(_log_ratio(np.array(a), np.array(b)))
    assert got == pytest.approx(exact, rel=4e-16, abs=0)  # approx adds abs=1e-12 otherwise


def test_huge_sigma_ratios_give_inf_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert kc.gaussian_kl(0.0, 1e200, 0.0, 1e-200) == math.inf
        assert kc.gaussian_kl(0.0, 1e-200, 0.0, 1e200) == pytest.approx(921.0340371976183 - 0.5)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((np.nan, 1, 0, 1), "mu_p must be finite, got array(nan)"),
        ((0, 1, np.inf, 1), "mu_q must be finite, got array(inf)"),
        ((0, 0, 0, 1), "sigma_p must be finite and > 0, got array(0.)"),
        ((0, 1, 0, -1), "sigma_q must be finite and > 0, got array(-1.)"),
    ],
)
def test_gaussian_kl_names_its_arguments(args, message):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        kc.gaussian_kl(*args)


I2 = np.eye(2)
VEC = "mu_p and mu_q must be vectors of one length, got "
COV2 = "covariances must be 2x2 to match the means, got "


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([np.nan, 0], I2, [0, 0], I2), "mu_p must be finite, got array([nan,  0.])"),
        (([0, 0], I2, [0, np.inf], I2), "mu_q must be finite, got array([ 0., inf])"),
        (([0, 0], "I", [0, 0], I2), "cov_p must be real numbers, got 'I'"),
        (([0, 0], I2, [0, 0], "I"), "cov_q must be real numbers, got 'I'"),
        ((0.0, [[1.0]], 0.0, [[1.0]]), VEC + "() and ()"),
        (([], np.zeros((0, 0)), [], np.zeros((0, 0))), VEC + "(0,) and (0,)"),
        (([[0.0]], [[1.0]], [[0.0]], [[1.0]]), VEC + "(1, 1) and (1, 1)"),
        (([0, 0], I2, [0, 0, 0], I2), VEC + "(2,) and (3,)"),
        (([0, 0], np.eye(3), [0, 0], I2), COV2 + "(3, 3) and (2, 2)"),
        (([0, 0], I2, [0, 0], np.ones((2, 3))), COV2 + "(2, 2) and (2, 3)"),
        (([0, 0], [[1, 0.5], [0, 1]], [0, 0], I2),
         "cov_p must be symmetric, got [[1.  0.5]\n [0.  1. ]]"),
        (([0, 0], I2, [0, 0], [[1, 2], [2, 1]]),
         "cov_q must be positive definite; its smallest eigenvalue is -1"),
        (([0, 0], [[1, np.inf], [np.inf, 1]], [0, 0], I2),
         "cov_p must be finite, got [[ 1. inf]\n [inf  1.]]"),
    ],
)  # fmt: skip
def test_gaussian_kl_mv_names_its_arguments(args, message):
    with pytest.raises((ValueError, TypeError), match="^" + re.escape(message) + "$"):
        kc.gaussian_kl_mv(*args)


def test_gaussian_kl_mv_square_check_and_relative_symmetry():
    from klcourse.gaussians import _cholesky

    with pytest.raises(ValueError, match=r"^c must be a square matrix, got shape \(2, 3\)$"):
        _cholesky(np.ones((2, 3)), "c")
    with pytest.raises(ValueError, match=r"^c must be a square matrix, got shape \(4,\)$"):
        _cholesky(np.ones(4), "c")
    big = np.array([[1e6, 1e-4], [0.0, 1e6]])  # asymmetric by 1e-10 of its scale: accepted
    assert kc.gaussian_kl_mv([0, 0], big, [0, 0], big) == 0.0
    with pytest.raises(ValueError, match="symmetric"):
        kc.gaussian_kl_mv([0, 0], np.array([[1e6, 1.0], [0.0, 1e6]]), [0, 0], big)
    one = kc.gaussian_kl_mv([0.0], [[2.0]], [1.0], [[1.0]])
    assert one == pytest.approx(kc.gaussian_kl(0.0, math.sqrt(2), 1.0, 1.0), rel=1e-14, abs=0)


def test_symmetry_tolerance_is_inclusive():
    cov = np.array([[1.0, 1e-9], [0.0, 1.0]])  # asymmetry exactly SYMMETRY_RTOL * scale
    assert kc.gaussian_kl_mv([0.0, 0.0], cov, [0.0, 0.0], np.eye(2)) >= 0.0


def test_silent_where_numpy_is_set_to_raise_on_underflow_and_overflow():
    """Underflow to 0 (a shift of 1e-200 squared) and overflow to inf (a variance
    ratio beyond the floats) are the right answers here, so gaussian_kl handles them
    itself rather than leaving them to the caller's numpy settings."""
    with np.errstate(all="raise"):
        assert kc.gaussian_kl(1e-200, 1.0, 0.0, 1.0) == 0.0
        assert kc.gaussian_kl(0.0, 1e200, 0.0, 1e-200) == math.inf
        assert kc.gaussian_kl(0.3, 1e-170, 0.0, 1e200) == pytest.approx(
            370 * math.log(10) - 0.5, rel=1e-14
        )


def test_broadcast_message_and_float_results_for_arrays():
    with pytest.raises(
        ValueError,
        match=r"^mu_p, sigma_p, mu_q and sigma_q must broadcast together, got shapes "
        r"\[\(2,\), \(3,\), \(\), \(\)\]$",
    ):
        kc.gaussian_kl([0.0, 1.0], [1.0, 1.0, 1.0], 0.0, 1.0)
    out = kc.gaussian_kl(np.array([0.0, 1.0]), np.array([1.0, 1.05]), 0.0, 1.0)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
