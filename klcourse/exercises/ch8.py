"""Chapter 8 (KL in post-training libraries) exercise checks."""

from scipy.special import softmax

from klcourse.exercises._question import Question

q1 = Question(
    lambda: 0.2 - 0.5,
    hint=(
        "Differentiate k3 = rho - 1 - log rho with rho = pi_ref / pi, weight by pi(y) "
        "held fixed, and compare with pi - pi_ref."
    ),
)


def _jsd_half() -> float:
    from klcourse.divergences import kl_divergence

    p, q = softmax([1.0, 0.0, -1.0]), softmax([0.0, 0.5, 0.2])  # teacher, student
    m = 0.1 * p + 0.9 * q
    return float(0.1 * kl_divergence(p, m) + 0.9 * kl_divergence(q, m))


q2 = Question(
    _jsd_half,
    hint="beta D(p || m) + (1 - beta) D(q || m) with m = beta p + (1 - beta) q, p the teacher.",
    unit="nats",
)
q3 = Question(
    lambda: 0.05 * (1 + 0.2 * 256 / 10_000),
    hint="The proportional error KL/target - 1 is clipped to [-0.2, 0.2] first.",
    rtol=1e-6,
    atol=1e-9,
)
