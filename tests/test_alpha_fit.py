"""klcourse.alpha_fit against scipy.integrate.quad, an independent optimiser and the limits."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.stats import norm

from klcourse.alpha_fit import alpha_divergence_to_mixture, fit_gaussian_alpha
from klcourse.fitting import fit_gaussian_to_mixture, reverse_kl_to_mixture
from tests.test_contracts import check_outcome, hostile

W, M, S = [0.4, 0.6], [-3.0, 3.0], [0.8, 1.0]


def quad_alpha(mu, sigma, weights, means, stds, alpha):
    """D_alpha by adaptive quadrature of the textbook formula, densities from scipy."""

    def p(x):
        return sum(w * norm.pdf(x, m, s) for w, m, s in zip(weights, means, stds, strict=True))

    lo = min(min(means) - 15 * max(stds), mu - 15 * sigma)
    hi = max(max(means) + 15 * max(stds), mu + 15 * sigma)
    widths = [*zip(means, stds, strict=True), (mu, sigma)]
    cuts = [c + k * w for c, w in widths for k in (-10, -3, 0, 3, 10)]
    edges = sorted({lo, hi, *[min(max(c, lo), hi) for c in cuts]})

    def integral(f):
        return sum(
            quad(f, a, b, limit=200, epsabs=1e-15, epsrel=1e-13)[0]
            for a, b in itertools.pairwise(edges)
        )

    if alpha == 1.0:
        return integral(
            lambda x: p(x) * (np.log(p(x)) - norm.logpdf(x, mu, sigma)) if p(x) > 0 else 0.0
        )
    a = integral(lambda x: p(x) ** alpha * norm.pdf(x, mu, sigma) ** (1 - alpha))
    return (1 - a) / (alpha * (1 - alpha))


@pytest.mark.parametrize("alpha", [0.02, 0.3, 0.5, 0.9, 1.0])
@pytest.mark.parametrize(("mu", "sigma"), [(0.5, 2.0), (3.0, 1.0), (-6.0, 0.3), (0.0, 8.0)])
def test_objective_against_quad(alpha, mu, sigma):
    got = alpha_divergence_to_mixture(mu, sigma, W, M, S, alpha)
    assert got == pytest.approx(quad_alpha(mu, sigma, W, M, S, alpha), rel=1e-8, abs=1e-11)


def test_objective_with_a_narrow_component_far_from_q():
    w, m, s = [0.5, 0.5], [0.0, 40.0], [1.0, 1e-3]
    for alpha in (0.1, 0.5, 0.9):
        got = alpha_divergence_to_mixture(20.0, 5.0, w, m, s, alpha)
        assert got == pytest.approx(quad_alpha(20.0, 5.0, w, m, s, alpha), rel=1e-7)


def test_the_ends_are_the_two_kls():
    assert alpha_divergence_to_mixture(1.0, 2.0, W, M, S, 0.0) == reverse_kl_to_mixture(
        1.0, 2.0, W, M, S
    )
    for end, near in ((0.0, 1e-6), (1.0, 1 - 1e-6)):
        d_end = alpha_divergence_to_mixture(1.0, 2.0, W, M, S, end)
        d_near = alpha_divergence_to_mixture(1.0, 2.0, W, M, S, near)
        assert d_near == pytest.approx(d_end, rel=1e-5)


def test_a_gaussian_target_is_fitted_exactly():
    for alpha in (0.2, 0.5, 0.8):
        mu, sigma = fit_gaussian_alpha([1.0], [1.5], [2.0], alpha, init=(0.0, 1.0))
        assert (mu, sigma) == (pytest.approx(1.5, abs=1e-7), pytest.approx(2.0, rel=1e-7))
        assert alpha_divergence_to_mixture(mu, sigma, [1.0], [1.5], [2.0], alpha) < 1e-12


@pytest.mark.parametrize(("alpha", "init"), [(0.5, None), (0.2, None), (0.05, (3.0, 1.0))])
def test_the_fit_is_the_minimum_of_the_quad_objective(alpha, init):
    """Independent check: quad's objective is flat at the fit and higher around it."""
    mu, sigma = fit_gaussian_alpha(W, M, S, alpha, init=init)
    centre = quad_alpha(mu, sigma, W, M, S, alpha)
    h = 1e-4
    for dmu, dlog in ((h, 0.0), (0.0, h)):
        up = quad_alpha(mu + dmu, sigma * math.exp(dlog), W, M, S, alpha)
        down = quad_alpha(mu - dmu, sigma * math.exp(-dlog), W, M, S, alpha)
        assert abs(up - down) / (2 * h) < 1e-6  # the slope vanishes
        assert up > centre and down > centre  # and it is a minimum
    assert centre == pytest.approx(alpha_divergence_to_mixture(mu, sigma, W, M, S, alpha))


def test_the_fit_slides_between_the_forward_and_reverse_fits():
    fwd = fit_gaussian_to_mixture(W, M, S, "forward")
    rev = fit_gaussian_to_mixture(W, M, S, "reverse", init=(3.0, 1.0))
    assert fit_gaussian_alpha(W, M, S, 1.0) == fwd
    near1 = fit_gaussian_alpha(W, M, S, 1 - 1e-5)
    assert near1 == (pytest.approx(fwd[0], abs=1e-3), pytest.approx(fwd[1], abs=1e-3))
    near0 = fit_gaussian_alpha(W, M, S, 1e-5, init=(3.0, 1.0))
    assert near0 == (pytest.approx(rev[0], abs=1e-3), pytest.approx(rev[1], abs=1e-3))
    sigmas = [fit_gaussian_alpha(W, M, S, a)[1] for a in (0.9, 0.6, 0.3)]
    assert fwd[1] > sigmas[0] > sigmas[1] > sigmas[2] > rev[1]  # narrower as alpha falls


@settings(max_examples=30, deadline=None)
@given(alpha=st.floats(0.01, 0.99), mu=st.floats(-5, 5), sigma=st.floats(0.2, 6))
def test_the_fit_is_a_stationary_point_and_beats_its_start(alpha, mu, sigma):
    fit = fit_gaussian_alpha(W, M, S, alpha, init=(mu, sigma))
    best = alpha_divergence_to_mixture(*fit, W, M, S, alpha)
    assert best <= alpha_divergence_to_mixture(mu, sigma, W, M, S, alpha) + 1e-12
    h = 1e-5
    for d in ((h, 0.0), (-h, 0.0), (0.0, h), (0.0, -h)):
        moved = alpha_divergence_to_mixture(fit[0] + d[0], fit[1] * math.exp(d[1]), W, M, S, alpha)
        assert moved >= best - 1e-12


@pytest.mark.parametrize("alpha", [-0.1, 1.1, np.nan, np.inf])
def test_alpha_outside_the_interval(alpha):
    with pytest.raises(ValueError, match=r"alpha must lie in \[0, 1\]"):
        fit_gaussian_alpha(W, M, S, alpha)
    with pytest.raises(ValueError, match=r"alpha must lie in \[0, 1\]"):
        alpha_divergence_to_mixture(0.0, 1.0, W, M, S, alpha)


def test_bad_init_and_mixture():
    with pytest.raises(ValueError, match="init must be a pair"):
        fit_gaussian_alpha(W, M, S, 0.5, init=(1.0,))
    with pytest.raises(ValueError, match="init sigma must be finite and > 0"):
        fit_gaussian_alpha(W, M, S, 0.5, init=(1.0, -1.0))
    with pytest.raises(ValueError, match=r"weights sums to 0\.9"):
        fit_gaussian_alpha([0.4, 0.5], M, S, 0.5)
    with pytest.raises(TypeError, match="alpha"):
        fit_gaussian_alpha(W, M, S, "0.5")


@settings(max_examples=30, deadline=None)
@given(args=st.lists(hostile, min_size=3, max_size=3), alpha=hostile)
def test_hostile_input(args, alpha):
    names = ("weights", "means", "stds", "alpha", "mu", "sigma")
    check_outcome(lambda *a: fit_gaussian_alpha(*a, 0.5), args, names)
    check_outcome(lambda a: alpha_divergence_to_mixture(0.0, 1.0, W, M, S, a), [alpha], names)


def test_values_near_the_ends_are_continuous_found_in_review():
    """1 - A cancelled near alpha = 0 and 1 (0.889 for 0.543 at 1 - 1e-15); q wider than p
    also needs q's mass outside p's range."""
    fwd, rev = fit_gaussian_to_mixture(W, M, S, "forward"), (0.5, 2.0)
    d1 = alpha_divergence_to_mixture(*fwd, W, M, S, 1.0)
    d0 = alpha_divergence_to_mixture(*rev, W, M, S, 0.0)
    for eps in (1e-6, 1e-9, 1e-12, 1e-15):
        assert alpha_divergence_to_mixture(*fwd, W, M, S, 1 - eps) == pytest.approx(
            d1, rel=2 * eps + 1e-12
        )
        assert alpha_divergence_to_mixture(*rev, W, M, S, eps) == pytest.approx(
            d0, rel=2 * eps + 1e-10
        )
    two = ([0.5, 0.5], [-1.0, 1.0], [1.0, 1.0])
    want = quad_alpha(0.0, 1.0, *two, 1e-6)  # quad's 1 - A is accurate enough at 1e-6
    assert alpha_divergence_to_mixture(0.0, 1.0, *two, 1e-12) == pytest.approx(want, rel=1e-5)


def test_tiny_alpha_fits_move_and_zero_is_never_negative():
    start = (2.0, 2.0)
    near0 = fit_gaussian_alpha(W, M, S, 1e-12, init=start)
    rev = fit_gaussian_to_mixture(W, M, S, "reverse", init=start)
    assert near0 == (pytest.approx(rev[0], abs=1e-6), pytest.approx(rev[1], abs=1e-6))
    assert fit_gaussian_alpha(W, M, S, 1e-310, init=start) == rev
    d = alpha_divergence_to_mixture(1.0, 1.0, [1.0], [1.0], [1.0], 1.0)
    assert d == 0.0 and str(d) == "0.0"


def test_a_search_that_cannot_converge_says_so(monkeypatch):
    import klcourse.alpha_fit as af

    monkeypatch.setattr(af, "_GTOL", 0.0)
    with pytest.raises(RuntimeError, match="did not converge"):
        fit_gaussian_alpha(W, M, S, 0.5)


def test_a_start_where_q_underflows_on_most_nodes():
    """From a narrow q far from p, q underflows to 0 at many nodes; the gradient used
    log(1) for log(0) there and came out -inf (found by hypothesis)."""
    mu, sigma = fit_gaussian_alpha(W, M, S, 0.9375, init=(-4.0, 0.25))
    assert mu == pytest.approx(fit_gaussian_alpha(W, M, S, 0.9375)[0], abs=1e-6)
    assert np.isfinite(sigma)
