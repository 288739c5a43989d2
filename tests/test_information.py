"""klcourse.information: joint tables against scipy.stats.entropy, closed forms and mpmath."""

import math
import warnings

import mpmath
import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from klcourse.information import (
    as_joint,
    conditional_entropy,
    joint_entropy,
    mutual_information,
)
from tests.test_contracts import check_outcome, hostile


@st.composite
def joints(draw, allow_zeros=True):
    shape = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    low = 0.0 if allow_zeros else 1e-3
    w = draw(arrays(np.float64, shape, elements=st.floats(low, 1.0)))
    if w.sum() == 0:
        w[0, 0] = 1.0
    return w / w.sum()


def scipy_h(p):
    return scipy.stats.entropy(np.ravel(p))


@given(joints())
def test_against_scipy_entropies(t):
    hx, hy, hxy = scipy_h(t.sum(1)), scipy_h(t.sum(0)), scipy_h(t)
    assert joint_entropy(t) == pytest.approx(hxy, rel=1e-12, abs=1e-15)
    assert conditional_entropy(t) == pytest.approx(hxy - hx, rel=1e-9, abs=1e-12)
    assert conditional_entropy(t.T) == pytest.approx(hxy - hy, rel=1e-9, abs=1e-12)
    assert mutual_information(t) == pytest.approx(hx + hy - hxy, rel=1e-9, abs=1e-12)
    product = np.outer(t.sum(1), t.sum(0))
    if np.all(product[t > 0] > 0):  # scipy's route fails (inf) where the product underflows
        assert mutual_information(t) == pytest.approx(
            scipy.stats.entropy(t.ravel(), product.ravel()), rel=1e-9, abs=1e-12
        )


@given(joints())
def test_conditional_entropy_is_the_average_row_entropy(t):
    px = t.sum(1)
    rows = [px[i] * scipy_h(t[i] / px[i]) for i in range(len(px)) if px[i] > 0]
    assert conditional_entropy(t) == pytest.approx(sum(rows), rel=1e-10, abs=1e-15)
    assert conditional_entropy(t, base=2) == pytest.approx(sum(rows) / math.log(2), abs=1e-12)


@given(joints())
def test_invariants(t):
    hx, hy = scipy_h(t.sum(1)), scipy_h(t.sum(0))
    mi = mutual_information(t)
    assert mi >= 0 and conditional_entropy(t) >= 0
    assert mi == pytest.approx(mutual_information(t.T), rel=1e-12, abs=1e-15)  # symmetric
    assert mi <= min(hx, hy) + 1e-12
    assert conditional_entropy(t) <= hy + 1e-12  # conditioning never adds uncertainty


@settings(max_examples=50)
@given(joints(), st.data())
def test_data_processing_inequality(t, data):
    """Z from Y through any channel K (rows of K sum to 1): I(X; Z) <= I(X; Y)."""
    k = data.draw(arrays(np.float64, (t.shape[1], 3), elements=st.floats(1e-3, 1.0)))
    k /= k.sum(1, keepdims=True)
    assert mutual_information(t @ k) <= mutual_information(t) + 1e-12


def test_independent_and_deterministic_tables():
    px, py = np.array([0.2, 0.3, 0.5]), np.array([0.6, 0.4])
    assert mutual_information(np.outer(px, py)) == pytest.approx(0.0, abs=1e-15)
    assert conditional_entropy(np.outer(px, py)) == pytest.approx(scipy_h(py), rel=1e-12)
    perm = np.diag(px)[[2, 0, 1]]  # Y is a function of X
    assert conditional_entropy(perm) == 0.0
    assert mutual_information(perm) == pytest.approx(scipy_h(px), rel=1e-12)
    assert mutual_information([[1.0]]) == 0.0 and conditional_entropy([[1.0]]) == 0.0


def test_a_discretised_gaussian_has_the_closed_form_mutual_information():
    """For a fine grid, I of the binned pair tends to -1/2 log(1 - rho^2)."""
    rho, g = 0.9, np.linspace(-7, 7, 701)
    x, y = np.meshgrid(g, g, indexing="ij")
    dens = np.exp(-(x**2 - 2 * rho * x * y + y**2) / (2 * (1 - rho**2)))
    mi = mutual_information(dens / dens.sum())
    assert mi == pytest.approx(-0.5 * math.log(1 - rho**2), abs=2e-4)
    assert -0.5 * math.log(1 - rho**2) == pytest.approx(0.830366, abs=1e-6)


def test_tiny_marginals_against_mpmath():
    """Marginals whose product underflows; the exact value from mpmath at 50 digits."""
    t = np.array([[1e-200, 1e-180], [1e-190, 1 - 1e-180 - 1e-190 - 1e-200]])
    with mpmath.workdps(50):
        m = [[mpmath.mpf(v) for v in row] for row in t]
        m[1][1] = 1 - m[0][0] - m[0][1] - m[1][0]
        px = [sum(r) for r in m]
        py = [m[0][j] + m[1][j] for j in range(2)]
        exact = sum(
            m[i][j] * mpmath.log(m[i][j] / (px[i] * py[j])) for i in range(2) for j in range(2)
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mi = mutual_information(t)
    assert mi == pytest.approx(float(exact), rel=1e-6)
    assert conditional_entropy(t) > 0


def test_a_batch_of_rows_is_rejected_with_a_pointer():
    batch = [[0.5, 0.5], [0.9, 0.1], [0.2, 0.8]]
    with pytest.raises(ValueError, match=r"sum to 3, not 1, but each of its 3 rows sums to 1"):
        mutual_information(batch)
    with pytest.raises(ValueError, match=r"joint's entries sum to 1\.2, expected 1"):
        conditional_entropy([[0.5, 0.5], [0.1, 0.1]])


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        ([0.5, 0.5], ValueError, "2-D table"),
        (np.ones((2, 2, 1)) / 4, ValueError, "2-D table"),
        (np.zeros((0, 2)), ValueError, "2-D table"),
        ([[0.5, np.nan], [0.25, 0.25]], ValueError, "finite probabilities"),
        ([[1.5, -0.5]], ValueError, "finite probabilities"),
        ([[True, False]], TypeError, "joint"),
        ("0.5", TypeError, "joint"),
    ],
)
def test_bad_tables(value, error, match):
    with pytest.raises(error, match=match):
        as_joint(value)
    with pytest.raises(error, match=match):
        mutual_information(value)


@settings(max_examples=60)
@given(t=hostile, base=st.sampled_from([None, 2, 0, -1.0]))
def test_hostile_input(t, base):
    for f in (mutual_information, conditional_entropy, joint_entropy):
        check_outcome(lambda a, b, f=f: f(a, base=b), [t, base], ("joint", "base"))


def test_float32_tables_are_accepted():
    t = (np.ones((3, 4)) / 12).astype(np.float32)
    assert conditional_entropy(t) == pytest.approx(math.log(4), rel=1e-6)
    assert mutual_information(t) == pytest.approx(0.0, abs=1e-6)
