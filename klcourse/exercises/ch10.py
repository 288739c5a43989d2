"""Chapter 10 (alpha-divergences, Renyi divergences, Fisher information) exercise checks."""

from klcourse.dice import FAIR, LOADED
from klcourse.exercises._question import Question
from klcourse.families import alpha_divergence, renyi_divergence

q1 = Question(
    lambda: 1 / (0.3 * 0.7),
    hint="F = E[(d/dtheta log p)^2]: the score is 1/theta for heads, -1/(1-theta) for tails.",
)
q2 = Question(
    lambda: renyi_divergence(FAIR, LOADED, float("inf")),
    hint="The log of the largest ratio fair(x) / loaded(x).",
    unit="nats",
    mistakes=[
        (
            lambda: renyi_divergence(LOADED, FAIR, float("inf")),
            "that is D_inf(loaded ‖ fair): the ratio is fair / loaded, the first argument on top.",
        )
    ],
)
q3 = Question(
    lambda: alpha_divergence(FAIR, LOADED, 0.3),
    hint="(1 - sum p^alpha q^(1 - alpha)) / (alpha (1 - alpha)) with p the fair die.",
    mistakes=[
        (
            lambda: alpha_divergence(LOADED, FAIR, 0.3),
            "that is D_0.3(loaded ‖ fair): the first argument, the fair die, is the one "
            "raised to the power alpha.",
        )
    ],
)
