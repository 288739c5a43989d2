"""klcourse.families against SciPy, generator functions, closed forms and mpmath."""

import itertools
import math
import warnings

import mpmath
import numpy as np
import pytest
import scipy.spatial.distance
import scipy.special
from hypothesis import given, settings
from hypothesis import strategies as st

import klcourse as kc
from klcourse.families import F_KINDS, alpha_divergence, f_divergence, renyi_divergence
from tests.strategies import distributions, pairs
from tests.test_contracts import check_outcome, hostile

# f(t) of each kind, applied as sum_x q f(p / q) where q > 0 (an independent route)
GENERATORS = {
    "kl": lambda t: scipy.special.xlogy(t, t),
    "reverse_kl": lambda t: -np.log(t),
    "tv": lambda t: 0.5 * np.abs(t - 1),
    "hellinger": lambda t: 0.5 * (np.sqrt(t) - 1) ** 2,
    "chi2": lambda t: (t - 1) ** 2,
    "js": lambda t: 0.5 * (scipy.special.xlogy(t, 2 * t / (1 + t)) + np.log(2 / (1 + t))),
}


@pytest.mark.parametrize("kind", sorted(F_KINDS))
@given(pq=pairs())
def test_each_kind_is_its_generator_average(kind, pq):
    p, q = pq
    oracle = float(q @ GENERATORS[kind](p / q))
    assert f_divergence(p, q, kind) == pytest.approx(oracle, rel=1e-9, abs=1e-14)


@given(pairs(allow_zeros=True))
def test_against_scipy(pq):
    p, q = pq
    s = p + q  # not the midpoint itself: (p + q) / 2 underflows at the smallest subnormal
    js = (scipy.special.rel_entr(2 * p, s).sum() + scipy.special.rel_entr(2 * q, s).sum()) / 4
    if np.all(p > 0) and np.all(q > 0):  # scipy's jensenshannon gives nan at 0 / 0
        assert scipy.spatial.distance.jensenshannon(p, q) ** 2 == pytest.approx(js, rel=1e-7)
    assert f_divergence(p, q, "js") == pytest.approx(js, rel=1e-7, abs=1e-12)
    assert f_divergence(p, q, "js", base=2) == pytest.approx(js / math.log(2), rel=1e-7, abs=1e-12)
    assert f_divergence(p, q, "kl") == pytest.approx(scipy.special.rel_entr(p, q).sum(), rel=1e-10)
    assert f_divergence(p, q, "reverse_kl") == pytest.approx(
        scipy.special.rel_entr(q, p).sum(), rel=1e-10
    )
    tv = scipy.spatial.distance.cityblock(p, q) / 2
    assert f_divergence(p, q, "tv") == pytest.approx(tv, rel=1e-12, abs=1e-15)
    hel = 1 - np.sqrt(p * q).sum()  # the textbook identity, cancellation and all
    assert f_divergence(p, q, "hellinger") == pytest.approx(hel, abs=1e-12)


@given(pairs(allow_zeros=True))
def test_pinsker_and_the_orderings(pq):
    p, q = pq
    tv, kl = f_divergence(p, q, "tv"), f_divergence(p, q, "kl")
    hel, chi2 = f_divergence(p, q, "hellinger"), f_divergence(p, q, "chi2")
    assert tv <= math.sqrt(kl / 2) + 1e-12  # Pinsker
    assert hel <= tv + 1e-12 <= math.sqrt(2 * hel) + 2e-12  # Le Cam
    assert kl <= math.log1p(chi2) + 1e-12 if np.isfinite(chi2) else True
    assert 0 <= tv <= 1 and 0 <= hel <= 1


@settings(max_examples=50)
@given(st.integers(2, 6).flatmap(lambda n: st.tuples(*[distributions(n=n)] * 3)))
def test_metrics_obey_the_triangle_inequality(pqr):
    p, q, r = pqr
    for d in (
        lambda a, b: f_divergence(a, b, "tv"),
        lambda a, b: math.sqrt(f_divergence(a, b, "js")),
        lambda a, b: math.sqrt(f_divergence(a, b, "hellinger")),
    ):
        assert d(p, r) <= d(p, q) + d(q, r) + 1e-12


def test_kl_breaks_the_triangle_inequality():
    p, q, r = [0.5, 0.5], [0.75, 0.25], [0.9, 0.1]
    assert kc.kl_divergence(p, r) > kc.kl_divergence(p, q) + kc.kl_divergence(q, r)


def test_exact_values_and_supports():
    p, q = [0.5, 0.5, 0.0], [0.25, 0.25, 0.5]
    assert f_divergence(p, q, "tv") == 0.5
    assert f_divergence(p, q, "chi2") == pytest.approx(1.0, rel=1e-15)
    assert f_divergence(q, p, "chi2") == math.inf
    assert f_divergence(q, p, "kl") == math.inf and f_divergence(p, q, "reverse_kl") == math.inf
    assert f_divergence(p, q, "hellinger") == pytest.approx(1 - math.sqrt(0.5), rel=1e-14)
    disjoint = ([1.0, 0.0], [0.0, 1.0])
    assert f_divergence(*disjoint, "tv") == 1.0 and f_divergence(*disjoint, "hellinger") == 1.0
    assert f_divergence(*disjoint, "js", base=2) == 1.0


def test_batches_broadcast():
    p = np.array([[0.5, 0.5], [0.9, 0.1]])
    q = np.array([0.7, 0.3])
    for kind in F_KINDS:
        got = f_divergence(p, q, kind)
        assert got.shape == (2,)
        assert got[1] == pytest.approx(f_divergence(p[1], q, kind), rel=1e-15)


def test_tiny_differences_keep_their_digits():
    """chi2 with p - q = 1e-170 at q = 1e-160: (p - q)**2 alone underflows to 0."""
    p, q = np.array([1e-160 + 1e-170, 1.0]), np.array([1e-160, 1.0])
    with mpmath.workdps(50):
        d = mpmath.mpf(p[0]) - mpmath.mpf(q[0])
        exact = float(d * d / mpmath.mpf(q[0]))  # the second outcome contributes 0
    assert exact == pytest.approx(1e-180, rel=1e-6)
    assert f_divergence(p, q, "chi2") == pytest.approx(exact, rel=1e-12)


def test_chi2_overflow_is_inf_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f_divergence([0.5, 0.5], [1 - 1e-310, 1e-310], "chi2") == math.inf


def test_kind_and_base_are_validated():
    with pytest.raises(ValueError, match="kind must be one of"):
        f_divergence([0.5, 0.5], [0.5, 0.5], "kl2")
    with pytest.raises(ValueError, match="kind must be one of"):
        f_divergence([0.5, 0.5], [0.5, 0.5], None)
    with pytest.raises(ValueError, match="'tv' has no unit, got base=2"):
        f_divergence([0.5, 0.5], [0.5, 0.5], "tv", base=2)
    with pytest.raises(ValueError, match="base must be"):
        f_divergence([0.5, 0.5], [0.5, 0.5], "kl", base=1)


# --- Renyi ---------------------------------------------------------------------------


def mp_normalised(p, q):
    """p and q at 60 digits, each divided by its exact sum (the float sums are off 1)."""
    p, q = [mpmath.mpf(v) for v in p], [mpmath.mpf(v) for v in q]
    return [v / sum(p) for v in p], [v / sum(q) for v in q]


def mp_renyi(p, q, alpha):
    with mpmath.workdps(60):
        p, q = mp_normalised(p, q)
        al = mpmath.mpf(alpha)
        s = sum(a**al * b ** (1 - al) for a, b in zip(p, q, strict=True) if a > 0)
        return float(mpmath.log(s) / (al - 1))


@given(pairs(), st.sampled_from([0.1, 0.5, 0.999, 0.9999999, 1.0000001, 1.5, 2.0, 7.0, 50.0]))
def test_renyi_against_mpmath(pq, alpha):
    p, q = pq
    want = mp_renyi(p, q, alpha)
    assert renyi_divergence(p, q, alpha) == pytest.approx(want, rel=1e-8, abs=1e-14)


@given(pairs(allow_zeros=True))
def test_renyi_special_orders(pq):
    p, q = pq
    chi2, hel = f_divergence(p, q, "chi2"), f_divergence(p, q, "hellinger")
    if chi2 < math.inf:  # chi2 overflows before D_2 = log(1 + chi2) does
        assert renyi_divergence(p, q, 2.0) == pytest.approx(math.log1p(chi2), rel=1e-9, abs=1e-14)
    overlap = np.sqrt(p * q).sum()  # D_1/2 = -2 log sum sqrt(pq) = -2 log(1 - hel)
    if overlap > 0:
        assert renyi_divergence(p, q, 0.5) == pytest.approx(
            -2 * math.log(overlap) if hel > 0.5 else -2 * math.log1p(-hel), rel=1e-9, abs=1e-14
        )
    assert renyi_divergence(p, q, 1.0) == kc.kl_divergence(p, q)
    support = p > 0
    with np.errstate(divide="ignore"):
        assert renyi_divergence(p, q, np.inf) == pytest.approx(
            np.max(np.log(p[support]) - np.log(q[support])), rel=1e-12, abs=1e-15
        )
        assert renyi_divergence(p, q, 0.0) == pytest.approx(
            -np.log(q[support].sum()), rel=1e-12, abs=1e-15
        )


@given(pairs(allow_zeros=True))
def test_renyi_grows_with_the_order_and_is_continuous_at_one(pq):
    p, q = pq
    orders = [0.0, 0.3, 0.5, 0.9, 1 - 1e-6, 1.0, 1 + 1e-6, 1.5, 3.0, 30.0, np.inf]
    values = [renyi_divergence(p, q, a) for a in orders]
    for a, b in itertools.pairwise(values):
        assert b == math.inf if a == math.inf else b >= a - 1e-9 * max(1, a)
    kl = kc.kl_divergence(p, q)
    if np.isfinite(kl):
        for a in (1 - 1e-9, 1 + 1e-9):
            assert renyi_divergence(p, q, a) == pytest.approx(kl, rel=1e-6, abs=1e-12)


def test_renyi_supports():
    p, q = [0.5, 0.5, 0.0], [0.25, 0.25, 0.5]
    assert renyi_divergence(p, q, 0.0, base=2) == pytest.approx(1.0)
    assert renyi_divergence(q, p, 0.5) < math.inf and renyi_divergence(q, p, 1.5) == math.inf
    assert renyi_divergence(q, p, 1 + 1e-5) == math.inf
    assert renyi_divergence(q, p, np.inf) == math.inf
    # p a point mass where q is tiny: every order gives -log q(x0) (the sum near 0 at
    # alpha = 1/2 once lost its digits and came out inf)
    for a in (0.0, 0.3, 0.5, 1 - 1e-6, 1.0, 3.0, np.inf):
        got = renyi_divergence([1.0, 0.0], [1.17549435e-38, 1.0], a)
        assert got == pytest.approx(-math.log(1.17549435e-38), rel=1e-13)
    for a in (0.0, 0.5, 1 - 1e-5, 1.0, 2.0, np.inf):  # disjoint supports
        assert renyi_divergence([1.0, 0.0], [0.0, 1.0], a) == math.inf


@pytest.mark.parametrize("alpha", [-0.5, np.nan, -np.inf])
def test_bad_orders(alpha):
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        renyi_divergence([0.5, 0.5], [0.5, 0.5], alpha)
    with pytest.raises(TypeError, match="alpha"):
        renyi_divergence([0.5, 0.5], [0.5, 0.5], True)


# --- Amari's alpha-divergence -------------------------------------------------------


def mp_amari(p, q, alpha):
    with mpmath.workdps(60):
        p, q = mp_normalised(p, q)
        al = mpmath.mpf(alpha)
        s = sum(a**al * b ** (1 - al) for a, b in zip(p, q, strict=True))
        return float((1 - s) / (al * (1 - al)))


@given(pairs(), st.sampled_from([1e-9, 1e-4, 0.2, 0.5, 0.8, 1 - 1e-4, 1 - 1e-9]))
def test_amari_against_mpmath_and_its_symmetry(pq, alpha):
    p, q = pq
    want = mp_amari(p, q, alpha)
    assert alpha_divergence(p, q, alpha) == pytest.approx(want, rel=1e-6, abs=1e-13)
    assert alpha_divergence(q, p, 1 - alpha) == pytest.approx(want, rel=1e-6, abs=1e-13)


@given(pairs(allow_zeros=True))
def test_amari_limits_are_the_two_directions(pq):
    p, q = pq
    assert alpha_divergence(p, q, 1.0) == kc.kl_divergence(p, q)
    assert alpha_divergence(p, q, 0.0) == kc.kl_divergence(q, p)
    assert alpha_divergence(p, q, 0.5) == pytest.approx(
        4 * f_divergence(p, q, "hellinger"), rel=1e-9, abs=1e-14
    )
    fwd, rev = kc.kl_divergence(p, q), kc.kl_divergence(q, p)
    if np.isfinite(fwd):
        assert alpha_divergence(p, q, 1 - 1e-7) == pytest.approx(fwd, rel=1e-4, abs=1e-10)
    if np.isfinite(rev):
        assert alpha_divergence(p, q, 1e-7) == pytest.approx(rev, rel=1e-4, abs=1e-10)


def test_amari_is_finite_inside_the_interval_even_with_disjoint_supports():
    assert alpha_divergence([1.0, 0.0], [0.0, 1.0], 0.5) == pytest.approx(4.0)
    assert alpha_divergence([1.0, 0.0], [0.0, 1.0], 1.0) == math.inf
    with pytest.raises(ValueError, match=r"alpha must lie in \[0, 1\]"):
        alpha_divergence([0.5, 0.5], [0.5, 0.5], 1.5)


@settings(max_examples=40)
@given(
    args=st.lists(hostile, min_size=2, max_size=2),
    kind=st.sampled_from(sorted(F_KINDS)),
    alpha=st.one_of(st.floats(allow_nan=True), st.sampled_from([0.0, 1.0, np.inf])),
)
def test_hostile_input(args, kind, alpha):
    check_outcome(lambda a, b: f_divergence(a, b, kind), args, ("p", "q"))
    check_outcome(lambda a, b: renyi_divergence(a, b, alpha), args, ("p", "q", "alpha"))
    check_outcome(lambda a, b: alpha_divergence(a, b, alpha), args, ("p", "q", "alpha"))


# --- accuracy at the extremes (found in review), against mpmath at 60 digits -----------


def mp_sum(p, q, alpha):
    with mpmath.workdps(60):
        p, q = mp_normalised(p, q)
        al = mpmath.mpf(alpha)
        return sum(a**al * b ** (1 - al) for a, b in zip(p, q, strict=True) if a > 0), al


@pytest.mark.parametrize("gap", [2.0**-25, 2.0**-30, 2.0**-40])
@pytest.mark.parametrize("alpha", [1e-6, 0.01, 0.5, 0.99, 2.0, 7.5])
def test_nearly_equal_distributions_keep_their_digits(gap, alpha):
    """D is about gap^2: forms with log p - log q or 1 - S lost all of it."""
    p, q = np.array([0.375 + gap, 0.625 - gap]), np.array([0.375, 0.625])
    s, al = mp_sum(p, q, alpha)
    with mpmath.workdps(60):
        renyi = float(mpmath.log(s) / (al - 1))
        amari = float((1 - s) / (al * (1 - al)))
    assert renyi_divergence(p, q, alpha) == pytest.approx(renyi, rel=1e-9)
    if alpha < 1:
        assert alpha_divergence(p, q, alpha) == pytest.approx(amari, rel=1e-9)
    with mpmath.workdps(60):
        hel = float(
            sum(
                (mpmath.sqrt(a) - mpmath.sqrt(b)) ** 2
                for a, b in zip(*mp_normalised(p, q), strict=True)
            )
            / 2
        )
    assert f_divergence(p, q, "hellinger") == pytest.approx(hel, rel=1e-9)


def test_a_row_does_not_depend_on_its_neighbours():
    q = np.array([0.375, 0.625])
    batch = np.array([[0.375 + 2.0**-30, 0.625 - 2.0**-30], [0.9, 0.1]])
    for a in (0.01, 0.5, 2.0):
        assert renyi_divergence(batch, q, a)[0] == renyi_divergence(batch[0], q, a)
        if a < 1:
            assert alpha_divergence(batch, q, a)[0] == alpha_divergence(batch[0], q, a)


def test_extreme_orders():
    p, q = [0.5, 0.5], [0.25, 0.75]
    # the smallest orders: the limit D(q || p), not 0
    assert alpha_divergence(p, q, 5e-324) == kc.kl_divergence(q, p)
    assert alpha_divergence(p, q, 1e-310) == pytest.approx(kc.kl_divergence(q, p), rel=1e-15)
    assert renyi_divergence(p, q, 1e-20) == pytest.approx(1e-20 * kc.kl_divergence(q, p), rel=1e-9)
    # a huge order: the log of the largest ratio, not an overflow
    assert renyi_divergence([0.9, 0.1], [0.1, 0.9], 1e308) == pytest.approx(math.log(9), rel=1e-15)
    # a huge ratio at order 3: (1/2) log(0.125 / 1e-600), no overflow of p^3 / q^2
    want = 0.5 * (math.log(0.125) + 600 * math.log(10))
    assert renyi_divergence([0.5, 0.5], [1e-300, 1 - 1e-300], 3.0) == pytest.approx(want, rel=1e-12)
    assert renyi_divergence(p, q, 0.5) > 0 and str(renyi_divergence(p, p, 0.5)) == "0.0"
