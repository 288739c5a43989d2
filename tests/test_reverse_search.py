"""The machinery behind the reverse fit: rounding bounds of the integrand, and the search.

The reverse objective integrates r(u) = log p(u) - log(w_j N_j(u)) and its derivative
with a quadrature that stops halving a panel once its error estimate is within the
integrand's declared rounding noise. Those noise bounds are checked here against
r and r' computed by mpmath at 60 digits (an underestimate would make the quadrature
halve panels in vain; a gross overestimate would let it stop early). The search is
checked on stand-in problems whose minima are known.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from klcourse import _reverse
from klcourse._reverse import EPS, Standardised, _polish, local_minimum
from klcourse.fitting import _mixture

#: q (mean, std), then the mixture (weights, means, stds), in x units. Each makes
#: rounding matter somewhere: q away from the widest component (u = mu + sigma z is
#: rounded), means far from 0, a narrow component, a weight of 1e-200.
ROUNDING_CASES = [
    ((2.0, 0.5), ([0.4, 0.6], [-3.0, 3.0], [0.8, 1.0])),
    ((0.3, 1e-3), ([0.5, 0.5], [0.0, 0.3], [1.0, 1e-3])),
    ((5.0, 30.0), ([0.2, 0.3, 0.5], [-50.0, 0.0, 60.0], [0.5, 5.0, 1e-3])),
    ((0.0, 1.0), ([0.5, 0.5], [-40.0, 40.0], [1.0, 1.0])),
    ((30.0, 2.0), ([1 - 1e-200, 1e-200], [0.0, 30.0], [1.0, 0.5])),
    ((1e5, 100.0), ([0.5, 0.5], [1e5, 1e5 + 50], [20.0, 1.0])),
    ((-430.2, 19.5), ([0.317, 0.683], [-476.25, -490.29], [45.28, 9.05])),
    ((9.86, 0.21), ([0.37, 0.25, 0.38], [7.55, 20.41, 29.43], [9.03, 0.204, 5.2])),
    ((40523.7, 0.88), ([6.7e-177, 0.814, 0.186], [40493.9, 40594.4, -2091.1], [40.6, 12.9, 0.22])),
]
Z = np.linspace(-11.9, 11.9, 61)


def exact_r(problem, u, j):
    """r(u) and r'(u) for reference j, from the problem's own parameters, in mpmath."""
    m, s, lw = ([mpmath.mpf(float(v)) for v in x] for x in (problem.m, problem.s, problem.log_ws))
    zj = (u - m[j]) / s[j]
    others = [i for i in range(len(m)) if i != j]
    d = [lw[i] - lw[j] - ((u - m[i]) / s[i]) ** 2 / 2 + zj**2 / 2 for i in others]
    slope = [zj / s[j] - (u - m[i]) / s[i] ** 2 for i in others]
    total = 1 + mpmath.fsum(mpmath.exp(x) for x in d)
    return mpmath.log(total), mpmath.fsum(
        mpmath.exp(x) * y for x, y in zip(d, slope, strict=True)
    ) / total


def error_ratios(case):
    """|computed - exact| / bound at the nodes Z of q, for r and for r'."""
    (mu, sigma), mixture = case
    problem = Standardised(*_mixture(*mixture))
    mu, log_sigma = problem.to_theta(mu, sigma)
    sigma = np.exp(log_sigma)
    j, _ = problem.reference(mu, log_sigma)
    r, dr, r_noise, dr_noise = problem._terms(mu + sigma * Z, mu, j)
    ratios = []
    with mpmath.workdps(60):
        for k, z in enumerate(Z):
            u = mpmath.mpf(float(mu)) + mpmath.mpf(float(sigma)) * mpmath.mpf(float(z))
            exact, exact_d = exact_r(problem, u, j)
            # the quadrature adds eps |f| itself; 1e-300 stands for an underflow
            bound = r_noise[k] + EPS * abs(r[k]) + 1e-300
            bound_d = dr_noise[k] + EPS * abs(dr[k]) + 1e-300
            ratios.append((abs(float(r[k] - exact)) / bound, abs(float(dr[k] - exact_d)) / bound_d))
    return np.array(ratios)


@pytest.fixture(scope="module")
def ratios():
    return {i: error_ratios(case) for i, case in enumerate(ROUNDING_CASES)}


def test_rounding_bounds_hold(ratios):
    """At every node, the declared noise bounds the error of r and of r' (measured
    worst over 24,000 random points: 0.49 and 0.52 of the bound)."""
    for i, r in ratios.items():
        assert r.max(axis=0).tolist() <= [1.0, 1.0], ROUNDING_CASES[i]


def test_rounding_bounds_are_not_loose(ratios):
    """The worst error reaches a sizeable part of its bound in most cases (a bound
    many times too large would let the quadrature stop before its tolerance is met).
    Measured: medians 0.37 (r) and 0.18 (r'), largest 0.50 and 0.53."""
    worst = np.array([r.max(axis=0) for r in ratios.values()])
    assert np.median(worst, axis=0).tolist() >= [0.1, 0.1]
    assert worst.max(axis=0).tolist() >= [0.3, 0.3]


def test_rounding_bounds_stay_finite_where_a_component_is_beyond_reach():
    """resp = 0 times a bound beyond the floats: the bound is capped, never NaN."""
    problem = Standardised(*_mixture([0.5, 0.5], [0.0, 1e200], [1.0, 1e-5]))
    u = np.array([-3.0, 0.0, 5.0])
    r, dr, r_noise, dr_noise = problem._terms(u, 0.0, 0)
    np.testing.assert_array_equal(r, 0.0)
    np.testing.assert_array_equal(dr, 0.0)
    np.testing.assert_array_equal(r_noise, EPS)  # one ulp of 1 in the log
    np.testing.assert_array_equal(dr_noise, 0.0)


class _Bowl:
    """A stand-in problem with its minimum at ``best``: log cosh in mu, which L-BFGS
    does not solve in a few exact steps (as it would a quadratic), and a quadratic in
    log sigma, where one Newton step lands on the minimum."""

    def __init__(self, best, narrowest=0.1):
        self.best, self.narrowest, self.seen = np.asarray(best, float), narrowest, []

    def objective(self, theta):
        self.seen.append(np.array(theta, dtype=float))
        d = theta - self.best
        value = np.logaddexp(d[0], -d[0]) - np.log(2.0) + 0.5 * d[1] ** 2
        return float(value), np.array([np.tanh(d[0]), d[1]])

    def closed_form_optimum(self, theta):
        return self.best.copy()


def test_one_lbfgs_run_reaches_the_gradient_tolerance(monkeypatch):
    """L-BFGS itself is run to |g| < 1e-9 (its own gtol is 1e-10); with scipy's
    default gtol of 1e-5 it would stop early and be restarted again and again."""
    runs = []
    real = _reverse.minimize

    def counted(*args, **kwargs):
        runs.append(real(*args, **kwargs))
        return runs[-1]

    monkeypatch.setattr(_reverse, "minimize", counted)
    theta = local_minimum(_Bowl([0.7, 0.2]), np.array([3.0, 1.5]))
    assert len(runs) == 1 and np.max(np.abs(runs[0].jac)) < 1e-9
    np.testing.assert_allclose(theta, [0.7, 0.2], atol=1e-9)


def test_lbfgs_keeps_sigma_above_its_lower_bound():
    """With the minimum of the stand-in below the bound log(narrowest) - 0.5, L-BFGS
    stops at the bound; only the polish goes below it: its Hessian's differences,
    1e-5 below the bound, and its Newton step, straight to the minimum."""
    low = np.log(0.1) - 0.5
    problem = _Bowl([1.0, low - 2.0])
    theta = local_minimum(problem, np.array([0.0, 0.0]))
    np.testing.assert_allclose(theta, problem.best, atol=1e-9)
    below = [t for t in problem.seen if t[1] < low]
    near = [min(np.max(np.abs(t - problem.best)), low - t[1]) for t in below]
    assert below and max(near) <= 1.01e-5


class _Flat:
    """f = theta_0²: minimal along a whole line, its Hessian singular."""

    def objective(self, theta):
        return theta[0] ** 2, np.array([2 * theta[0], 0.0])


def test_polish_does_not_accept_a_singular_hessian():
    """A zero eigenvalue is not a certified minimum: the polish neither solves with
    the singular Hessian nor returns the point, even where the gradient is 0."""
    for start in ([0.5, 0.0], [0.0, 0.3]):
        with pytest.raises(RuntimeError, match="did not reach a local minimum"):
            _polish(_Flat(), np.array(start))


class _Terraces:
    """Gradient theta - c(theta_0) with Hessian I; c moves as theta_0 drops, and the
    value drops with it: the first Newton step lowers the value but steepens the
    gradient (1 -> 2), the second lands on the minimum (-3, 0)."""

    def objective(self, theta):
        if theta[0] > -0.5:
            centre, value = np.array([-1.0, 0.0]), 2.0
        elif theta[0] > -2.5:
            centre, value = np.array([-3.0, 0.0]), 1.0
        else:
            centre, value = np.array([-3.0, 0.0]), 0.0
        return value + 0.0 * theta[0], theta - centre


def test_polish_takes_a_step_that_lowers_the_value_though_not_the_gradient():
    theta = _polish(_Terraces(), np.array([0.0, 0.0]))
    np.testing.assert_allclose(theta, [-3.0, 0.0], rtol=0, atol=1e-9)


def test_the_quadrature_gets_the_integrands_and_their_noise(monkeypatch):
    """E_q[r], E_q[r'] and E_q[z r'] over z ~ N(0, 1): the values and noise bounds
    handed to the quadrature are the density times r, r', z r' and their bounds
    (|z| times r''s bound for the third), over breaks that start at -12 and end at 12."""
    problem = Standardised(*_mixture([0.4, 0.6], [-3.0, 3.0], [0.8, 1.0]))
    mu, sigma, j = 2.1, 0.7, 1
    seen = {}

    def capture(f, breaks, atol, rtol):
        seen.update(f=f, breaks=breaks, atol=atol, rtol=rtol)
        return np.zeros(3)

    monkeypatch.setattr(_reverse.quadrature, "integrate", capture)
    problem._remainder(mu, sigma, j)
    z = np.array([-11.0, -2.5, 0.0, 0.3, 4.0])
    values, noise = seen["f"](z)
    r, dr, r_noise, dr_noise = problem._terms(mu + sigma * z, mu, j)
    density = np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi)
    np.testing.assert_array_equal(values, [density * r, density * dr, density * z * dr])
    np.testing.assert_array_equal(
        noise, [density * r_noise, density * dr_noise, density * np.abs(z) * dr_noise]
    )
    assert (seen["breaks"][0], seen["breaks"][-1]) == (-12.0, 12.0)
    assert np.all(np.diff(seen["breaks"]) > 0)
    assert (seen["atol"], seen["rtol"]) == (1e-12, 1e-15)


def test_rounding_bounds_follow_their_formula():
    """The bounds of ``_rounding``'s docstring, worked by hand at one point with two
    components besides the reference (all numbers binary fractions, so exact):
    D = (27, 22), sum resp D = 17.75, r: 1 + 17.75 + |r'| scale = 40.5 with
    scale = |mu| + |u| = 3 and r' = 7.25; r': 0.25 (239 + 48) + 0.5 (534.375 + 516).
    (s_j = 1 or 0.5 would hide mutations: 1/s_j² = 1/s_j or 2/s_j there.)"""
    from klcourse._reverse import _rounding

    zi, zj, s, s_j = np.array([[2.0, -1.0]]), np.array([3.0]), np.array([0.25, 2.0]), 0.25
    resp = np.array([[0.25, 0.5]])
    slope = zj[:, None] / s_j - zi / s
    dr = (resp * slope).sum(axis=1)
    np.testing.assert_array_equal(slope, [[4.0, 12.5]])
    r_noise, dr_noise = _rounding(
        np.array([1.0, -2.0]), zi, zj, s, s_j, (-1.0, np.array([2.0])), resp, slope, dr
    )
    np.testing.assert_array_equal(r_noise, [40.5 * EPS])
    np.testing.assert_array_equal(dr_noise, [596.9375 * EPS])
