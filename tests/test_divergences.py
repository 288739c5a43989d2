"""klcourse.divergences against SciPy and exact values, plus invariants."""

import math

import numpy as np
import pytest
import scipy.special
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

import klcourse as kc
from tests.strategies import distributions, pairs

FAIR = [1 / 6] * 6
LOADED = [0.1] * 5 + [0.5]


# --- oracle comparisons -------------------------------------------------------


@given(pairs(allow_zeros=True))
def test_kl_matches_scipy_rel_entr(pq):
    p, q = pq
    assert kc.kl_divergence(p, q) == pytest.approx(scipy.special.rel_entr(p, q).sum(), rel=1e-10)


@given(pairs())
def test_kl_and_entropy_match_scipy_stats(pq):
    p, q = pq
    assert kc.kl_divergence(p, q) == pytest.approx(scipy.stats.entropy(p, q), rel=1e-9, abs=1e-15)
    assert kc.entropy(p) == pytest.approx(scipy.stats.entropy(p), rel=1e-12)
    assert kc.entropy(p, base=2) == pytest.approx(scipy.stats.entropy(p, base=2), rel=1e-12)


def test_dice_values_in_closed_form():
    # KL(fair||loaded) = 5/6 ln(5/3) + 1/6 ln(1/3); KL(loaded||fair) = 1/2 ln 3 + 1/2 ln(0.6)
    assert kc.kl_divergence(FAIR, LOADED) == pytest.approx(
        5 / 6 * math.log(5 / 3) + 1 / 6 * math.log(1 / 3), rel=1e-14
    )
    assert kc.kl_divergence(LOADED, FAIR) == pytest.approx(
        0.5 * math.log(3) + 0.5 * math.log(0.6), rel=1e-14
    )
    assert kc.entropy(FAIR) == pytest.approx(math.log(6), rel=1e-14, abs=0)
    assert kc.entropy([0.5, 0.5], base=2) == pytest.approx(1.0, rel=1e-14, abs=0)


def test_js_matches_scipy_jensenshannon():
    p, q = np.array([0.1, 0.2, 0.7]), np.array([0.3, 0.3, 0.4])
    # scipy returns the square root of the JS divergence (a metric)
    assert kc.js_divergence(p, q) == pytest.approx(
        scipy.spatial.distance.jensenshannon(p, q) ** 2, rel=1e-10
    )


def test_kl_terms_match_rel_entr():
    np.testing.assert_allclose(
        kc.kl_terms(FAIR, LOADED), scipy.special.rel_entr(FAIR, LOADED), rtol=1e-14
    )


# --- conventions: zeros and infinity --------------------------------------------


def test_zero_probability_conventions(recwarn):
    assert kc.kl_divergence([0.0, 1.0], [0.5, 0.5]) == pytest.approx(math.log(2))
    assert kc.kl_divergence([0.5, 0.5], [1.0, 0.0]) == math.inf
    assert kc.kl_divergence([0.0, 1.0], [0.0, 1.0]) == 0.0
    assert kc.cross_entropy([0.5, 0.5], [1.0, 0.0]) == math.inf
    assert kc.entropy([1.0, 0.0]) == 0.0
    assert not math.isnan(kc.kl_divergence([0.0, 1.0], [0.0, 1.0]))
    assert len(recwarn) == 0, [str(w.message) for w in recwarn]


def test_batches_broadcast_over_leading_axes():
    p = np.array([[0.5, 0.5], [0.9, 0.1]])
    q = np.array([0.5, 0.5])
    np.testing.assert_allclose(
        kc.kl_divergence(p, q), [0.0, scipy.stats.entropy([0.9, 0.1], [0.5, 0.5])], atol=1e-15
    )
    assert kc.entropy(p).shape == (2,)


# --- invariants (property tests) ----------------------------------------------


@given(pairs(allow_zeros=True))
def test_kl_non_negative(pq):
    assert kc.kl_divergence(*pq) >= 0


@given(distributions(allow_zeros=True))
def test_kl_of_p_with_itself_is_zero(p):
    assert kc.kl_divergence(p, p) == pytest.approx(0.0, abs=1e-12)


@given(pairs())
def test_cross_entropy_is_entropy_plus_kl(pq):
    p, q = pq
    assert kc.cross_entropy(p, q) == pytest.approx(
        kc.entropy(p) + kc.kl_divergence(p, q), rel=1e-10, abs=1e-12
    )


@given(pairs())
def test_bits_are_nats_over_ln2(pq):
    p, q = pq
    assert kc.kl_divergence(p, q, base=2) == pytest.approx(
        kc.kl_divergence(p, q) / math.log(2), rel=1e-12, abs=1e-15
    )
    assert kc.entropy(p, base=2) == pytest.approx(kc.entropy(p) / math.log(2), rel=1e-12)


def test_js_with_the_smallest_subnormal_is_finite():
    """(p + q) / 2 underflows to 0 here; JS must still be the finite value of the limit."""
    p, q = np.array([5e-324, 0.5, 0.5]), np.array([0.0, 1.0, 0.0])
    exact = 0.5 * (0.5 * math.log(2 / 3) + 0.5 * math.log(2)) + 0.5 * math.log(4 / 3)
    assert kc.js_divergence(p, q) == pytest.approx(exact, rel=1e-12)
    assert kc.js_divergence(q, p) == pytest.approx(exact, rel=1e-12)


@given(pairs(allow_zeros=True))
def test_js_symmetric_and_bounded(pq):
    p, q = pq
    js = kc.js_divergence(p, q)
    assert js == pytest.approx(kc.js_divergence(q, p), rel=1e-12, abs=1e-15)
    assert 0 <= js <= math.log(2) + 1e-12


@given(distributions(allow_zeros=True))
def test_entropy_between_zero_and_log_n(p):
    assert -1e-12 <= kc.entropy(p) <= math.log(len(p)) + 1e-12


@st.composite
def two_pairs(draw):
    """Two (p, q) pairs over one number of outcomes, so that mixing them is defined."""
    n = draw(st.integers(2, 8))
    return [draw(distributions(n=n)) for _ in range(4)]


@settings(max_examples=50)
@given(two_pairs(), st.floats(0, 1))
def test_kl_jointly_convex(dists, lam):
    p1, q1, p2, q2 = dists
    mix = kc.kl_divergence(lam * p1 + (1 - lam) * p2, lam * q1 + (1 - lam) * q2)
    avg = lam * kc.kl_divergence(p1, q1) + (1 - lam) * kc.kl_divergence(p2, q2)
    assert mix <= avg + 1e-12


@given(pairs(), pairs())
def test_kl_additive_for_independent_products(pq1, pq2):
    (p1, q1), (p2, q2) = pq1, pq2
    joint = kc.kl_divergence(np.outer(p1, p2).ravel(), np.outer(q1, q2).ravel())
    assert joint == pytest.approx(kc.kl_divergence(p1, q1) + kc.kl_divergence(p2, q2), rel=1e-9)


# --- validation ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "q", "message"),
    [
        ([0.5, 0.5], [0.5, 0.6], "q sums to 1.1, expected 1"),
        ([0.7, 0.7], [0.5, 0.5], "p sums to 1.4, expected 1"),
        ([1.2, -0.2], [0.5, 0.5], "p has a negative entry (-0.2)"),
        ([], [], "p is empty"),
        ([0.5, np.nan], [0.5, 0.5], "p contains NaN or inf"),
        ([0.5, 0.5], [np.inf, 0.0], "q contains NaN or inf"),
        ([0.5, 0.5], [0.2, 0.3, 0.5], "p has 2 outcomes but q has 3"),
        (0.5, [0.5, 0.5], "p must be an array of probabilities"),
    ],
)
def test_bad_distributions_raise_with_a_helpful_message(p, q, message):
    for f in (kc.kl_divergence, kc.cross_entropy, kc.js_divergence):
        with pytest.raises(ValueError) as err:
            f(p, q)
        assert message in str(err.value)


@pytest.mark.parametrize("base", [0, 1, -2, math.inf, math.nan])
def test_bad_base_value_raises(base):
    with pytest.raises(ValueError, match="base"):
        kc.entropy([0.5, 0.5], base=base)


@pytest.mark.parametrize("base", ["two", True, 2j, [2]])
def test_bad_base_type_raises(base):
    with pytest.raises(TypeError, match="base"):
        kc.entropy([0.5, 0.5], base=base)


def test_no_silent_renormalisation_but_explicit_normalize():
    with pytest.raises(ValueError, match="sums to 4"):
        kc.entropy([1, 1, 2])
    np.testing.assert_allclose(kc.normalize([1, 1, 2]), [0.25, 0.25, 0.5])
    with pytest.raises(ValueError, match="sum to 0"):
        kc.normalize([0, 0])
    with pytest.raises(ValueError):
        kc.normalize([1, -1])


def test_tiny_rounding_error_is_accepted():
    p = np.full(10, 0.1)  # sums to 0.9999999999999999
    assert kc.entropy(p) == pytest.approx(math.log(10))


# --- exact edges that mutation testing found unpinned --------------------------------


def test_normalize_per_row_and_at_extreme_scales():
    np.testing.assert_array_equal(kc.normalize([[1, 1], [1, 3]]), [[0.5, 0.5], [0.25, 0.75]])
    np.testing.assert_array_equal(kc.normalize([1e300, 3e300]), [0.25, 0.75])
    np.testing.assert_array_equal(kc.normalize([1e-320, 3e-320]), [0.25, 0.75])
    # rows on scales 600 decades apart: each row is scaled by its own maximum
    np.testing.assert_array_equal(
        kc.normalize([[1e-300, 3e-300], [1e300, 1e300]]), [[0.25, 0.75], [0.5, 0.5]]
    )
    with pytest.raises(TypeError, match=r"^weights must be real numbers"):
        kc.normalize("ab")


def test_results_are_positive_zero_not_negative_zero():
    for value in (
        kc.entropy([1.0, 0.0]),
        kc.cross_entropy([1.0, 0.0], [1.0, 0.0]),
        kc.js_divergence([0.3, 0.7], [0.3, 0.7]),
    ):
        assert value == 0.0 and math.copysign(1.0, value) == 1.0


def test_bases_and_batches_of_every_function():
    p = np.array([[0.5, 0.5], [0.9, 0.1]])
    q = np.array([0.25, 0.75])
    ln2 = math.log(2)
    for f in (kc.cross_entropy, kc.kl_divergence, kc.js_divergence):
        nats = f(p, q)
        assert nats.shape == (2,)
        np.testing.assert_allclose(f(p, q, base=2), nats / ln2, rtol=1e-14)
        np.testing.assert_allclose(f(p, q, base=10), nats / math.log(10), rtol=1e-14)
    np.testing.assert_allclose(
        kc.cross_entropy(p, q), [-(0.5 * math.log(0.25) + 0.5 * math.log(0.75)),
                                 -(0.9 * math.log(0.25) + 0.1 * math.log(0.75))], rtol=1e-15
    )  # fmt: skip
    with pytest.raises(ValueError, match=r"^p sums to 1\.1"):
        kc.entropy([0.5, 0.6])


def test_js_is_clipped_to_its_bounds_where_rounding_would_leave_them():
    """Disjoint supports give log 2 and never more (the sum can round above it); nearly equal
    distributions give >= 0 (the sum can round below 0)."""
    rng = np.random.default_rng(0)
    above = below = 0
    for _ in range(300):
        n = int(rng.integers(3, 40))
        a, b = np.zeros(n), np.zeros(n)
        a[0] = 1.0
        b[1:] = rng.dirichlet(np.ones(n - 1))
        js = kc.js_divergence(a, b)
        assert js <= math.log(2) and js == pytest.approx(math.log(2), rel=1e-15, abs=0)
        assert kc.js_divergence(a, b, base=2) <= 1.0
        assert kc.js_divergence(a, b, base=2) == pytest.approx(1.0, rel=1e-15, abs=0)  # 1 bit
        p = rng.dirichlet(np.ones(n))
        q = np.abs(p * (1 + 1e-12 * rng.normal(size=n)))
        q /= q.sum()
        assert kc.js_divergence(p, q) >= 0.0
        unclipped = _js_unclipped(a, b), _js_unclipped(p, q)
        above += unclipped[0] > math.log(2)
        below += unclipped[1] < 0
    assert above > 0 and below > 0  # the clips are needed, not decoration


def _js_unclipped(p, q):
    m = (p + q) / 2
    return 0.5 * (scipy.special.rel_entr(p, m).sum() + scipy.special.rel_entr(q, m).sum())
