"""The numbers the chapters print, recomputed by independent oracles.

nbval proves that a fresh run reproduces the stored outputs; these tests prove that
the stored outputs are *right*: each value is recomputed here without klcourse
(SciPy, closed forms, exact rational arithmetic) and must appear, rounded as the
chapter rounds it, in the chapter's stored output.
"""

from __future__ import annotations

import json
import math
import re
from fractions import Fraction

import numpy as np
import pytest
from scipy import integrate, optimize, special, stats
from scipy.spatial import distance

from tests.conftest import BOOK_DIR

FAIR = np.full(6, 1 / 6)
LOADED = np.array([0.1] * 5 + [0.5])
LN2 = math.log(2)


def printed(name: str) -> str:
    nb = json.loads((BOOK_DIR / f"{name}.ipynb").read_text())
    parts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            parts.append("".join(out.get("text", "")))
            parts.append("".join(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def kl(p, q):
    return special.rel_entr(p, q).sum()


def expect(name: str, values: dict[str, float], fmt: str = ".4f") -> None:
    text = printed(name)
    missing = {label: format(v, fmt) for label, v in values.items() if format(v, fmt) not in text}
    assert not missing, f"{name}: not printed (label: expected text): {missing}"


def norm_kl_quad(mu_p, s_p, mu_q, s_q):
    p, q = stats.norm(mu_p, s_p), stats.norm(mu_q, s_q)
    f = lambda x: p.pdf(x) * (p.logpdf(x) - q.logpdf(x))  # noqa: E731
    return integrate.quad(f, -np.inf, np.inf, epsabs=1e-12, epsrel=1e-12, limit=500)[0]


# --- exact arithmetic for the dice test -----------------------------------------


def exact_test_errors(n: int, alpha=Fraction(1, 20)):
    """Threshold, false-alarm and miss probabilities as exact fractions (K = number of sixes).

    Integer arithmetic over the common denominators 6**n and 2**n: P_fair(K = k) is
    C(n, k) 5**(n-k) / 6**n and P_loaded(K = k) is C(n, k) / 2**n.
    """
    total = 6**n
    tail, c, term = 0, n + 1, 1  # term = 6**n P_fair(K = c - 1), starting at K = n
    while c > 0 and (tail + term) * alpha.denominator <= alpha.numerator * total:
        c -= 1
        tail += term
        term = term * 5 * c // (n - c + 1) if c > 0 else 0  # C(n, c-1) 5**(n-c+1)
    miss, binom_k = 0, 1  # 2**n P_loaded(K < c), with binom_k = C(n, k)
    for k in range(c):
        miss += binom_k
        binom_k = binom_k * (n - k) // (k + 1)
    return c, Fraction(tail, total), Fraction(miss, 2**n)


def log_fraction(x: Fraction) -> float:
    return math.log(x.numerator) - math.log(x.denominator)


# --- chapter 1 ------------------------------------------------------------------


def test_chapter1_numbers():
    expect(
        "01_entropy",
        {
            "surprise of heads, nats": math.log(2),
            "surprise of a fair six, bits": math.log2(6),
            "surprise of a loaded one, nats": math.log(10),
            "ten heads, bits": 10.0,
            "ten heads, nats": 10 * math.log(2),
            "H(fair)": stats.entropy(FAIR),
            "H(loaded)": stats.entropy(LOADED),
            "H(loaded) bits": stats.entropy(LOADED, base=2),
            "H(fair) bits": stats.entropy(FAIR, base=2),
            "H(1/2,1/4,1/8,1/8) bits": 1.75,
            "same in nats": 1.75 * LN2,
            "CE(fair, loaded)": stats.entropy(FAIR) + stats.entropy(FAIR, LOADED),
            "KL(fair||loaded)": stats.entropy(FAIR, LOADED),
            "KL(loaded||fair)": stats.entropy(LOADED, FAIR),
            "H(0.1) nats": stats.entropy([0.1, 0.9]),
            "H(0.1) bits": stats.entropy([0.1, 0.9], base=2),
            "16 cards": 4.0,
            "coin x loaded die": stats.entropy(np.outer([0.5, 0.5], LOADED).ravel()),
        },
    )


# --- chapter 2 ------------------------------------------------------------------


def test_chapter2_discrete_numbers():
    p, q = [0.5, 0.5], [0.9, 0.1]
    a, b, c = [0.9, 0.1], [0.5, 0.5], [0.1, 0.9]
    expect(
        "02_kl_divergence",
        {
            "KL(p||q)": kl(p, q),
            "KL(p||q) bits": kl(p, q) / LN2,
            "KL(q||p)": kl(q, p),
            "KL(q||p) bits": kl(q, p) / LN2,
            "triangle, direct": kl(a, c),
            "triangle, via b": kl(a, b) + kl(b, c),
            "support example": kl([0.5, 0.5, 0.0], [0.25, 0.5, 0.25]),
            "two Gaussians exercise": norm_kl_quad(0, 1, 2, 3),
            "two coins exercise": kl(np.outer(p, p).ravel(), np.outer(q, q).ravel()),
            "uniform 3 vs 4": math.log(4 / 3),
        },
    )
    expect(
        "02_kl_divergence",
        {
            "library example": kl([0.2, 0.5, 0.3], [0.1, 0.6, 0.3]),
            "swapped": kl([0.1, 0.6, 0.3], [0.2, 0.5, 0.3]),
        },
        ".6f",
    )


def test_chapter2_clipping_and_smoothing_table():
    rows = {}
    for eps in [1e-2, 1e-4, 1e-8, 1e-12]:
        rows[f"clipped {eps}"] = 0.5 * math.log(0.5) + 0.5 * math.log(0.5 / eps)
        rows[f"smoothed {eps}"] = 0.5 * math.log(0.5 / (1 - eps / 2)) + 0.5 * math.log(1 / eps)
    expect("02_kl_divergence", rows)


def test_chapter2_continuous_numbers():
    p, q = stats.norm(0, 1), stats.norm(1, 1.5)
    # y = x^2: average the log-ratio of the folded densities over x ~ p (not over y or t)
    folded = lambda d, x: d.pdf(x) + d.pdf(-x)  # noqa: E731
    kl_square = integrate.quad(
        lambda x: p.pdf(x) * math.log(folded(p, x) / folded(q, x)), -12, 12, limit=400
    )[0]
    expect(
        "02_kl_divergence",
        {
            "N(0,1) vs N(1,1.5^2)": norm_kl_quad(0, 1, 1, 1.5),
            "y = x^2": kl_square,
            "shift": norm_kl_quad(0, 1, 1, 1),
            "scale": norm_kl_quad(0, 1, 0, 2),
            "both": norm_kl_quad(1, 0.5, -1, 2),
        },
        ".6f",
    )


# --- chapter 3 ------------------------------------------------------------------


def test_chapter3_term_table():
    t1, t2 = special.rel_entr(FAIR, LOADED), special.rel_entr(LOADED, FAIR)
    expect(
        "03_dice",
        {
            "faces 1-5, fair||loaded": t1[0],
            "six, fair||loaded": t1[5],
            "six, bits": t1[5] / LN2,
            "faces 1-5, loaded||fair": t2[0],
            "six, loaded||fair": t2[5],
            "KL(fair||loaded)": t1.sum(),
            "KL(fair||loaded) bits": t1.sum() / LN2,
            "KL(loaded||fair)": t2.sum(),
            "KL(loaded||fair) bits": t2.sum() / LN2,
        },
    )


def test_chapter3_estimator_sd():
    log_ratio = np.log(FAIR / LOADED)
    dist = stats.rv_discrete(values=(np.arange(6), FAIR))
    sigma = math.sqrt(dist.expect(lambda k: log_ratio[k.astype(int)] ** 2) - kl(FAIR, LOADED) ** 2)
    expect("03_dice", {"sigma": sigma})


@pytest.mark.parametrize("n", [10, 30, 60])
def test_chapter3_test_errors_exact(n):
    c, alpha, beta = exact_test_errors(n)
    text = printed("03_dice")
    # a row of the table: n, the threshold c, exact alpha, simulated, exact beta, ...
    row = rf"^\s*{n}\s+{c}\s+{float(alpha):.4f}\s+\S+\s+{float(beta):.2e}\s"
    assert re.search(row, text, re.M), row


def test_chapter3_stein_exponents_exact():
    values = {f"n={n}": -log_fraction(exact_test_errors(n)[2]) / n for n in (100, 1000, 10000)}
    expect("03_dice", values)


def test_chapter3_exercises():
    _, _, beta29 = exact_test_errors(29)
    first = next(n for n in range(1, 200) if exact_test_errors(n)[2] <= Fraction(1, 1000))
    text = printed("03_dice")
    assert f"29 exact beta at n=29: {float(beta29):.4f}" in text
    assert f"smallest n with exact beta <= 0.001: {first}" in text
    assert math.ceil(math.log(1000) / kl(FAIR, LOADED)) == 29
    expect("03_dice", {"beta_30": float(exact_test_errors(30)[2])})


# --- appendix -------------------------------------------------------------------


def test_misconception_numbers():
    p, q = [0.2, 0.5, 0.3], [0.1, 0.6, 0.3]
    P1, P2, Q = np.array([0.7, 0.2, 0.1]), np.array([0.1, 0.3, 0.6]), np.full(3, 1 / 3)
    ce = lambda a, b: -np.sum(np.asarray(a) * np.log(b))  # noqa: E731
    expect(
        "misconceptions",
        {
            "H(p,q)": ce(p, q),
            "H(q,p)": ce(q, p),
            "H(fair,loaded)": ce(FAIR, LOADED),
            "H(loaded,fair)": ce(LOADED, FAIR),
            "log H": math.log(ce(FAIR, LOADED)),
            "mixture": kl(0.5 * P1 + 0.5 * P2, Q),
            "average": 0.5 * kl(P1, Q) + 0.5 * kl(P2, Q),
            "sum": kl(P1, Q) + kl(P2, Q),
            "rel_entr of invalid inputs": special.rel_entr([0.3] * 3, [0.5, 0.4, 0.3]).sum(),
            "stats.entropy rescales": kl(np.full(3, 1 / 3), np.array([0.5, 0.4, 0.3]) / 1.2),
            "swapped kl_div": kl(LOADED, FAIR),
            "elementwise mean": kl(FAIR, LOADED) / 6,
            "dice in bits": kl(FAIR, LOADED) / LN2,
        },
    )


# --- chapter 4 ------------------------------------------------------------------

W4, M4, S4 = np.array([0.4, 0.6]), np.array([-3.0, 3.0]), np.array([0.8, 1.0])


def _norm_logpdf(x, m, s):
    return -0.5 * ((x - m) / s) ** 2 - math.log(s) - 0.5 * math.log(2 * math.pi)


def _mix_logpdf(x):
    a, b = (math.log(w) + _norm_logpdf(x, m, s) for w, m, s in zip(W4, M4, S4, strict=True))
    hi = max(a, b)
    return hi + math.log(math.exp(a - hi) + math.exp(b - hi))


def _forward_kl4(mu, sigma):
    def f(x):
        lp = _mix_logpdf(x)
        return math.exp(lp) * (lp - _norm_logpdf(x, mu, sigma))

    return integrate.quad(f, -15, 15, points=list(M4), limit=400)[0]


def _reverse_kl4(mu, sigma):
    def f(x):
        lq = _norm_logpdf(x, mu, sigma)
        return math.exp(lq) * (lq - _mix_logpdf(x))

    lo, hi = mu - 12 * sigma, mu + 12 * sigma
    return integrate.quad(f, lo, hi, points=[m for m in M4 if lo < m < hi], limit=400)[0]


def test_chapter4_gaussian_fits():
    mean = W4 @ M4
    sd = math.sqrt(W4 @ (S4**2 + M4**2) - mean**2)
    values = {
        "forward mu": mean,
        "forward sigma": sd,
        "forward KL": _forward_kl4(mean, sd),
        "reverse KL of forward fit": _reverse_kl4(mean, sd),
    }
    for start in [(-4.0, 0.5), (4.0, 0.5)]:
        res = optimize.minimize(
            lambda t: _reverse_kl4(t[0], math.exp(t[1])),
            x0=[start[0], math.log(start[1])],
            method="Nelder-Mead",
            options={"xatol": 1e-7, "fatol": 1e-12},
        )
        mu, sigma = res.x[0], math.exp(res.x[1])
        values[f"reverse from {start}: mu"] = mu
        values[f"reverse from {start}: sigma"] = sigma
        values[f"reverse from {start}: KL(q||p)"] = res.fun
        values[f"reverse from {start}: KL(p||q)"] = _forward_kl4(mu, sigma)
    expect("04_forward_reverse", values)


def test_chapter4_discrete_fits():
    k = np.arange(11)
    p = 0.5 * stats.binom.pmf(k, 10, 0.15) + 0.5 * stats.binom.pmf(k, 10, 0.8)
    values = {"forward theta": (0.5 * 1.5 + 0.5 * 8.0) / 10}
    for lo, hi in [(0.01, 0.5), (0.5, 0.99)]:
        r = optimize.minimize_scalar(
            lambda t: kl(stats.binom.pmf(k, 10, t), p),
            bounds=(lo, hi),
            method="bounded",
            options={"xatol": 1e-10},
        )
        values[f"reverse theta in {lo, hi}"] = r.x
        values[f"reverse KL in {lo, hi}"] = r.fun
    expect("04_forward_reverse", values)


def test_chapter4_factorised_gaussian():
    rho = 0.9
    mutual_information = -0.5 * math.log(1 - rho**2)  # both optima reach this value
    expect("04_forward_reverse", {"KL at both optima": mutual_information})
    assert "variances [0.19 0.19]" in printed("04_forward_reverse")


def test_chapter5_estimator_table():
    from tests.test_estimators import exact_moments

    values = {}
    for mu in (0.1, 1.0):
        true_kl = mu**2 / 2
        for name, (mean, sd) in exact_moments(mu).items():
            values[f"{name} bias, mu={mu}"] = (mean - true_kl) / true_kl
            values[f"{name} sd, mu={mu}"] = sd / true_kl
    expect("05_estimating_kl", values)


def test_chapter5_gradient_norms_and_gan():
    theta = np.array([0.5, -0.3, 1.2, 0.0, -1.0])
    ref = np.array([0.1, 0.3, 0.2, 0.25, 0.15])
    pi = special.softmax(theta)
    reverse_grad = pi * (np.log(pi / ref) - kl(pi, ref))  # d/dtheta KL(pi || ref)
    forward_grad = pi - ref  # d/dtheta KL(ref || pi)
    p, q = np.array([0.3, 0.25, 0.2, 0.15, 0.1]), np.array([0.1, 0.1, 0.2, 0.3, 0.3])
    js = distance.jensenshannon(p, q) ** 2
    expect(
        "05_estimating_kl",
        {"reverse": np.linalg.norm(reverse_grad), "forward": np.linalg.norm(forward_grad)},
    )
    expect("05_estimating_kl", {"GAN value": -math.log(4) + 2 * js}, ".6f")
    expect("04_forward_reverse", {"sqrt 5": math.sqrt(5), "1 - rho^2": 0.75})
    expect("05_estimating_kl", {"E k2": 0.625, "D*": 0.75})


def test_chapter5_k3_variance_and_exercise():
    def k3_second_moment(s):  # E_p[(r - 1 - log r)^2], r = q/p, p = N(0,1), q = N(0, s^2)
        def f(x):
            log_r = stats.norm.logpdf(x, 0, s) - stats.norm.logpdf(x)
            return stats.norm.pdf(x) * (np.exp(log_r) - 1 - log_r) ** 2

        return integrate.quad(f, -12, 12, limit=200)[0]

    kl_07, kl_3 = norm_kl_quad(0, 1, 0, 0.7), norm_kl_quad(0, 1, 0, 3.0)
    sd = math.sqrt(k3_second_moment(0.7) - kl_07**2)
    expect("05_estimating_kl", {"KL 0.7": kl_07, "KL 3": kl_3, "true sd": sd})
    text = printed("05_estimating_kl")
    assert "true sd infinite" in text
    closed = norm_kl_quad(0, 1, 0.5, 1.3)
    assert f"closed form {closed:.3f} nats" in text


# --- chapter 5 ------------------------------------------------------------------


def test_chapter5_language_and_rl_numbers():
    import torch

    from klcourse.lm.language import language_a, language_b
    from tests.test_lm_analysis import entropy_rate_by_state_visits

    values = {
        "A entropy per token": entropy_rate_by_state_visits(language_a()),
        "B entropy per token": entropy_rate_by_state_visits(language_b()),
    }
    gen = torch.Generator().manual_seed(0)
    ref1 = torch.softmax(torch.randn(4, generator=gen, dtype=torch.float64), 0)
    ref2 = torch.softmax(torch.randn(4, 4, generator=gen, dtype=torch.float64), -1)
    reward = (torch.rand(4, 4, generator=gen, dtype=torch.float64) * 2).flatten().numpy()
    ref = (ref1[:, None] * ref2).flatten().numpy()
    beta = 0.5
    tilted = ref * np.exp(reward / beta)
    optimum = tilted / tilted.sum()
    values["reference E[r]"] = ref @ reward
    values["optimum E[r]"] = optimum @ reward
    values["optimum KL"] = kl(optimum, ref)
    values["optimal objective"] = beta * math.log(ref @ np.exp(reward / beta))
    values["exercise 2"] = math.exp(2) / (1 + math.exp(2))
    values["exercise 3"] = math.log(20)
    expect("06_language_models", values)


# --- chapter 6 ------------------------------------------------------------------


def test_chapter6_teacher_and_pooled_contexts():
    from tests import topics_reference as ref

    prefixes = {"no topic yet": (), "food": ("soup",), "sport": ("ball",), "both": ("soup", "ball")}
    values = {}
    for name, prefix in prefixes.items():
        for w in ref.WORDS:
            values[f"{name} {w}"] = ref.teacher(w, prefix)
    expect("07_distillation_decoding", values, ".3f")
    probs = {m: ref.message_prob(tuple(m.split())) for m in
             ["soup good bread tea", "ball today goal ball", "soup ball tea good"]}  # fmt: skip
    expect("07_distillation_decoding", probs, ".2e")
    # states before word 2 are set by the first word alone
    first = {w: ref.teacher(w, ()) for w in ref.WORDS}
    weights = {
        "none": first["good"] + first["today"],
        "food": sum(first[w] for w in ("soup", "bread", "tea")),
        "sport": sum(first[w] for w in ("ball", "goal", "race")),
    }
    rows = {"none": (), "food": ("soup",), "sport": ("ball",)}
    tables = {s: np.array([ref.teacher(w, rows[s]) for w in ref.WORDS]) for s in rows}
    average = sum(weights[s] * tables[s] for s in rows)

    def pooled_reverse(logits):
        r = special.softmax(logits)
        return sum(weights[s] * kl(r, tables[s]) for s in rows)

    best = optimize.minimize(pooled_reverse, np.zeros(8), method="BFGS", tol=1e-13).x
    geometric = special.softmax(best)
    expect("07_distillation_decoding", {f"w {s}": v for s, v in weights.items()})
    expect(
        "07_distillation_decoding",
        {f"avg {i}": v for i, v in enumerate(average)}
        | {f"geo {i}": v for i, v in enumerate(geometric)},
        ".3f",
    )
    expect(
        "07_distillation_decoding",
        {"generic avg": average[6:].sum(), "generic geo": geometric[6:].sum()},
    )


def test_chapter6_decoding_and_exercises():
    from tests import topics_reference as ref

    p = np.array([ref.teacher(w, ()) for w in ref.WORDS])
    order = np.sort(p)[::-1]
    values = {}
    for k in (1, 2, 4, 7):
        kept = order[:k].sum()
        top = np.where(p >= order[k - 1], p, 0) / kept
        values[f"P(K) k={k}"] = kept
        values[f"KL k={k}"] = kl(top, p)
    nucleus = np.where(p >= order[2], p, 0) / order[:3].sum()  # 3 words reach 0.5
    assert order[:2].sum() < 0.5 <= order[:3].sum()
    values["top-p"] = kl(nucleus, p)
    student = special.softmax([2.0, 0.0, -1.0])
    teacher = special.softmax([0.0, 1.0, 0.5])
    values["forward"] = kl(teacher, student)
    values["reverse"] = kl(student, teacher)
    values["top-2"] = -math.log(0.7)
    values["middle"] = math.sqrt(0.04) / (math.sqrt(0.04) + 2 * math.sqrt(0.07))
    expect("07_distillation_decoding", values)


# --- chapter 7 ------------------------------------------------------------------


def chapter7_problem():
    import torch

    gen = torch.Generator().manual_seed(0)
    ref1 = torch.softmax(torch.randn(4, generator=gen, dtype=torch.float64), 0).numpy()
    ref2 = torch.softmax(torch.randn(4, 4, generator=gen, dtype=torch.float64), -1).numpy()
    reward = (torch.rand(4, 4, generator=gen, dtype=torch.float64) * 2).numpy()
    return ref1, ref2, reward


def per_token_fixed_point(ref1, ref2, reward, beta, direction):
    """Where a per-token penalty with the contexts' weights held fixed trains to: each
    position maximises its expected reward minus beta times its own token KL.

    reverse: pi(v) ∝ ref(v) e^{R(v)/beta}; forward: pi(v) = beta ref(v) / (lam - R(v)),
    with lam > max R fixing the total at 1 (stationarity of R·pi - beta D(ref || pi)).
    """

    def best(ref, values):
        if direction == "reverse":
            w = ref * np.exp(values / beta)
            return w / w.sum()
        lam = optimize.brentq(
            lambda x: (beta * ref / (x - values)).sum() - 1,
            values.max() + 1e-12,
            values.max() + beta * 10,
            xtol=1e-15,
        )
        return beta * ref / (lam - values)

    second = np.array([best(ref2[y1], reward[y1]) for y1 in range(4)])
    first = best(ref1, (second * reward).sum(1))  # R(y1) = E_pi[r | y1]
    return (first[:, None] * second).flatten()


def test_chapter7_fixed_points_and_optimum():
    ref1, ref2, reward = chapter7_problem()
    beta, ref = 0.5, (ref1[:, None] * ref2).flatten()
    r = reward.flatten()
    optimum = ref * np.exp(r / beta) / (ref * np.exp(r / beta)).sum()

    def value(pi):
        return pi @ r - beta * kl(pi, ref)

    values = {"J ref": value(ref), "J opt": value(optimum), "KL opt": kl(optimum, ref)}
    for direction in ("reverse", "forward"):  # k2 (and k3 x ratio, k3+) / k3 as loss
        pi = per_token_fixed_point(ref1, ref2, reward, beta, direction)
        values |= {
            f"{direction} gap": kl(pi, optimum),
            f"{direction} KL": kl(pi, ref),
            f"{direction} J": value(pi),
        }
    assert values["forward gap"] > 0.05 and values["reverse gap"] > 0.02
    expect("08_post_training_libraries", values)


def test_chapter7_adaptive_coefficient_and_exercises():
    ref1, ref2, reward = chapter7_problem()
    ref, r = (ref1[:, None] * ref2).flatten(), reward.flatten()

    def kl_at(b):
        return kl(special.softmax(np.log(ref) + r / b), ref)  # log space: no overflow

    beta_hat = optimize.brentq(lambda b: kl_at(b) / 2 - 0.15, 1e-3, 10, xtol=1e-14)  # per token
    p = special.softmax([1.0, 0.0, -1.0])
    q = special.softmax([0.0, 0.5, 0.2])
    m = 0.1 * p + 0.9 * q
    values = {
        "beta hat": beta_hat,
        "grad": 0.2 - 0.5,
        "jsd": 0.1 * kl(p, m) + 0.9 * kl(q, m),
    }
    expect("08_post_training_libraries", values)
    expect("08_post_training_libraries", {"beta": 0.05 * (1 + 0.2 * 256 / 10_000)}, ".6f")


# --- chapter 9 ------------------------------------------------------------------


def test_chapter9_entropies_and_mutual_information():
    h = lambda p: stats.entropy(np.ravel(p))  # noqa: E731
    hx, hy = h(LOADED), h([0.5, 0.5])  # the joint is the die itself (Y is a function of X)
    rho = 0.9
    expect(
        "09_information",
        {
            "H(X)": hx,
            "H(Y)": hy,
            "H(X|Y)": hx - hy,
            "MI Gaussian": -0.5 * math.log(1 - rho**2),
            "fair vs loaded": kl(FAIR, LOADED),
            "odd/even": kl([0.5, 0.5], [0.3, 0.7]),
        },
    )
    misread = 0.7 * np.eye(6) + 0.3 * (1 - np.eye(6)) / 5
    joint_xy = np.diag(FAIR) @ misread
    joint_xz = np.stack([joint_xy[:, :5].sum(1), joint_xy[:, 5]], axis=1)

    def mi(t):
        return h(t.sum(0)) + h(t.sum(1)) - h(t)

    expect(
        "09_information",
        {
            "misread": kl(FAIR @ misread, LOADED @ misread),
            "I(X;Y)": mi(joint_xy),
            "I(X;Z)": mi(joint_xz),
            "bits exercise": 1 - stats.entropy([0.1, 0.9], base=2),
            "table exercise": mi(
                np.array([[0.3, 0.05, 0.05], [0.05, 0.2, 0.05], [0.05, 0.05, 0.2]])
            ),
        },
    )


def test_chapter9_binned_gaussian_grows_towards_the_closed_form():
    rho, text = 0.9, printed("09_information")
    cov = [[1, rho], [rho, 1]]
    edges = np.linspace(-6, 6, 5)  # the 4 x 4 bins, by the bivariate normal CDF
    cdf = np.array(
        [[stats.multivariate_normal.cdf([a, b], [0, 0], cov) for b in edges] for a in edges]
    )
    table = np.diff(np.diff(cdf, axis=0), axis=1)
    table /= table.sum()
    mi = stats.entropy(table.sum(0)) + stats.entropy(table.sum(1)) - stats.entropy(table.ravel())
    assert f"{mi:.3f}" in text  # the chapter's grid is a midpoint rule: agree to 3 digits
    values = [
        float(line.split(":")[1].split()[0])
        for line in text.splitlines()
        if line.startswith("binned")
    ]
    assert values == sorted(values) and values[-1] <= -0.5 * math.log(1 - rho**2) + 5e-5


def test_chapter9_f_divergence_table_and_triangle():
    js = lambda a, b: distance.jensenshannon(a, b) ** 2  # noqa: E731
    values = {}
    for name, (a, b) in {"there": (FAIR, LOADED), "back": (LOADED, FAIR)}.items():
        a, b = np.asarray(a), np.asarray(b)
        values |= {
            f"kl {name}": kl(a, b),
            f"tv {name}": 0.5 * np.abs(a - b).sum(),
            f"hellinger {name}": 1 - np.sqrt(a * b).sum(),
            f"chi2 {name}": np.sum(a**2 / b) - 1,
            f"js {name}": js(a, b),
        }
    x, y, z = np.array([0.5, 0.5]), np.array([0.75, 0.25]), np.array([0.9, 0.1])
    values |= {
        "KL direct": kl(x, z),
        "KL detour": kl(x, y) + kl(y, z),
        "sqrt JS direct": math.sqrt(js(x, z)),
        "sqrt JS detour": math.sqrt(js(x, y)) + math.sqrt(js(y, z)),
    }
    expect("09_information", values)


# --- chapter 10 -----------------------------------------------------------------


def test_chapter10_alpha_renyi_and_exercises():
    a_, b_ = np.array(FAIR), np.array(LOADED)
    amari = lambda al: (1 - np.sum(a_**al * b_ ** (1 - al))) / (al * (1 - al))  # noqa: E731
    renyi = lambda al: math.log(np.sum(a_**al * b_ ** (1 - al))) / (al - 1)  # noqa: E731
    values = {f"amari {al}": amari(al) for al in (0.9, 0.5, 0.1)}
    expect("10_alpha_fisher", values, ".6f")
    expect(
        "10_alpha_fisher",
        {
            "renyi 0.5": renyi(0.5),
            "renyi 2": renyi(2.0),
            "renyi inf": math.log(5 / 3),
            "fisher coin": 1 / 0.21,
            "alpha 0.3 exercise": amari(0.3),
        },
    )


def test_chapter10_fits_and_divergences():
    """Each printed D_alpha, recomputed by quad at its printed fit (both branches)."""
    text = printed("10_alpha_fisher").splitlines()
    start = text.index("alpha | dial: mu, sigma, D_alpha | one mode: mu, sigma, D_alpha")
    checked = 0
    for line in text[start + 1 : start + 8]:
        head, dial, mode = line.split("|")
        al = float(head)
        for part in (dial, mode):
            m, s, d = (float(v) for v in part.split())

            def f(x, al=al, m=m, s=s):
                return np.exp(al * _mix_logpdf(x) + (1 - al) * stats.norm.logpdf(x, m, s))

            area = integrate.quad(f, -30, 30, points=[-3, 3, m], limit=400)[0]
            assert abs((1 - area) / (al * (1 - al)) - d) < 2e-4, line
            checked += 1
    assert checked == 14


def test_chapter10_fisher_table_and_trust_region():
    theta = np.array([0.5, -0.3, 1.2, 0.0, -1.0])
    u = np.array([1.0, -2.0, 0.5, 0.0, 1.0]) / np.linalg.norm([1.0, -2.0, 0.5, 0.0, 1.0])
    pi = special.softmax(theta)
    fisher = np.diag(pi) - np.outer(pi, pi)
    values = {}
    # eps stops at 0.01: below it fwd - rev cancels to round-off in the 6th digit
    # of the gap column, which then differs between CPUs (it did at 0.001)
    for eps in (0.3, 0.1, 0.03, 0.01):
        q = special.softmax(theta + eps * u)
        quad = 0.5 * eps**2 * u @ fisher @ u
        values[f"fwd {eps}"] = kl(pi, q) / quad
        values[f"rev {eps}"] = kl(q, pi) / quad
        values[f"gap {eps}"] = (kl(pi, q) - kl(q, pi)) / eps**3
    expect("10_alpha_fisher", values, ".6f")
    g = np.array([(0 - 2.0) / 9, 1 / 3 - (0.25 + 4) / 27])
    f_inv_g = g * np.array([9.0, 4.5])
    moved = {}
    for eps in (0.1, 0.01, 0.001):
        d = -np.sqrt(2 * eps / (g @ f_inv_g)) * f_inv_g
        moved[f"budget {eps}"] = norm_kl_quad(0.0, 3.0, d[0], 3.0 + d[1])
    expect("10_alpha_fisher", moved, ".5f")


def test_misconceptions_keras_mse_and_backprop():
    keras = 0.5 * math.log(0.5) + 0.5 * math.log(0.5 / 1e-7)  # third term: 1e-7 log 1 = 0
    p = np.array([0.495, 0.495, 0.01])
    loaded = np.array(LOADED)
    expect(
        "misconceptions",
        {"keras": keras, "forward value": kl(LOADED, FAIR), "reverse value": kl(FAIR, LOADED)},
    )
    expect(
        "misconceptions",
        {"rare": kl(p, [0.485, 0.495, 0.02]), "common": kl(p, [0.485, 0.505, 0.01])},
        ".5f",
    )
    # gradients w.r.t. uniform logits: forward u - loaded; reverse u * (log(u/loaded) - KL)
    u = np.full(6, 1 / 6)
    text = printed("misconceptions")
    assert f"{(u - loaded)[0]:.3f}" in text and f"{(u - loaded)[5]:.3f}" in text
    reverse = u * (np.log(u / loaded) - kl(u, loaded))
    assert f"{reverse[0]:.3f}" in text and f"{reverse[5]:.3f}" in text
