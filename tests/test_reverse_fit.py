"""The reverse objective KL(q‖p) and the reverse fit, for any component widths.

The oracle integrates q·(log q − log p) with mpmath at 20 digits (tanh-sinh), split at
q's and each component's multiples of its width and at every point where two
components' weighted densities cross (roots found by mpmath.polyroots), with points
spread over the width of each switch: there log p turns from one component's
quadratic to another's.
"""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klcourse import fit_gaussian_to_mixture, gaussian_kl
from klcourse._reverse import _COMPONENT_BREAKS, Standardised, _real_roots
from klcourse.fitting import _mixture, mixture_logpdf, reverse_kl_to_mixture

DPS = 20
SPREAD = (-64, -32, -16, -8, -4, -2, -1, -0.5, 0, 0.5, 1, 2, 4, 8, 16, 32, 64)


def _log_terms(w, m, s):
    """Each log(w_i N(x; m_i, s_i²)) as polynomial coefficients [x², x, 1] in mpmath."""
    terms = []
    for wi, mi, si in zip(w, m, s, strict=True):
        wi, mi, si = mpmath.mpf(wi), mpmath.mpf(mi), mpmath.mpf(si)
        c = 1 / (2 * si**2)
        const = mpmath.log(wi) - mpmath.log(si) - mpmath.log(2 * mpmath.pi) / 2
        terms.append((-c, 2 * c * mi, const - c * mi**2))
    return terms


def reverse_kl_oracle(mu, sigma, w, m, s):
    with mpmath.workdps(DPS):
        mu, sigma = mpmath.mpf(mu), mpmath.mpf(sigma)
        terms = _log_terms(w, m, s)

        def integrand(x):
            log_q = -(((x - mu) / sigma) ** 2) / 2 - mpmath.log(sigma * mpmath.sqrt(2 * mpmath.pi))
            log_p = mpmath.log(mpmath.fsum(mpmath.exp(a * x**2 + b * x + c) for a, b, c in terms))
            return mpmath.exp(log_q) * (log_q - log_p)

        points = {mu + k * sigma for k in range(-14, 15)}
        for mi, si in zip(m, s, strict=True):
            points |= {mpmath.mpf(mi) + k * mpmath.mpf(si) for k in SPREAD}
        for i, (a1, b1, c1) in enumerate(terms):
            for a2, b2, c2 in terms[:i]:
                coeffs = [a1 - a2, b1 - b2, c1 - c2]
                while coeffs and coeffs[0] == 0:
                    coeffs = coeffs[1:]
                if len(coeffs) < 2:
                    continue
                for root in mpmath.polyroots(coeffs, maxsteps=200, extraprec=60):
                    if abs(mpmath.im(root)) > 1e-20:
                        continue
                    x0 = mpmath.re(root)
                    slope = abs(2 * (a1 - a2) * x0 + (b1 - b2))
                    points |= {x0 + k / slope for k in SPREAD}
        lo, hi = mu - 14 * sigma, mu + 14 * sigma
        return float(mpmath.quad(integrand, sorted(p for p in points if lo <= p <= hi)))


def quietly(f, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return f(*args, **kwargs)


def close(value, exact):
    return abs(value - exact) <= 1e-10 + 1e-12 * abs(exact)


# q, then the mixture. The first three were missed by a fixed grid over q (errors of
# 5e-4 to 1e-2 nats): a component hundreds of times narrower than q.
HARD_CASES = [
    ((0.0, 1.0), ([0.5, 0.5], [0.0, 0.5], [1.0, 0.002])),
    ((0.0, 3.0), ([0.5, 0.5], [0.0, 0.5], [3.0, 0.001])),
    ((0.0, 1.0), ([0.9, 0.1], [0.0, 0.5], [1.0, 1e-3])),
    ((0.0, 10.0), ([0.3, 0.7], [-1.0, 2.0], [1e-4, 1e-2])),  # narrow deep in a tail
    ((0.0, 1.0), ([0.5, 0.5], [-40.0, 40.0], [1.0, 1.0])),  # a sharp switch at 0
    ((5.0, 30.0), ([0.2, 0.3, 0.5], [-50.0, 0.0, 60.0], [0.5, 5.0, 1e-3])),
    ((0.0, 3.0), ([0.999, 0.001], [0.0, 1.0], [1e-3, 1.0])),
    ((0.3, 1e-3), ([0.5, 0.5], [0.0, 0.3], [1.0, 1e-3])),  # q on the narrow component
    ((2.0, 0.5), ([0.4, 0.6], [-3.0, 3.0], [0.8, 1.0])),
]


#: reverse_kl_oracle on HARD_CASES, stored so that the fast tests (and `make mutation`)
#: can use them; test_stored_oracle_values_are_the_oracles recomputes them.
HARD_VALUES = [
    0.6712851475563422,
    0.6874208495051141,
    0.0979112407499148,
    519921.47449555487,
    768.7695633017051,
    16.53909760464069,
    10.29548062554546,
    0.690132873299279,
    1.3289549036307766,
]


@pytest.mark.slow  # a 20-digit mpmath oracle
@pytest.mark.parametrize(("case", "stored"), list(zip(HARD_CASES, HARD_VALUES, strict=True)))
def test_stored_oracle_values_are_the_oracles(case, stored):
    assert close(stored, reverse_kl_oracle(*case[0], *case[1]))


@pytest.mark.parametrize(("case", "exact"), list(zip(HARD_CASES, HARD_VALUES, strict=True)))
def test_reverse_objective_matches_mpmath_whatever_the_widths(case, exact):
    value = quietly(reverse_kl_to_mixture, *case[0], *case[1])
    assert close(value, exact), (value, exact, value - exact)


@pytest.mark.parametrize(("q", "mixture"), HARD_CASES)
def test_gradient_is_the_derivative_of_the_objective(q, mixture):
    problem = Standardised(*_mixture(*mixture))
    theta = problem.to_theta(*q)
    _, grad = problem.objective(theta)
    h = 1e-6
    for k in range(2):
        step = np.zeros(2)
        step[k] = h
        up, down = problem.objective(theta + step)[0], problem.objective(theta - step)[0]
        assert grad[k] == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-5)


def test_crossings_of_two_log_terms():
    # a - (u - m)² / (2 s²) + u² / 2 = 0 with s = 1: linear, one root
    assert _real_roots(0.0, 2.0, -1.0) == [0.5]
    assert _real_roots(0.0, 0.0, 1.0) == []
    assert sorted(_real_roots(1.0, -3.0, 2.0)) == pytest.approx([1.0, 2.0], abs=1e-15)
    assert _real_roots(1.0, 0.0, 1.0) == []  # no real root
    assert _real_roots(2.0, 0.0, 0.0) == [0.0]
    big = _real_roots(1.0, -1e8, 1.0)  # cancellation-free small root
    assert sorted(big) == pytest.approx([1e-8, 1e8], rel=1e-15, abs=0)


@st.composite
def mixtures(draw):
    k = draw(st.integers(1, 3))
    w = np.array(draw(st.lists(st.floats(0.05, 1.0), min_size=k, max_size=k)))
    m = draw(st.lists(st.floats(-50, 50), min_size=k, max_size=k))
    s = [10.0**e for e in draw(st.lists(st.floats(-3, 2), min_size=k, max_size=k))]
    return list(w / w.sum()), m, s


@pytest.mark.slow  # a 20-digit mpmath oracle
@settings(max_examples=15)
@given(mixture=mixtures(), mu=st.floats(-60, 60), log_sigma=st.floats(-3, 2))
def test_reverse_objective_matches_mpmath_on_random_mixtures(mixture, mu, log_sigma):
    sigma = 10.0**log_sigma
    value = quietly(reverse_kl_to_mixture, mu, sigma, *mixture)
    exact = reverse_kl_oracle(mu, sigma, *mixture)
    assert close(value, exact), (value, exact, value - exact)


def test_reverse_objective_is_invariant_under_an_affine_map():
    q, (w, m, s) = HARD_CASES[5]
    base = reverse_kl_to_mixture(*q, w, m, s)
    for shift, scale in [(1e6, 1.0), (0.0, 1e-150), (-3.0, 1e150)]:
        moved = reverse_kl_to_mixture(
            shift + scale * q[0], scale * q[1], w, shift + scale * np.array(m), scale * np.array(s)
        )
        assert moved == pytest.approx(base, rel=1e-9)


def test_reverse_objective_beyond_the_float_range_is_inf():
    assert quietly(reverse_kl_to_mixture, 1e200, 1.0, [1.0], [0.0], [1e-200]) == np.inf
    assert quietly(reverse_kl_to_mixture, 0.0, 1e300, [1.0], [0.0], [1e-300]) == np.inf


def oracle_local_quadratic(mu, sigma, mixture, h=1e-4):
    """Gradient and Hessian of the oracle in (mu / sigma, log sigma) by differences."""

    def f(a, b):
        return reverse_kl_oracle(mu + a * sigma, sigma * np.exp(b), *mixture)

    f0, fa, fA, fb, fB, fab = f(0, 0), f(h, 0), f(-h, 0), f(0, h), f(0, -h), f(h, h)
    grad = np.array([fa - fA, fb - fB]) / (2 * h)
    haa, hbb = (fa - 2 * f0 + fA) / h**2, (fb - 2 * f0 + fB) / h**2
    hab = (fab - fa - fb + f0) / h**2
    return grad, np.array([[haa, hab], [hab, hbb]])


@pytest.mark.slow  # a 20-digit mpmath oracle
@pytest.mark.parametrize(
    ("mixture", "init"),
    [
        (([0.5, 0.5], [0.0, 0.5], [1.0, 0.002]), (0.0, 1.0)),
        (([0.4, 0.6], [-3.0, 3.0], [0.8, 1.0]), (-3.0, 0.5)),
        (([0.4, 0.6], [-3.0, 3.0], [0.8, 1.0]), (1e100, 1e100)),  # a far start
        (([0.2, 0.3, 0.5], [-50.0, 0.0, 60.0], [0.5, 5.0, 1e-3]), (0.0, 5.0)),
        (([0.999, 0.001], [0.0, 1.0], [1e-3, 1.0]), (1.0, 1.0)),
    ],
)
def test_reverse_fit_is_a_local_minimum_of_the_exact_objective(mixture, init):
    mu, sigma = quietly(fit_gaussian_to_mixture, *mixture, "reverse", init=init)
    grad, hess = oracle_local_quadratic(mu, sigma, mixture)
    assert np.max(np.abs(grad)) < 1e-6, grad  # stationary ...
    assert np.all(np.linalg.eigvalsh(hess) > 0), hess  # ... and a minimum, not a saddle


@pytest.mark.parametrize(
    "init", [(0.0, 1e5), (1e6, 1.0), (-1e6, 1e-3), (0.0, 1e-200), (2.0, 1e250)]
)
def test_far_starts_reach_a_minimum_quietly(init):
    w, m, s = [0.4, 0.6], [-3.0, 3.0], [0.8, 1.0]
    near = fit_gaussian_to_mixture(w, m, s, "reverse", init=(3.0, 1.0))
    far = quietly(fit_gaussian_to_mixture, w, m, s, "reverse", init=init)
    assert far == pytest.approx(near, abs=1e-8)


@settings(max_examples=30)
@given(mixture=mixtures(), mu=st.floats(-1e3, 1e3), log_sigma=st.floats(-4, 4))
def test_reverse_fit_from_any_start_is_a_quiet_local_minimum(mixture, mu, log_sigma):
    """No warning, and no nearby q better (the objective itself is checked above)."""
    fit_mu, fit_sigma = quietly(
        fit_gaussian_to_mixture, *mixture, "reverse", init=(mu, 10.0**log_sigma)
    )
    best = reverse_kl_to_mixture(fit_mu, fit_sigma, *mixture)
    assert np.isfinite(best) and best >= 0
    for dmu, dlog in [(1e-3, 0), (-1e-3, 0), (0, 1e-3), (0, -1e-3)]:
        other = reverse_kl_to_mixture(fit_mu + dmu * fit_sigma, fit_sigma * np.exp(dlog), *mixture)
        assert other >= best - 1e-12 * max(1.0, best)


def test_extreme_widths_are_a_clear_error_and_a_point_like_q_is_finite():
    with pytest.raises(ValueError, match=r"^stds must lie within a factor 1e\+08 of each other"):
        reverse_kl_to_mixture(0.0, 1.0, [0.5, 0.5], [0.0, 1.0], [1e-9, 1.0])
    # q far narrower than every component: KL = -H(q) - log p(mu), without warnings
    value = quietly(reverse_kl_to_mixture, 0.3, 1e-300, [1.0], [0.0], [1e200])
    assert value == pytest.approx(gaussian_kl(0.3, 1e-300, 0.0, 1e200), rel=1e-14, abs=0)
    # continuous where the point limit takes over (sigma = 1e-8 of the narrowest std)
    w, m, s = [0.5, 0.5], [0.0, 1.0], [0.1, 1.0]
    below, above = (reverse_kl_to_mixture(0.2, f * 1e-9, w, m, s) for f in (0.999, 1.001))
    assert below - above == pytest.approx(np.log(1.001 / 0.999), rel=1e-6)


def test_mixture_logpdf_contract():
    out = mixture_logpdf([0.0, np.inf, -np.inf], [1.0], [0.0], [1.0])
    assert out.shape == (3,) and out[0] == pytest.approx(-0.5 * np.log(2 * np.pi))
    assert out[1] == out[2] == -np.inf
    with pytest.raises(ValueError, match=r"^x holds NaN"):
        mixture_logpdf([np.nan], [1.0], [0.0], [1.0])
    with pytest.raises(TypeError, match=r"^x must be real numbers"):
        mixture_logpdf("0", [1.0], [0.0], [1.0])
    grid = mixture_logpdf(np.zeros((2, 3)), [0.5, 0.5], [0.0, 1.0], [1.0, 2.0])
    assert grid.shape == (2, 3)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: reverse_kl_to_mixture(np.nan, 1.0, [1.0], [0.0], [1.0]), "mu must be finite"),
        (lambda: reverse_kl_to_mixture(0.0, 0.0, [1.0], [0.0], [1.0]), "sigma must be finite"),
        (lambda: fit_gaussian_to_mixture([1.0], [0.0], [1.0], "reverse", init="a"), "init must"),
        (
            lambda: fit_gaussian_to_mixture([1.0], [0.0], [1.0], "reverse", init=(np.inf, 1.0)),
            "init mu must be finite",
        ),
        (
            lambda: fit_gaussian_to_mixture([1.0], [0.0], [1.0], "reverse", init=(0.0, -1.0)),
            "init sigma must be finite and > 0",
        ),
        (
            lambda: fit_gaussian_to_mixture([1.0], [0.0], [1e-10], "reverse", init=(1e300, 1.0)),
            "init must be within the float range in units of the widest std",
        ),
    ],
)
def test_reverse_arguments_are_named(call, message):
    with pytest.raises((TypeError, ValueError), match="^" + message):
        call()


class _Quadratic:
    """A stand-in problem: f = 0.5 theta' A theta + b' theta, gradient A theta + b."""

    def __init__(self, a, b):
        self.a, self.b = np.asarray(a, float), np.asarray(b, float)

    def objective(self, theta):
        return 0.5 * theta @ self.a @ theta + self.b @ theta, self.a @ theta + self.b


def test_hessian_by_differences_of_the_gradient():
    from klcourse._reverse import _hessian

    a = np.array([[2.0, 0.5], [0.5, 3.0]])
    np.testing.assert_allclose(_hessian(_Quadratic(a, [1.0, -1.0]), np.array([0.3, 0.7])), a)
    skew = _Quadratic([[2.0, 1.0], [0.0, 3.0]], [0.0, 0.0])  # gradient of a non-symmetric form
    np.testing.assert_allclose(_hessian(skew, np.zeros(2)), [[2.0, 0.5], [0.5, 3.0]])


def test_polish_takes_newton_steps_and_refuses_a_saddle():
    from klcourse._reverse import _polish

    a, b = np.array([[2.0, 0.5], [0.5, 3.0]]), np.array([1.0, -1.0])
    exact = -np.linalg.solve(a, b)
    np.testing.assert_allclose(_polish(_Quadratic(a, b), exact + 0.1), exact, atol=1e-12)
    with pytest.raises(RuntimeError, match=r"^the reverse fit did not reach a local minimum"):
        _polish(_Quadratic([[1.0, 0.0], [0.0, -1.0]], [0.0, 0.0]), np.array([0.1, 0.1]))
    with pytest.raises(RuntimeError, match="did not reach a local minimum"):
        _polish(_Quadratic([[1.0, 0.0], [0.0, -1.0]], [0.0, 0.0]), np.zeros(2))  # saddle


def test_polish_keeps_its_point_when_the_newton_step_goes_uphill():
    from klcourse._reverse import _polish

    class Bowl:  # f = sqrt(1 + |theta|²): Newton overshoots from far out
        def objective(self, theta):
            r = np.sqrt(1 + theta @ theta)
            return r, theta / r

    start = np.array([2e-4, -1e-4])  # near the minimum: Newton converges
    np.testing.assert_allclose(_polish(Bowl(), start), [0.0, 0.0], atol=1e-9)
    with pytest.raises(RuntimeError):  # far out: the step is refused, the gradient stays
        _polish(Bowl(), np.array([3.0, 0.0]))


@pytest.mark.parametrize("far", [40.0, 1e3, 1e6, 1e100, -1e300, -1.7e308])
@pytest.mark.parametrize(("mu", "sigma"), [(0.0, 0.5), (0.3, 0.1), (-1.0, 2.0), (0.3, 1e-7)])
def test_q_at_a_component_far_from_the_widest(far, mu, sigma):
    """Components 40 or more widths apart do not overlap to double precision: at the
    second, KL(q‖p) = KL(q‖N_2) - log w_2 (closed form). A fixed reference at the
    widest component lost mu²/2 * eps here (3e-5 nats at 1e6, everything at 1e100)."""
    w, m, s = [0.3, 0.7], [0.0, far], [1.0, 0.5]
    value = quietly(reverse_kl_to_mixture, far + mu * 0.5, sigma * 0.5, w, m, s)
    exact = gaussian_kl(far + mu * 0.5, sigma * 0.5, far, 0.5) - np.log(0.7)
    assert value == pytest.approx(exact, rel=1e-13, abs=0)
    back = quietly(reverse_kl_to_mixture, mu, sigma, w, m, s)  # at the widest: N_1
    assert back == pytest.approx(gaussian_kl(mu, sigma, 0.0, 1.0) - np.log(0.3), rel=1e-13, abs=0)


def test_reverse_fit_at_a_far_component():
    w, m, s = [0.5, 0.5], [0.0, 1e100], [1.0, 2.0]
    mu, sigma = quietly(fit_gaussian_to_mixture, w, m, s, "reverse", init=(1e100, 1.0))
    assert mu == 1e100 and sigma == pytest.approx(2.0, rel=1e-9)
    mu, sigma = quietly(fit_gaussian_to_mixture, w, m, s, "reverse", init=(3.0, 0.1))
    assert mu == pytest.approx(0.0, abs=1e-9) and sigma == pytest.approx(1.0, rel=1e-9)


def test_components_of_weight_zero_are_left_out():
    # the widest component has weight 0: p is N(0, 1)
    assert quietly(reverse_kl_to_mixture, 0.5, 2.0, [1.0, 0.0], [0.0, 0.0], [1.0, 2.0]) == (
        pytest.approx(gaussian_kl(0.5, 2.0, 0.0, 1.0), rel=1e-14, abs=0)
    )
    fit = quietly(fit_gaussian_to_mixture, [1.0, 0.0], [0.0, 5.0], [1.0, 2.0], "reverse")
    assert fit == pytest.approx((0.0, 1.0), abs=1e-9)


@pytest.mark.parametrize(
    "mixture",
    [
        ([0.3, 0.7], [-1.0, 2.0], [1e-4, 1e-2]),
        ([0.2, 0.3, 0.5], [-50.0, 0.0, 60.0], [0.5, 5.0, 1e-3]),
        ([0.5, 0.5], [0.0, 0.3], [1.0, 0.2]),
        ([0.4, 0.6], [0.0, 0.1], [1.0, 1.0]),  # one crossing, with a slope of 0.1
        ([0.5, 0.5], [0.0, 1e200], [1.0, 0.5]),  # far apart: coefficients scaled
    ],
)
def test_features_hold_every_crossing_and_its_width(mixture):
    """The panel breaks include each component's multiples of its width and, for
    every pair of log-terms, their crossings (mpmath) at multiples of the width of
    the switch 1 / |slope|, in the units of the widest component."""
    problem = Standardised(*_mixture(*mixture))
    features = problem.features
    scale, shift = problem.scale, problem.shift
    expected = [
        (mi - shift) / scale + k * si / scale
        for mi, si in zip(*mixture[1:], strict=True)
        for k in _COMPONENT_BREAKS
    ]
    with mpmath.workdps(100):  # the quadratic formula, without fear of cancellation
        terms = _log_terms(*mixture)
        for i, (a1, b1, c1) in enumerate(terms):
            for a2, b2, c2 in terms[:i]:
                a, b, c = a1 - a2, b1 - b2, c1 - c2
                disc = b * b - 4 * a * c
                if disc < 0:
                    continue
                roots = [(-b + t * mpmath.sqrt(disc)) / (2 * a) for t in (-1, 1)] if a else [-c / b]
                for x0 in roots:
                    slope = abs(2 * (a1 - a2) * x0 + (b1 - b2)) * scale  # per unit of u
                    u0 = (x0 - shift) / scale
                    expected += [float(u0 + k / slope) for k in _COMPONENT_BREAKS]
    expected = np.array(expected)
    near = np.abs(features[None, :] - expected[:, None]) <= 1e-9 * (1 + np.abs(expected[:, None]))
    assert near.any(axis=1).all()
    assert np.isfinite(features).all()


def test_a_tangent_crossing_adds_no_switch_width():
    """Log-terms that touch without crossing (a double root, slope 0) have no switch
    width: no points are spread around it, and nothing is divided by 0."""
    from klcourse._reverse import _features

    # l_1 - l_0 = -(u - 1)² * 3/2 exactly: widest N(0, 1) and N(0.75, 0.5²) with
    # log w - log s lower by 0.375; every coefficient is a binary fraction
    log_ws, m, s = np.array([0.0, -0.375]), np.array([0.0, 0.75]), np.array([1.0, 0.5])
    assert _real_roots(-1.5, 3.0, -1.5) == [1.0, 1.0]  # the pair's quadratic, tangent
    features = quietly(_features, log_ws, m, s)
    expected = (m[:, None] + s[:, None] * _COMPONENT_BREAKS).ravel()
    np.testing.assert_array_equal(features, expected)  # the components' points only


def test_real_roots_at_extreme_coefficients():
    # scaled by the largest coefficient: b = 1e300 or a * c = -1e310 would overflow
    assert sorted(_real_roots(1.0, 1e300, 1.0)) == pytest.approx(
        [-1e300, -1e-300], rel=1e-15, abs=0
    )
    assert sorted(_real_roots(1e10, 0.0, -1e300)) == pytest.approx(
        [-1e145, 1e145], rel=1e-15, abs=0
    )
    assert _real_roots(0.0, 1.0, -3.0) == [3.0]  # linear, b not the largest
    # c / a = 1e309 is beyond the floats, the roots +-sqrt(1e309) are not
    assert sorted(_real_roots(1e-2, 0.0, -1e307)) == pytest.approx(
        [-3.1622776601683794e154, 3.1622776601683794e154], rel=1e-13, abs=0
    )


def test_hessian_of_a_curved_function():
    from klcourse._reverse import _hessian

    class Curved:  # f = exp(t0) + t0 * t1² + cos(t1)
        def objective(self, t):
            return None, np.array([np.exp(t[0]) + t[1] ** 2, 2 * t[0] * t[1] - np.sin(t[1])])

    t = np.array([0.4, -1.2])
    exact = [[np.exp(t[0]), 2 * t[1]], [2 * t[1], 2 * t[0] - np.cos(t[1])]]
    np.testing.assert_allclose(_hessian(Curved(), t), exact, rtol=1e-8)


def test_objective_edges():
    problem = Standardised(*_mixture([0.5, 0.5], [0.0, 1.0], [1.0, 1e-4]))
    value, grad = problem.objective(np.array([0.0, 800.0]))  # sigma beyond the floats
    assert value == np.inf and grad.shape == (2,)
    value, grad = problem.objective(np.array([0.0, 400.0]))  # sigma² beyond them
    assert value == np.inf and grad.shape == (2,)
    assert quietly(reverse_kl_to_mixture, 0.0, 1e200, [0.5, 0.5], [0.0, 1.0], [1.0, 1e-4]) == (
        np.inf
    )
    # q a point on the scale of every component: d KL / d log sigma = -1 + sigma²
    sigma = 0.5e-12  # below 1e-8 of the narrowest, 1e-4
    value, grad = problem.objective(np.array([0.3, np.log(sigma)]))
    assert grad[1] == pytest.approx(-1.0 + sigma**2, rel=1e-15, abs=0)


def test_point_limit_only_below_1e_8_of_the_narrowest():
    """At sigma = 1e-6 (1e-2 of the narrowest width) q is not a point: the value is the
    integral, which differs from the point limit by O((sigma / s)²) = 1e-4 nats."""
    from scipy import integrate

    w, m, s = [0.5, 0.5], [0.0, 1e-4], [1.0, 1e-4]
    mu, sigma = 1e-4, 1e-6

    def integrand(z):
        x = mu + sigma * z
        log_q = -0.5 * z**2 - np.log(sigma * np.sqrt(2 * np.pi))
        return np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi) * (log_q - mixture_logpdf(x, w, m, s))

    exact = integrate.quad(integrand, -14, 14, epsabs=1e-13, epsrel=1e-13, limit=200)[0]
    assert reverse_kl_to_mixture(mu, sigma, w, m, s) == pytest.approx(exact, abs=1e-11)


class _Recorder:
    """A convex stand-in with a minimum at (1, 0) that records where it is evaluated."""

    narrowest = 0.1

    def __init__(self):
        self.seen = []

    def objective(self, theta):
        self.seen.append(np.array(theta, dtype=float))
        d = theta - np.array([1.0, 0.0])
        return float(d @ d), 2 * d

    def closed_form_optimum(self, theta):
        return np.array([1.0, 0.0])


@pytest.mark.parametrize(
    ("start", "first"),
    [((0.0, -50.0), np.log(0.1) - 0.5), ((0.0, 1e4), 340.0), ((0.0, 0.3), 0.3)],
)
def test_the_search_starts_inside_its_sigma_bounds(start, first):
    """log sigma starts no lower than log(narrowest) - 0.5 (no stationary point lies
    below the narrowest width) and no higher than 340 (sigma² stays finite)."""
    from klcourse._reverse import local_minimum

    problem = _Recorder()
    theta = local_minimum(problem, np.array(start))
    assert problem.seen[0][1] == pytest.approx(first, rel=1e-15, abs=0)
    np.testing.assert_allclose(theta, [1.0, 0.0], atol=1e-9)
    assert min(t[1] for t in problem.seen) >= np.log(0.1) - 0.5  # bounds held throughout


def test_a_far_start_jumps_to_the_closed_form_optimum():
    from klcourse._reverse import local_minimum

    problem = _Recorder()
    local_minimum(problem, np.array([1e5, 3.0]))  # value 1e10 > 1e8: far out
    np.testing.assert_array_equal(problem.seen[1], [1.0, 0.0])


def test_closed_form_optimum_is_the_nearest_components():
    """Far out, the jump goes to the mean of the component nearest q, with sigma
    brought down to its width (never up)."""
    problem = Standardised(*_mixture([0.5, 0.5], [0.0, 1e6], [1.0, 0.01]))
    at = problem.closed_form_optimum(np.array([1e6 + 50, 0.0]))  # 5000 widths out
    np.testing.assert_array_equal(at, [1e6, np.log(0.01)])
    at = problem.closed_form_optimum(np.array([-3e6, np.log(1e-3)]))  # beyond the first
    np.testing.assert_array_equal(at, [0.0, np.log(1e-3)])


def test_polish_refuses_to_follow_an_indefinite_hessian():
    """Newton's step from a point where the Hessian is indefinite can land anywhere
    (here: at the minimum y = -1 of y^4/4 - y^2/2, by luck); the polish does not take
    it, and reports that the search did not deliver a minimum."""
    from klcourse._reverse import _polish

    class DoubleWell:
        def objective(self, t):
            value = t[0] ** 2 + t[1] ** 4 / 4 - t[1] ** 2 / 2
            return value, np.array([2 * t[0], t[1] ** 3 - t[1]])

    with pytest.raises(RuntimeError, match="did not reach a local minimum"):
        _polish(DoubleWell(), np.array([0.0, 0.5]))
    np.testing.assert_allclose(_polish(DoubleWell(), np.array([0.01, -0.9])), [0, -1], atol=1e-9)
