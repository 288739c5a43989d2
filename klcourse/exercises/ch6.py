"""Chapter 6 (language models) exercise checks."""

import math

from klcourse.exercises._question import Question


def _entropy_rate_a() -> float:
    from klcourse.lm.language import language_a

    lang = language_a()
    tokens = sum(p * (len(s) + 1) for s, p in lang.sentences())  # words + EOS
    return lang.entropy() / tokens


q1 = Question(
    _entropy_rate_a,
    hint=(
        "Divide the entropy of whole sentences by the expected number of predicted "
        "tokens (words + EOS)."
    ),
    unit="nats",
)


def _tilted() -> float:
    from klcourse.lm.policy import kl_regularized_optimum  # imports torch via klcourse.lm

    return kl_regularized_optimum([0.5, 0.5], [0.0, 1.0], beta=0.5)[1]


q2 = Question(
    _tilted,
    hint="pi*(y) is proportional to pi_ref(y) exp(r(y) / beta).",
)
q3 = Question(
    lambda: math.log(20),
    hint="KL(one-hot on y || uniform) = log(1 / (1/V)).",
    unit="nats",
)
