"""Chapter 9 (mutual information, data processing, Pinsker, f-divergences) exercise checks."""

import numpy as np

from klcourse.divergences import kl_divergence
from klcourse.exercises._question import Question
from klcourse.information import mutual_information

_TABLE = np.array([[0.30, 0.05, 0.05], [0.05, 0.20, 0.05], [0.05, 0.05, 0.20]])
_PRODUCT = np.outer(_TABLE.sum(axis=1), _TABLE.sum(axis=0))

q1 = Question(
    lambda: mutual_information(0.5 * np.array([[0.9, 0.1], [0.1, 0.9]]), base=2),
    hint="I(X; Y) = H(Y) - H(Y | X); Y is a fair bit, and each row is a 0.1 coin.",
    unit="bits",
)
q4 = Question(
    lambda: mutual_information(_TABLE),
    hint="Sum p(x, y) log(p(x, y) / (p(x) p(y))) over the table; p(x) sums a row.",
    unit="nats",
    mistakes=[
        (
            lambda: kl_divergence(_PRODUCT.ravel(), _TABLE.ravel()),
            "that is D(p(x)p(y) ‖ p(x, y)), the arguments swapped: mutual information "
            "averages over the joint, so the joint goes first.",
        )
    ],
)
