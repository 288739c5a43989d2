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
