"""Forward and reverse Gaussian fits against brute-force numerical optimisation."""

import numpy as np
import pytest
from scipy import integrate, optimize
from scipy.special import logsumexp

from klcourse import fit_gaussian_to_mixture, gaussian_kl
from klcourse.fitting import mixture_logpdf, reverse_kl_to_mixture

W, M, S = np.array([0.4, 0.6]), np.array([-2.5, 2.5]), np.array([0.8, 1.0])


def norm_logpdf(x, m, s):
    return -0.5 * ((x - m) / s) ** 2 - np.log(s) - 0.5 * np.log(2 * np.pi)


def logpdf(x):
    return logsumexp([np.log(w) + norm_logpdf(x, m, s) for w, m, s in zip(W, M, S, strict=True)])


def pdf(x):
    return np.exp(logpdf(x))


def forward_kl_quad(mu, sigma):
    f = lambda x: pdf(x) * (logpdf(x) - norm_logpdf(x, mu, sigma))  # noqa: E731
    return integrate.quad(f, -12, 12, points=list(M), limit=200)[0]


def reverse_kl_quad(mu, sigma):
    f = lambda x: np.exp(norm_logpdf(x, mu, sigma)) * (norm_logpdf(x, mu, sigma) - logpdf(x))  # noqa: E731
    lo, hi = mu - 12 * sigma, mu + 12 * sigma
    return integrate.quad(f, lo, hi, points=[m for m in M if lo < m < hi], limit=200)[0]


@pytest.mark.slow
def test_forward_fit_is_moment_matching_and_minimises_forward_kl():
    mu, sigma = fit_gaussian_to_mixture(W, M, S, "forward")
    mean = integrate.quad(lambda x: x * pdf(x), -15, 15, points=list(M))[0]
    var = integrate.quad(lambda x: (x - mean) ** 2 * pdf(x), -15, 15, points=list(M))[0]
    assert mu == pytest.approx(mean, abs=1e-8) and sigma**2 == pytest.approx(var, rel=1e-8)
    res = optimize.minimize(
        lambda t: forward_kl_quad(t[0], np.exp(t[1])),
        x0=[0.0, 0.0],
        method="Nelder-Mead",
        options={"xatol": 1e-6, "fatol": 1e-12},
    )
    assert res.x[0] == pytest.approx(mu, abs=1e-4)
    assert np.exp(res.x[1]) == pytest.approx(sigma, abs=1e-4)


@pytest.mark.slow
def test_reverse_objective_matches_quadrature():
    for mu, sigma in [(0.0, 1.0), (2.5, 0.9), (-2.0, 3.0)]:
        assert reverse_kl_to_mixture(mu, sigma, W, M, S) == pytest.approx(
            reverse_kl_quad(mu, sigma), rel=1e-8, abs=1e-10
        )


@pytest.mark.parametrize(("init", "mode"), [((-3.0, 0.5), 0), ((3.0, 0.5), 1)])
@pytest.mark.slow
def test_reverse_fit_finds_the_local_optimum_of_its_start(init, mode):
    mu, sigma = fit_gaussian_to_mixture(W, M, S, "reverse", init=init)
    res = optimize.minimize(
        lambda t: reverse_kl_quad(t[0], np.exp(t[1])),
        x0=[init[0], np.log(init[1])],
        method="Nelder-Mead",
        options={"xatol": 1e-8, "fatol": 1e-13},
    )
    assert mu == pytest.approx(res.x[0], abs=1e-4)
    assert sigma == pytest.approx(np.exp(res.x[1]), abs=1e-4)
    assert abs(mu - M[mode]) < 0.1  # it hugs the mode it started at
    for dmu, dsig in [(0.05, 0), (-0.05, 0), (0, 0.05), (0, -0.05)]:
        assert reverse_kl_to_mixture(mu, sigma, W, M, S) < reverse_kl_to_mixture(
            mu + dmu, sigma + dsig, W, M, S
        )


def test_single_component_is_recovered_in_both_directions():
    for direction in ("forward", "reverse"):
        mu, sigma = fit_gaussian_to_mixture([1.0], [1.5], [0.7], direction, init=(0.0, 2.0))
        assert mu == pytest.approx(1.5, abs=1e-6) and sigma == pytest.approx(0.7, abs=1e-6)
    assert reverse_kl_to_mixture(0.3, 1.3, [1.0], [1.5], [0.7]) == pytest.approx(
        gaussian_kl(0.3, 1.3, 1.5, 0.7), rel=1e-10
    )


def test_default_init_is_the_heaviest_component():
    mu, _ = fit_gaussian_to_mixture(W, M, S, "reverse")
    assert abs(mu - 2.5) < 0.1


def test_mixture_logpdf_is_stable_in_the_tails():
    assert np.isfinite(mixture_logpdf(200.0, W, M, S))
    assert mixture_logpdf(0.3, W, M, S) == pytest.approx(np.log(pdf(0.3)))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([0.5, 0.6], [0, 1], [1, 1], "forward"), "weights sums to 1.1"),
        (([0.5, 0.5], [0, 1], [1, 0], "forward"), "stds must be finite and > 0"),
        (([0.5, 0.5], [0, 1, 2], [1, 1], "forward"), "of one length"),
        (([0.5, 0.5], [0, 1], [1, 1], "sideways"), "direction must be"),
        (([0.5, 0.5], [0, 1], [1, 1], "reverse", (0.0, -1.0)), "init sigma"),
    ],
)
def test_bad_arguments(args, message):
    with pytest.raises(ValueError, match=message):
        fit_gaussian_to_mixture(*args)


def test_mixture_messages_in_full():
    with pytest.raises(ValueError, match=r"^means must be finite, got array"):
        fit_gaussian_to_mixture([0.5, 0.5], [0.0, np.nan], [1.0, 1.0], "forward")
    with pytest.raises(
        ValueError,
        match=r"^weights, means and stds must be 1-D and of one length, got shapes "
        r"\(2,\), \(3,\) and \(2,\)$",
    ):
        fit_gaussian_to_mixture([0.5, 0.5], [0, 1, 2], [1, 1], "forward")
    with pytest.raises(
        ValueError,
        match=r"^stds must lie within a factor 1e\+08 of each other \(a narrower component "
        r"is not resolved in the units of the widest\), got 1e-09 and 1$",
    ):
        fit_gaussian_to_mixture([0.5, 0.5], [0.0, 1.0], [1e-9, 1.0], "reverse")


def test_stds_a_factor_of_exactly_1e8_apart_are_accepted():
    mu, sigma = fit_gaussian_to_mixture([0.5, 0.5], [0.0, 0.0], [1e-8, 1.0], "forward")
    assert mu == 0.0 and sigma == pytest.approx(np.sqrt(0.5 * (1e-16 + 1.0)), rel=1e-15, abs=0)


def test_mixture_logpdf_shows_the_x_that_holds_nan():
    with pytest.raises(ValueError, match=r"^x holds NaN: array\(\[ 0\., nan\]\)$"):
        mixture_logpdf(np.array([0.0, np.nan]), [1.0], [0.0], [1.0])
