"""Chapter 1 (entropy) exercise checks."""

from klcourse.dice import FAIR, LOADED
from klcourse.divergences import cross_entropy, entropy
from klcourse.exercises._question import Question

q1 = Question(
    lambda: entropy(LOADED, base=2),
    hint="Use H(p) = -sum p log2 p with p = LOADED; a six has probability 1/2.",
    unit="bits",
)
q2 = Question(
    lambda: entropy([0.1, 0.9]),
    hint="A coin with P(heads) = 0.1: H = -0.1 ln 0.1 - 0.9 ln 0.9.",
    unit="nats",
)
q3 = Question(
    lambda: cross_entropy(FAIR, LOADED),
    hint=(
        "Outcomes come from the fair die, the code is built for the loaded one: "
        "-sum FAIR * ln LOADED."
    ),
    unit="nats",
)
q4 = Question(
    lambda: 4,
    hint="A uniform distribution over N outcomes has entropy log2(N) bits.",
)
