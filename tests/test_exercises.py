"""Every auto-check accepts its own answer, rejects wrong ones, and never prints the answer."""

import math

import numpy as np
import pytest

from klcourse.exercises import Question, ch1, ch2, ch3, ch4, ch5

ALL = [
    (name, q)
    for mod in (ch1, ch2, ch3, ch4, ch5)
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
