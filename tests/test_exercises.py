"""Every auto-check accepts its own answer, rejects wrong ones, and never prints the answer."""

import math

import numpy as np
import pytest
from scipy import optimize, special
from scipy.special import rel_entr

from klcourse.exercises import Question, ch1, ch2, ch3, ch4, ch5, ch6, ch7, ch8, ch9, ch10

ALL = [
    (name, q)
    for mod in (ch1, ch2, ch3, ch4, ch5, ch6, ch7, ch8, ch9, ch10)
    for name, q in vars(mod).items()
    if isinstance(q, Question)
]


@pytest.mark.parametrize(("name", "q"), ALL, ids=[f"{n}" for n, _ in ALL])
def test_check_accepts_answer_rejects_others_and_hides_answer(name, q, capsys):
    answer = q._expected()
    assert q.is_correct(answer)
    assert q.is_correct(answer + 0.5 * q.atol)
    wrong = answer * 1.5 + 1.0
    assert not q.is_correct(wrong)
    q.check(wrong)
    out = capsys.readouterr().out
    assert out.startswith("Not yet")
    for digits in (3, 4):
        assert f"{float(answer):.{digits}f}" not in out
    q.hint()
    assert capsys.readouterr().out.strip()


def test_diagnoses():
    q = Question(lambda: math.log(6), hint="", unit="nats")
    assert "bits" in q.diagnose(math.log2(6))
    assert "sign" in q.diagnose(-math.log(6))
    assert "too large" in q.diagnose(3.0)
    assert "single number" in q.diagnose([1.0, 2.0])
    assert "NaN" in q.diagnose(float("nan"))
    assert "expected a real number" in q.diagnose("abc")
    v = Question(lambda: np.array([0.5, 0.5]), hint="")
    assert "1 of 2 entries" in v.diagnose([0.5, 0.4])
    assert "shape (2,)" in v.diagnose([1.0, 0.0, 0.0])
    b = Question(lambda: 1.0, hint="", unit="bits")
    assert "nats" in b.diagnose(math.log(2))


def test_known_answers_against_closed_forms():
    assert ch1.q2.is_correct(-0.1 * math.log(0.1) - 0.9 * math.log(0.9))
    assert ch2.q1.is_correct(0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(0.5 / 0.1))
    assert ch2.q3.is_correct(math.log(3) + 5 / 18 - 0.5)
    assert ch3.q2.is_correct(math.log(1 / 3) / 6)
    assert ch3.q3.is_correct(29)


# --- exact messages and every answer against an oracle (found by mutation testing) ---


def test_every_answer_against_an_independent_oracle():
    from klcourse.lm.language import language_a

    sentences = language_a().sentences()
    entropy = -sum(p * math.log(p) for _, p in sentences)
    tokens = sum(p * (len(s) + 1) for s, p in sentences)
    assert ch6.q1._expected() == pytest.approx(entropy / tokens, rel=1e-12)
    # pi*(1) = 0.5 e^{1/0.5} / (0.5 + 0.5 e^{1/0.5})
    assert ch6.q2._expected() == pytest.approx(math.e**2 / (1 + math.e**2), rel=1e-12)
    assert ch6.q3._expected() == pytest.approx(math.log(20), rel=1e-15, abs=0)
    p = np.array([0.5, 0.2, 0.15, 0.1, 0.05])
    p_k = np.where(p >= 0.2, p, 0.0) / 0.7  # top-2, renormalised
    assert ch7.q1._expected() == pytest.approx(rel_entr(p_k, p).sum(), rel=1e-14, abs=0)
    student, teacher = special.softmax([2.0, 0.0, -1.0]), special.softmax([0.0, 1.0, 0.5])
    assert ch7.q2._expected() == pytest.approx(rel_entr(student, teacher).sum(), rel=1e-14)

    def pooled(logits):  # 1/2 D(r || p1) + 1/2 D(r || p2), minimised numerically
        r = special.softmax(logits)
        return 0.5 * rel_entr(r, [0.7, 0.2, 0.1]).sum() + 0.5 * rel_entr(r, [0.1, 0.2, 0.7]).sum()

    best = special.softmax(optimize.minimize(pooled, np.zeros(3), tol=1e-14).x)
    p1 = special.softmax([1.0, 0.0, -1.0])  # ch8.q2: teacher; student below, beta = 0.1
    q1 = special.softmax([0.0, 0.5, 0.2])
    mix = 0.1 * p1 + 0.9 * q1
    jsd = 0.1 * rel_entr(p1, mix).sum() + 0.9 * rel_entr(q1, mix).sum()
    assert ch8.q2._expected() == pytest.approx(jsd, rel=1e-12)
    assert ch8.q1._expected() == pytest.approx(-0.3, abs=1e-15)
    assert ch8.q3._expected() == pytest.approx(0.050256, rel=1e-12)
    assert ch7.q3._expected() == pytest.approx(best[1], abs=1e-6)
    loaded_bits = -(5 * 0.1 * math.log2(0.1) + 0.5 * math.log2(0.5))
    assert ch1.q1._expected() == pytest.approx(loaded_bits, rel=1e-12)
    assert ch1.q3._expected() == pytest.approx(
        -(5 / 6 * math.log(0.1) + 1 / 6 * math.log(0.5)), rel=1e-12
    )
    assert ch1.q4._expected() == 4


def test_chapter5_answers_and_the_swapped_direction():
    from scipy import integrate, stats

    p, q = stats.norm(0, 1), stats.norm(0.5, 1.3)
    forward = integrate.quad(lambda x: p.pdf(x) * (p.logpdf(x) - q.logpdf(x)), -30, 30)[0]
    reverse = integrate.quad(lambda x: q.pdf(x) * (q.logpdf(x) - p.logpdf(x)), -30, 30)[0]
    assert ch5.q4._expected() == pytest.approx(forward, rel=1e-10)
    assert ch5.q4.diagnose(reverse) == (
        "Not yet: that is D(q‖p): draw the samples from p, the first argument."
    )
    assert ch5.q4.is_correct(forward + 0.012) and not ch5.q4.is_correct(forward + 0.03)
    assert ch5.q1._expected() == pytest.approx(0.625, rel=1e-15)
    assert ch5.q2._expected() == pytest.approx(0.75, rel=1e-15)


def test_mistakes_are_named_only_when_they_differ_from_the_answer():
    q = Question(
        lambda: 1.0,
        hint="",
        mistakes=[(lambda: 2.0, "swapped."), (lambda: 1.0, "same."), (lambda: [2.0], "shape.")],
    )
    assert q.diagnose(2.0) == "Not yet: swapped."
    assert q.diagnose(1.0) is None
    assert q.diagnose(3.0) == "Not yet: your value is too large."
    v = Question(lambda: [1.0, 2.0], hint="", mistakes=[(lambda: [2.0, 1.0], "reversed.")])
    assert v.diagnose([2.0, 1.0]) == "Not yet: reversed."


def test_diagnose_messages_exactly():
    q = Question(lambda: math.log(6), hint="uniform", unit="nats")
    assert q.diagnose(math.log(6)) is None
    assert q.diagnose(math.log2(6)) == (
        "Not yet: your value looks like bits; this question asks for nats (natural log)."
    )
    assert q.diagnose(-math.log(6)) == "Not yet: the sign is flipped."
    assert q.diagnose(3.0) == "Not yet: your value is too large."
    assert q.diagnose(1.0) == "Not yet: your value is too small."
    assert q.diagnose(float("nan")) == (
        "Not yet: your answer contains NaN. Look for 0 * log(0) or 0 / 0."
    )
    assert q.diagnose("abc") == (
        "Not yet: expected a real number or an array of real numbers, got str 'abc'."
    )
    assert q.diagnose(True) == (
        "Not yet: expected a real number or an array of real numbers, got bool True."
    )
    assert q.diagnose([1.0, 2.0]) == (
        "Not yet: expected a single number, got an array of shape (2,)."
    )
    b = Question(lambda: 1.0, hint="", unit="bits")
    assert b.diagnose(math.log(2)) == (
        "Not yet: your value looks like nats; this question asks for bits (log base 2)."
    )
    assert b.diagnose(math.log(2) * 3) == "Not yet: your value is too large."  # not "nats"
    plain = Question(lambda: 2.0, hint="")
    assert plain.diagnose(2 * math.log(2)) == "Not yet: your value is too small."  # no unit
    assert plain.diagnose(2.0 / math.log(2)) == "Not yet: your value is too large."
    assert plain.diagnose(2.0 + 1.5e-3) is None  # rtol 1e-3 of 2 plus atol 1e-4
    assert plain.diagnose(2.0 + 2.5e-3) == "Not yet: your value is too large."
    zero = Question(lambda: 0.0, hint="")
    assert zero.diagnose(0.5) == "Not yet: your value is too large."  # -0.5 is not "flipped"
    assert zero.diagnose(5e-5) is None and zero.diagnose(2e-4) is not None  # atol 1e-4
    one = Question(lambda: 1.0, hint="")
    assert one.diagnose(-1.0) == "Not yet: the sign is flipped."
    inf = Question(lambda: math.inf, hint="")
    assert inf.diagnose(1e300) == "Not yet: check whether the true value is finite at all."
    assert inf.diagnose(math.inf) is None
    assert inf.diagnose(-math.inf) == "Not yet: the sign is flipped."


def test_array_answers():
    v = Question(lambda: [0.5, 0.25, 0.25], hint="", rtol=1e-6, atol=0.0)
    assert v.diagnose([0.5, 0.4, 0.1]) == "Not yet: 2 of 3 entries are off."
    assert v.diagnose([0.5, 0.25, 0.25 * (1 + 1e-7)]) is None
    assert v.diagnose([0.5, 0.25, 0.25 * (1 + 1e-5)]) == "Not yet: 1 of 3 entries are off."
    assert v.diagnose([1.0, 0.0]) == "Not yet: expected an array of shape (3,), got shape (2,)."
    assert v._expected().dtype == np.float64
    ints = Question(lambda: [1, 2], hint="")
    assert ints._expected().dtype == np.float64 and ints.is_correct([1.0, 2.0])
    loose = Question(lambda: [100.0], hint="", rtol=0.1, atol=0.0)
    assert loose.diagnose([105.0]) is None and loose.diagnose([115.0]) is not None
    assert Question(lambda: [1.0], hint="", atol=0.5, rtol=0.0).is_correct([1.4])


def test_check_and_hint_print(capsys):
    q = Question(lambda: 1.0, hint="think of a coin", unit="nats")
    q.check(1.0)
    q.check(2.0)
    q.hint()
    assert capsys.readouterr().out == (
        "Correct!\nNot yet: your value is too large.\nthink of a coin\n"
    )
    assert q.unit == "nats" and Question(lambda: 1.0, hint="").unit == ""


def test_entries_off_are_counted_with_the_questions_own_tolerances():
    rel = Question(lambda: [100.0, 100.0], hint="", rtol=0.1, atol=0.0)
    assert rel.diagnose([105.0, 200.0]) == "Not yet: 1 of 2 entries are off."
    ab = Question(lambda: [0.0, 1.0], hint="", rtol=0.0, atol=0.5)
    assert ab.diagnose([0.4, 5.0]) == "Not yet: 1 of 2 entries are off."


def test_chapter4_left_mode_against_an_independent_search():
    from tests.test_book_numbers import _reverse_kl4

    res = optimize.minimize(
        lambda t: _reverse_kl4(t[0], math.exp(t[1])),
        x0=[-4.0, math.log(0.5)],
        method="Nelder-Mead",
        options={"xatol": 1e-8, "fatol": 1e-13},
    )
    assert ch4.q3._expected() == pytest.approx(math.exp(res.x[1]), abs=1e-5)
