"""Chapter 5 (estimating KL from samples) exercise checks."""

from klcourse.exercises._question import Question
from klcourse.gaussians import gaussian_kl

q1 = Question(
    lambda: 1.0**2 / 2 + 1.0**4 / 8,
    hint="log r ~ N(-mu^2/2, mu^2) under p, and E[Y^2] = mean^2 + variance.",
    unit="nats",
)
q2 = Question(
    lambda: 0.3 / (0.3 + 0.1),
    hint="Maximise p log D + q log(1 - D) for one outcome: set the derivative to zero.",
)
# A k3 estimate from 100,000 samples has a standard error of 0.002-0.005 nats here
# (q has wider tails than p, so the ratio q/p is unbounded, its square still integrable).
q4 = Question(
    lambda: gaussian_kl(0.0, 1.0, 0.5, 1.3),
    hint="Draw x from p = N(0, 1); estimate_kl(log p(x), log q(x), 'k3').mean().",
    rtol=0.0,
    atol=0.015,
    unit="nats",
    mistakes=[
        (
            lambda: gaussian_kl(0.5, 1.3, 0.0, 1.0),
            "that is D(q‖p): draw the samples from p, the first argument.",
        )
    ],
)
