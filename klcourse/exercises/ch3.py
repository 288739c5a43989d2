"""Chapter 3 (dice) exercise checks."""

import math

from klcourse.dice import FAIR, LOADED, stein_errors
from klcourse.divergences import kl_divergence, kl_terms
from klcourse.exercises._question import Question

q1 = Question(
    lambda: kl_divergence(LOADED, FAIR, base=2),
    hint="KL(loaded || fair) = 0.5 log2(0.5 / (1/6)) + 5 * 0.1 log2(0.1 / (1/6)).",
    unit="bits",
)
q2 = Question(
    lambda: kl_terms(FAIR, LOADED)[5],
    hint="The six's term of KL(fair || loaded) is (1/6) ln((1/6) / 0.5). Can a term be negative?",
    unit="nats",
)
q3 = Question(
    lambda: math.ceil(math.log(1000) / kl_divergence(FAIR, LOADED)),
    hint="Solve exp(-n * KL(fair || loaded)) <= 1/1000 for the smallest whole n.",
    atol=0.5,
    rtol=0,
)
q4 = Question(
    lambda: stein_errors(30, alpha=0.05)[2],
    hint=(
        "Count sixes: under the loaded die K ~ Binomial(30, 1/2); "
        "the test says 'fair' when K < threshold."
    ),
    rtol=1e-3,
    atol=1e-6,
)
