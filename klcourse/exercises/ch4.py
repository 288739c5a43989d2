"""Chapter 4 (forward vs reverse KL) exercise checks."""

from klcourse.exercises._question import Question
from klcourse.fitting import fit_gaussian_to_mixture

q1 = Question(
    lambda: fit_gaussian_to_mixture([0.5, 0.5], [-2.0, 2.0], [1.0, 1.0], "forward")[1],
    hint="Moment matching: sigma^2 = sum_i w_i (sigma_i^2 + mu_i^2) - mu^2, and mu = 0 here.",
)
q2 = Question(
    lambda: 1 - 0.5**2,
    hint="The reverse-KL factor has variance 1 / Lambda_ii, with Lambda the inverse covariance.",
)
q3 = Question(
    lambda: fit_gaussian_to_mixture(
        [0.4, 0.6], [-3.0, 3.0], [0.8, 1.0], "reverse", init=(-3.0, 0.8)
    )[1],
    hint="fit_gaussian_to_mixture(W, M, S, 'reverse', init=(-3.0, 0.8)) returns (mu, sigma).",
)
