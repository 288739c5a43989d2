"""Chapter 7 (distillation and decoding) exercise checks."""

import math

import numpy as np
from scipy.special import softmax

from klcourse.exercises._question import Question

q1 = Question(
    lambda: -math.log(0.7),
    hint=(
        "p_k is p restricted to the two largest outcomes and divided by their mass P(K); "
        "sum p_k(v) log(p_k(v) / p(v)) over the kept outcomes only."
    ),
    unit="nats",
)


def _reverse_student_teacher() -> float:
    from klcourse.divergences import kl_divergence

    return float(kl_divergence(softmax([2.0, 0.0, -1.0]), softmax([0.0, 1.0, 0.5])))


q2 = Question(
    _reverse_student_teacher,
    hint=(
        "F.kl_div(input, target) computes D(target || input): put the student's "
        "log-probabilities second."
    ),
    unit="nats",
)


def _middle_word() -> float:
    geometric = np.sqrt(np.array([0.7, 0.2, 0.1]) * np.array([0.1, 0.2, 0.7]))
    return float(geometric[1] / geometric.sum())


q3 = Question(
    _middle_word,
    hint="The reverse-KL optimum is proportional to the geometric mean p1^(1/2) p2^(1/2).",
)
