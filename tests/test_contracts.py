"""The public contract of klcourse, at the extremes and under hostile input.

Every public function either returns a correct number (inf where the mathematics says
infinite) or raises a TypeError/ValueError that names the argument. Never NaN, never a
warning, never an obscure exception. Values at extreme scales are compared with
independent oracles: mpmath at 50 digits, torch.distributions, exact rationals.
"""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import klcourse as kc
from klcourse import dice
from klcourse.exercises import Question
from klcourse.fitting import mixture_logpdf
from klcourse.lm import kl_regularized_optimum

mpmath.mp.dps = 50


def quietly(f, *args, **kwargs):
    """Call f with every warning turned into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return f(*args, **kwargs)


# --- hostile input: a strategy for "anything a pipeline might hand over" --------------

extreme_floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True),
    st.sampled_from([0.0, -0.0, 5e-324, 1e-300, 1e-170, 1e200, 1e300, 1.7976931348623157e308]),
)


def vectors(dtype):
    elements = st.floats(0, 1, width=32) if dtype != np.float64 else st.floats(0, 1)
    return arrays(dtype, st.integers(0, 6), elements=elements)


hostile = st.one_of(
    extreme_floats,
    st.lists(extreme_floats, max_size=6),
    vectors(np.float64),
    vectors(np.float32),
    vectors(np.float16),
    arrays(np.int64, st.integers(0, 4), elements=st.integers(-2, 2)),
    arrays(np.bool_, st.integers(1, 4)),
    arrays(np.complex128, st.integers(1, 4)),
    st.text(max_size=4),
    st.booleans(),
    st.none(),
    st.just([[0.5, 0.5], [1.0]]),  # ragged
    st.just(object()),
    st.builds(
        lambda v: torch.tensor(v, requires_grad=True),
        st.lists(st.floats(0, 1), min_size=1, max_size=4),
    ),
)


def names_its_argument(exc: Exception, names: tuple[str, ...]) -> bool:
    return any(name in str(exc) for name in names)


def check_outcome(f, args, names):
    """The property: a value that is not NaN, or a clear error naming an argument."""
    try:
        out = quietly(f, *args)
    except (TypeError, ValueError) as exc:
        assert names_its_argument(exc, names), f"{type(exc).__name__}: {exc}"
        return
    if isinstance(out, torch.Tensor):
        out = out.detach().double().numpy()
    values = np.asarray(out, dtype=float)
    assert not np.isnan(values).any(), (args, out)


DISTRIBUTION_FUNCTIONS = [
    (kc.entropy, 1),
    (kc.cross_entropy, 2),
    (kc.kl_divergence, 2),
    (kc.kl_terms, 2),
    (kc.js_divergence, 2),
]


@settings(max_examples=60)
@pytest.mark.parametrize(
    ("f", "arity"), DISTRIBUTION_FUNCTIONS, ids=lambda x: getattr(x, "__name__", str(x))
)
@given(data=st.data())
def test_divergences_survive_hostile_input(f, arity, data):
    args = [data.draw(hostile) for _ in range(arity)]
    check_outcome(f, args, ("p", "q"))


@settings(max_examples=60)
@given(w=hostile)
def test_normalize_survives_hostile_input(w):
    check_outcome(kc.normalize, [w], ("weights",))


@settings(max_examples=60)
@given(args=st.lists(hostile, min_size=4, max_size=4))
def test_gaussian_kl_survives_hostile_input(args):
    check_outcome(kc.gaussian_kl, args, ("mu_p", "sigma_p", "mu_q", "sigma_q"))


@settings(max_examples=60)
@given(args=st.lists(hostile, min_size=2, max_size=2), estimator=st.sampled_from(["k1", "k3"]))
def test_estimate_kl_survives_hostile_input(args, estimator):
    check_outcome(lambda a, b: kc.estimate_kl(a, b, estimator), args, ("log_p", "log_q"))


@settings(max_examples=60)
@given(ref=hostile, rewards=hostile, beta=hostile)
def test_kl_regularized_optimum_survives_hostile_input(ref, rewards, beta):
    check_outcome(kl_regularized_optimum, [ref, rewards, beta], ("ref_probs", "rewards", "beta"))


@settings(max_examples=40)
@given(args=st.lists(hostile, min_size=3, max_size=3))
def test_forward_fit_and_logpdf_survive_hostile_input(args):
    names = ("weights", "means", "stds", "x")
    check_outcome(lambda *a: kc.fit_gaussian_to_mixture(*a, "forward"), args, names)
    check_outcome(lambda *a: mixture_logpdf(0.0, *a), args, names)


@settings(max_examples=60)
@given(base=hostile)
def test_base_is_validated(base):
    check_outcome(lambda b: kc.entropy([0.25, 0.75], base=b), [base], ("base",))


# --- real model outputs: low precision, long vectors, tensors that require grad ----


def test_float32_softmax_over_a_gpt2_vocabulary_is_accepted():
    torch.manual_seed(0)
    logits = torch.randn(50_257) * 3
    p = torch.softmax(logits, -1)  # float32; its sum is off 1 by rounding
    oracle = torch.distributions.Categorical(logits=logits.double()).entropy().item()
    assert kc.entropy(p) == pytest.approx(oracle, rel=1e-5)
    q = torch.softmax(torch.randn(50_257) * 3, -1).requires_grad_(True)
    kl = kc.kl_divergence(p, q)
    oracle_kl = torch.distributions.kl_divergence(
        torch.distributions.Categorical(probs=p.double()),
        torch.distributions.Categorical(probs=q.detach().double()),
    ).item()
    assert kl == pytest.approx(oracle_kl, rel=1e-5)


def test_sum_error_message_shows_the_digits_that_matter():
    with pytest.raises(ValueError, match=r"p sums to 1\.000002, expected 1 within 1e-06"):
        kc.entropy([0.5, 0.500002])
    p32 = np.array([0.5, 0.5002], dtype=np.float32)
    with pytest.raises(ValueError, match=r"p sums to 1\.000199974, expected 1 within 1e-06"):
        kc.entropy(p32)  # float32 of length 2: the float64 floor of 1e-6 applies
    assert kc.entropy(np.array([0.5, 0.5000001])) == pytest.approx(math.log(2))


@pytest.mark.parametrize(
    ("value", "kind"),
    [("0.5", "str"), ([True, False], "booleans"), ([0.5 + 0j, 0.5], "complex"), (None, "None")],
)
def test_non_real_input_is_a_type_error_naming_the_argument(value, kind):
    with pytest.raises(TypeError, match="q must be real numbers"):
        kc.kl_divergence([0.5, 0.5], value)


def test_tensors_requiring_grad_are_read_for_their_values():
    p = torch.tensor([0.25, 0.75], requires_grad=True)
    assert kc.entropy(p) == pytest.approx(kc.entropy([0.25, 0.75]), rel=1e-7)
    with pytest.raises(TypeError, match="p must hold real numbers"):
        kc.entropy(torch.tensor([0.5 + 0j, 0.5]))


# --- extreme scales, against oracles -----------------------------------------------


def mp_gaussian_kl(mu_p, s_p, mu_q, s_q):
    """The textbook formula at 700 digits: enough for its cancellations at any float scale."""
    with mpmath.workdps(700):
        mu_p, s_p, mu_q, s_q = (mpmath.mpf(v) for v in (mu_p, s_p, mu_q, s_q))
        return +(
            mpmath.log(s_q / s_p) + (s_p**2 + (mu_p - mu_q) ** 2) / (2 * s_q**2) - mpmath.mpf(1) / 2
        )


@pytest.mark.parametrize(
    "args",
    [
        (0.0, 1e-170, 1e-170, 1e-170),
        (0.0, 1e-170, 0.0, 3e-170),
        (1e200, 1e200, -1e200, 2e200),
        (0.0, 1e200, 0.0, 1e200),
        (0.0, 1.0, 0.0, 1.0 + 1e-8),
        (3.0, 2.0, 3.0, 2.0),
        (0.0, 1e-150, 0.0, 1e150),
    ],
)
def test_gaussian_kl_at_extreme_scales_matches_mpmath(args):
    got = quietly(kc.gaussian_kl, *args)
    want = float(mp_gaussian_kl(*args))
    assert got == pytest.approx(want, rel=1e-12, abs=1e-300)


def test_gaussian_kl_beyond_the_float_range_is_inf_not_nan():
    assert quietly(kc.gaussian_kl, 0.0, 1e200, 0.0, 1e-200) == math.inf
    assert quietly(kc.gaussian_kl, 1e300, 1.0, -1e300, 1e-10) == math.inf


@settings(max_examples=80)
@given(
    st.floats(-1e100, 1e100),
    st.floats(1e-150, 1e150),
    st.floats(-1e100, 1e100),
    st.floats(1e-150, 1e150),
)
def test_gaussian_kl_is_finite_non_negative_or_inf(mu_p, s_p, mu_q, s_q):
    kl = quietly(kc.gaussian_kl, mu_p, s_p, mu_q, s_q)
    assert kl >= 0 and not math.isnan(kl)
    want = mp_gaussian_kl(mu_p, s_p, mu_q, s_q)
    if want < mpmath.mpf("1e300"):
        assert kl == pytest.approx(float(want), rel=1e-9, abs=1e-300)


def test_gaussian_kl_mv_accepts_the_inverse_of_a_precision_matrix():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(5, 5))
    precision = a @ a.T + 5 * np.eye(5)
    cov = np.linalg.inv(precision)  # symmetric only to rounding
    assert not np.array_equal(cov, cov.T)
    mu = rng.normal(size=5)
    got = kc.gaussian_kl_mv(mu, cov, np.zeros(5), np.eye(5) * 2)
    oracle = torch.distributions.kl_divergence(
        torch.distributions.MultivariateNormal(torch.tensor(mu), torch.tensor(cov + cov.T) / 2),
        torch.distributions.MultivariateNormal(
            torch.zeros(5, dtype=torch.float64), torch.eye(5, dtype=torch.float64) * 2
        ),
    ).item()
    assert got == pytest.approx(oracle, rel=1e-10)
    with pytest.raises(ValueError, match="cov_p must be symmetric"):
        kc.gaussian_kl_mv([0, 0], [[1.0, 0.5], [0.4, 1.0]], [0, 0], np.eye(2))


@pytest.mark.parametrize("scale", [1e-150, 1.0, 1e150])
def test_gaussian_kl_mv_is_scale_invariant(scale):
    cov_p, cov_q = np.array([[1.0, 0.9], [0.9, 1.0]]), np.eye(2)
    want = -0.5 * math.log(1 - 0.81)
    got = kc.gaussian_kl_mv([0, 0], cov_p * scale, [0, 0], cov_q * scale)
    assert got == pytest.approx(want, rel=1e-12)


def mp_optimum(ref, rewards, beta):
    """pi* in 50-digit arithmetic; mpmath's exponent range has no overflow."""
    best = max(mpmath.mpf(r) for p, r in zip(ref, rewards, strict=True) if p > 0)
    terms = [
        mpmath.mpf(p) * mpmath.exp((mpmath.mpf(r) - best) / mpmath.mpf(beta)) if p > 0 else 0
        for p, r in zip(ref, rewards, strict=True)
    ]
    total = mpmath.fsum(terms)
    return [float(t / total) for t in terms]


@pytest.mark.parametrize(
    ("ref", "rewards", "beta"),
    [
        ([0.5, 0.5], [1.0, 1.0], 1e-17),  # equal rewards at tiny beta: the reference
        ([0.2, 0.3, 0.5], [1.0, 1.0, 0.0], 1e-300),  # ties split by the reference
        ([0.5, 0.5], [1e300, -1e300], 1e-300),  # r / beta beyond the float range
        ([0.3, 0.7], [1e300, 1e300], 1.0),  # huge equal rewards: a constant shift
        ([0.5, 0.5], [0.0, 2e-12], 1e-12),  # precision at small beta
        ([0.1, 0.0, 0.9], [0.0, 1e9, 1.0], 0.5),  # no mass where ref is 0
    ],
)
def test_kl_regularized_optimum_at_extremes(ref, rewards, beta):
    got = quietly(kl_regularized_optimum, ref, rewards, beta)
    assert got.sum() == pytest.approx(1.0, abs=1e-15)
    np.testing.assert_allclose(got, mp_optimum(ref, rewards, beta), rtol=1e-12, atol=0)


def test_forward_fit_far_from_zero_uses_centred_moments():
    w, m, s = [0.5, 0.5], [1e8, 1e8 + 2], [1.0, 1.0]
    mu, sigma = kc.fit_gaussian_to_mixture(w, m, s, "forward")
    exact_var = 1 + 1  # within-component variance 1, between-component variance 1
    assert mu == 1e8 + 1
    assert sigma == pytest.approx(math.sqrt(exact_var), rel=1e-14, abs=0)


# --- integer arguments and seeds: no silent truncation -----------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: dice.roll(dice.FAIR, 3.0), "n must be an integer"),
        (lambda: dice.roll(dice.FAIR, True), "n must be an integer"),
        (lambda: dice.roll(dice.FAIR, 3, seed=1.5), "seed must be an int"),
        (lambda: dice.roll(dice.FAIR, 3, seed=-1), r"seed must be in \[0, 2\*\*32\)"),
        (lambda: dice.stein_errors(2.5), "n must be an integer"),
        (lambda: dice.stein_errors(10, alpha="0.05"), "alpha must be a real number"),
        (lambda: dice.frequencies([True, False]), "rolls must be real numbers"),
        (lambda: kc.set_seed(1.5), "seed must be an int"),
        (lambda: kc.set_seed(2**40), r"seed must be in \[0, 2\*\*32\)"),
        (lambda: kc.fit_gaussian_to_mixture([1.0], [0.0], [1.0], "reverse", init=3), "init"),
        (lambda: kc.fit_gaussian_to_mixture([1.0], [0.0], [1.0], 1), "direction"),
        (lambda: kc.estimate_kl([0.0], [0.0], estimator=1), "estimator"),
        (lambda: kc.estimate_kl([-np.inf], [0.0]), "log_p holds -inf"),
        (lambda: kl_regularized_optimum([0.5, 0.5], [0, 1], beta=True), "beta must be a real"),
    ],
)
def test_arguments_are_named_when_rejected(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()


def test_numpy_integers_are_integers():
    assert dice.roll(dice.FAIR, np.int64(4), seed=np.uint32(3)).shape == (4,)
    assert dice.stein_errors(np.int32(30)).threshold == 10


def test_estimate_kl_is_inf_where_q_rules_out_a_sample():
    out = quietly(kc.estimate_kl, [0.0, -1.0], [-np.inf, -1.0], "k3")
    assert out.tolist() == [math.inf, 0.0]
    assert quietly(kc.estimate_kl, [0.0], [800.0], "k3")[0] == math.inf  # r beyond float


# --- exercise checks take what a reader types ------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        math.log(6),
        np.float32(math.log(6)),
        np.float64(math.log(6)),
        torch.tensor(math.log(6), requires_grad=True),
        np.array(math.log(6)),
    ],
)
def test_exercise_checks_accept_reals_and_0d_tensors(answer):
    q = Question(lambda: math.log(6), hint="", unit="nats")
    assert q.is_correct(answer)


@pytest.mark.parametrize("answer", ["1.7918", True, 1.7918 + 0j, None, [1.7918, "x"]])
def test_exercise_checks_reject_non_reals_clearly(answer):
    q = Question(lambda: math.log(6), hint="", unit="nats")
    assert "expected a real number" in q.diagnose(answer)
