"""Chapter 2 (KL divergence) exercise checks."""

import numpy as np

from klcourse.divergences import kl_divergence
from klcourse.exercises._question import Question
from klcourse.gaussians import gaussian_kl

_P, _Q = [0.5, 0.5], [0.9, 0.1]

q1 = Question(
    lambda: kl_divergence(_P, _Q),
    hint="Sum p(x) ln(p(x)/q(x)) over both outcomes; p is the fair coin.",
    unit="nats",
)
q2 = Question(
    lambda: kl_divergence(_Q, _P, base=2),
    hint="Swap the roles: now the biased coin is the first argument; divide nats by ln 2.",
    unit="bits",
)
q3 = Question(
    lambda: gaussian_kl(0.0, 1.0, 2.0, 3.0),
    hint=(
        "log(sigma_q/sigma_p) + (sigma_p^2 + (mu_p - mu_q)^2) / (2 sigma_q^2) - 1/2, "
        "with sigmas 1 and 3."
    ),
    unit="nats",
)
q4 = Question(
    lambda: kl_divergence(np.outer(_P, _P).ravel(), np.outer(_Q, _Q).ravel()),
    hint="For independent pairs the KL of the product is the sum of the KLs of the factors.",
    unit="nats",
)
