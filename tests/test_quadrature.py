"""The adaptive Gauss–Kronrod rule behind the reverse objective, on integrals known exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from klcourse import _quadrature as quad


def exact_noise(g):
    """One integrand whose values are exact to rounding (noise 0 beyond eps |value|)."""
    return lambda x: (g(x)[None], np.zeros((1, x.size)))


def test_the_rule_is_exact_for_polynomials_up_to_its_degree():
    # K15 integrates degree <= 22 exactly (G7 degree <= 13): one panel, no subdivision.
    for degree in (0, 1, 5, 13, 22):
        calls = []

        def f(x, degree=degree, calls=calls):
            calls.append(x.size)
            values = np.stack([x**degree, 3 * x**degree])
            return values, 0 * values

        value = quad.integrate(f, np.array([-1.0, 2.0]), atol=1e-300, rtol=1e-15)
        exact = (2.0 ** (degree + 1) - (-1.0) ** (degree + 1)) / (degree + 1)
        np.testing.assert_allclose(value, [exact, 3 * exact], rtol=1e-14)
        if degree <= 13:  # K15 and G7 agree: accepted in the first round
            assert calls == [15]


def test_weights_and_nodes():
    assert quad.KRONROD.sum() == pytest.approx(2.0, abs=1e-15)
    assert quad.GAUSS.sum() == pytest.approx(2.0, abs=1e-15)
    np.testing.assert_allclose(quad.NODES, -quad.NODES[::-1], atol=0)
    gauss_nodes, gauss_weights = np.polynomial.legendre.leggauss(7)
    np.testing.assert_allclose(quad.NODES[1::2], gauss_nodes, atol=1e-15)
    np.testing.assert_allclose(quad.GAUSS[1::2], gauss_weights, atol=1e-15)
    assert (quad.GAUSS[::2] == 0).all()


@pytest.mark.parametrize("atol", [1e-6, 1e-10, 1e-13])
def test_a_gaussian_integral_meets_the_tolerance(atol):
    value = quad.integrate(
        exact_noise(lambda x: np.exp(-(x**2))), np.array([-12.0, 12.0]), atol=atol, rtol=0.0
    )
    assert abs(value[0] - math.sqrt(math.pi)) <= atol


def test_a_bump_inside_a_panel_is_resolved_by_subdivision():
    """A bump of width 0.05 inside the middle panel: the first round sees that K15 and
    G7 disagree there, halving resolves it. (One much narrower than the node spacing
    could be missed entirely, which is why callers put breaks at every feature.)"""
    width, centre, calls = 0.05, 0.3, []

    def f(x):
        calls.append(x.size)
        return exact_noise(lambda x: np.exp(-0.5 * ((x - centre) / width) ** 2))(x)

    value = quad.integrate(f, np.array([-1.0, 0.0, 0.7, 1.0]), atol=1e-12, rtol=0.0)
    exact = width * math.sqrt(2 * math.pi)  # the tails beyond [-1, 1] are below 1e-80
    assert value[0] == pytest.approx(exact, rel=1e-11)
    assert len(calls) > 1 and calls[0] == 3 * 15


def test_relative_tolerance_is_on_the_integral_of_the_magnitude():
    """rtol scales with the integral of |f|: an integral of 1e12 needs no 1e-12 digits."""
    calls = []

    def f(x):
        calls.append(x.size)
        return exact_noise(lambda x: 1e12 * np.cos(40 * x))(x)

    coarse = quad.integrate(f, np.array([0.0, 10.0]), atol=0.0, rtol=1e-4)
    n_coarse = sum(calls)
    calls.clear()
    fine = quad.integrate(f, np.array([0.0, 10.0]), atol=0.0, rtol=1e-12)
    exact = 1e12 * math.sin(400) / 40
    assert abs(coarse[0] - exact) <= 1e-4 * 1e12 * 10
    assert fine[0] == pytest.approx(exact, rel=1e-9)
    assert sum(calls) > n_coarse


def test_empty_panels_are_skipped_and_the_node_budget_stops_subdivision():
    f = exact_noise(lambda x: np.abs(x - 1 / 3) ** 0.5)  # a cusp: never converges fast
    value = quad.integrate(f, np.array([0.0, 0.0, 1.0, 1.0]), atol=0.0, rtol=0.0, max_nodes=600)
    exact = (2 / 3) * ((1 / 3) ** 1.5 + (2 / 3) ** 1.5)
    assert value[0] == pytest.approx(exact, rel=1e-6)


def test_a_panel_within_its_rounding_noise_is_not_halved():
    """Values with declared noise 1e-6: a rough integrand is accepted at once, rather
    than halved until the node budget runs out; without the noise bound it is not."""
    rng = np.random.default_rng(0)
    calls = []

    def f(x, noise):
        calls.append(x.size)
        values = (1.0 + 1e-6 * rng.uniform(-1, 1, x.size))[None]
        return values, np.full((1, x.size), noise)

    value = quad.integrate(lambda x: f(x, 1e-6), np.array([0.0, 1.0]), atol=1e-14, rtol=0.0)
    assert value[0] == pytest.approx(1.0, abs=1e-6) and calls == [15]
    calls.clear()
    quad.integrate(lambda x: f(x, 0.0), np.array([0.0, 1.0]), atol=1e-14, rtol=0.0, max_nodes=900)
    assert len(calls) > 1


def counting(g):
    """An integrand that records the size of every call."""
    calls = []

    def f(x):
        calls.append(x.size)
        return exact_noise(g)(x)

    return f, calls


def test_empty_panels_are_never_evaluated():
    f, calls = counting(lambda x: x**2)
    value = quad.integrate(f, np.array([0.0, 0.0, 0.5, 0.5, 1.0]), atol=1e-14, rtol=0.0)
    assert value[0] == pytest.approx(1 / 3, rel=1e-15, abs=0)
    assert calls == [2 * 15]  # the two panels of positive length, once


def test_a_zero_integrand_is_accepted_at_once_even_at_zero_tolerance():
    # K15 = G7 = 0 and the allowed error is 0: equality is agreement.
    f, calls = counting(lambda x: 0 * x)
    assert quad.integrate(f, np.array([-1.0, 1.0]), atol=0.0, rtol=0.0)[0] == 0
    assert calls == [15]


def test_subdivision_is_invariant_under_rescaling_of_x():
    """The same integral over [0, 1] and, stretched by c, over [0, c]: the tolerance
    (atol, and rtol times the integral of |f|) is on the integral, so the panels
    chosen are the same and so is every round's number of nodes."""
    rough = lambda x: np.abs(np.sin(7 * x)) ** 1.5 + np.exp(-((x - 0.3) ** 2) / 1e-3)  # noqa: E731
    runs = []
    for c in (1.0, 1e3, 1e-3):
        f, calls = counting(lambda y, c=c: rough(y / c) / c)
        value = quad.integrate(f, np.array([0.0, 0.4 * c, c]), atol=1e-9, rtol=1e-12)
        runs.append((calls, value[0]))
    (calls, value), *others = runs
    assert len(calls) > 3  # the tolerance decides when subdivision stops
    for other_calls, other_value in others:
        assert other_calls == calls
        assert other_value == pytest.approx(value, rel=1e-12)


def test_declared_noise_scales_with_the_panel_like_the_integral():
    """Noise of 1e-7 per value on [0, c] integrates to 1e-7 c: a rough integrand
    with that noise is accepted at once on any scale (the floor is per unit length)."""
    rng = np.random.default_rng(1)
    for c in (1e-3, 1.0, 1e3):
        calls = []

        def f(x, c=c, calls=calls):
            calls.append(x.size)
            values = (1.0 + 1e-7 * rng.uniform(-1, 1, x.size))[None] / c
            return values, np.full((1, x.size), 1e-7 / c)

        value = quad.integrate(f, np.array([0.0, c]), atol=0.0, rtol=0.0, max_nodes=3000)
        assert value[0] == pytest.approx(1.0, abs=1e-6) and calls == [15]


def test_a_jump_far_from_zero_stops_when_a_panel_can_no_longer_be_halved():
    """A step at 1e6 + 1/3 never converges at atol = rtol = 0: the panel holding it is
    halved until it is a few ulps of 1e6 wide (about 30 rounds), not until max_nodes."""
    f, calls = counting(lambda x: (x > 1e6 + 1 / 3).astype(float))
    value = quad.integrate(f, np.array([1e6, 1e6 + 1.0]), atol=0.0, rtol=0.0)
    assert value[0] == pytest.approx(2 / 3, abs=1e-8)
    # half-widths 0.5 / 2**n; the first that is <= 4 eps * 1e6 ends the halving
    rounds = math.ceil(math.log2(0.5 / (4 * quad._EPS * (1e6 + 1))))
    assert len(calls) == 1 + rounds == 31
    assert max(calls) == 2 * 15  # one open panel per round, halved into two


def test_max_nodes_allows_a_round_of_exactly_that_many_nodes():
    """With max_nodes equal to the size of some round, that round still runs (the
    budget is a bound, inclusive), and no later one does."""
    g = lambda x: np.abs(x - 1 / 3) ** 0.5 + np.abs(x - 0.8) ** 0.5  # noqa: E731
    f, calls = counting(g)
    quad.integrate(f, np.array([0.0, 1.0]), atol=0.0, rtol=0.0, max_nodes=10**6)
    full = list(calls)
    k = next(i for i in range(2, len(full)) if full[i] > full[i - 1])  # a round that grew
    f, calls = counting(g)
    quad.integrate(f, np.array([0.0, 1.0]), atol=0.0, rtol=0.0, max_nodes=full[k])
    assert calls == full[: k + 1]
    assert all(c <= full[k] for c in calls)


def test_the_estimate_at_the_node_budget_includes_the_unfinished_panels():
    """Stopped by max_nodes with most of the integral still in open panels: the result
    adds their K15 estimates (a panel's K15 is far better than nothing)."""
    width = 1e-3
    g = lambda x: np.exp(-0.5 * ((x - 0.5) / width) ** 2) + np.abs(x - 0.25) ** 0.5  # noqa: E731
    exact_bump = width * math.sqrt(2 * math.pi)
    exact_cusp = (2 / 3) * (0.25**1.5 + 0.75**1.5)
    breaks = np.linspace(0.0, 1.0, 41)  # the bump sits on a break: resolved at once
    f, calls = counting(g)
    value = quad.integrate(f, breaks, atol=0.0, rtol=0.0, max_nodes=60)
    assert calls == [40 * 15]  # one round only: the next would exceed 60 nodes
    assert value[0] == pytest.approx(exact_bump + exact_cusp, rel=1e-4)


def k15_minus_g7(g, a, b):
    half, x = 0.5 * (b - a), 0.5 * (a + b) + 0.5 * (b - a) * quad.NODES
    return abs((g(x) @ quad.KRONROD - g(x) @ quad.GAUSS) * half)


@pytest.mark.parametrize("factor", [0.99, 1.01])
def test_a_panel_closes_exactly_when_its_difference_is_within_its_share(factor):
    """The budget is shared by length: on breaks [-1, 1, 2] the first panel may use
    2/3 of atol. (1 - x)^14 has |K15 - G7| = d on it and 2**-15 d on the second
    panel, which closes either way; the first closes iff d <= (2/3) atol."""
    g = lambda x: (1.0 - x) ** 14  # noqa: E731
    d = k15_minus_g7(g, -1.0, 1.0)
    f, calls = counting(g)
    quad.integrate(f, np.array([-1.0, 1.0, 2.0]), atol=factor * 1.5 * d, rtol=0.0)
    assert calls == ([30] if factor > 1 else [30, 30])


@pytest.mark.parametrize("factor", [0.99, 1.01])
def test_a_panel_closes_exactly_when_its_difference_is_16_times_its_noise(factor):
    """At atol = rtol = 0 a panel closes when |K15 - G7| is within 16 times the
    integral of its declared noise (plus eps |f|): the documented noise floor."""
    g = lambda x: x**14  # noqa: E731
    d = k15_minus_g7(g, -1.0, 1.0)
    noise = (factor * d / 16 - quad._EPS * 2 / 15) / 2  # integrals over [-1, 1]

    def f(x):
        calls.append(x.size)
        return g(x)[None], np.full((1, x.size), noise)

    calls = []
    quad.integrate(f, np.array([-1.0, 1.0]), atol=0.0, rtol=0.0, max_nodes=100)
    assert calls == ([15] if factor > 1 else [15, 30])


def test_the_unfinished_panels_are_added_per_integrand():
    """Two integrands (g and 3 g) stopped by the node budget: each gets its own
    open panels' K15, so the second result stays exactly three times the first."""
    g = lambda x: np.abs(x - 0.25) ** 0.5  # noqa: E731

    def f(x):
        values = np.stack([g(x), 3 * g(x)])
        return values, np.zeros_like(values)

    value = quad.integrate(f, np.linspace(0.0, 1.0, 5), atol=0.0, rtol=0.0, max_nodes=100)
    assert value[1] == pytest.approx(3 * value[0], rel=1e-14, abs=0)
    assert value[0] == pytest.approx((2 / 3) * (0.25**1.5 + 0.75**1.5), rel=1e-3)


def test_a_panel_of_exactly_4_ulps_half_width_closes():
    """The panel [1 - 8 eps, 1] has half-width 4 eps = 4 ulps of 1 exactly: it closes
    in the first round though its step never converges (at most 4 ulps: inclusive)."""
    lo = 1.0 - 8 * quad._EPS
    f, calls = counting(lambda x: (x > lo + 3 * quad._EPS).astype(float))
    quad.integrate(f, np.array([lo, 1.0]), atol=0.0, rtol=0.0)
    assert calls == [15]
