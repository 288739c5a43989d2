"""The reverse objective KL(q‖p) for a Gaussian q and a 1-D Gaussian mixture p.

Used by :mod:`klcourse.fitting`. E_q[log p(x)] is split into a closed-form part and a
remainder: with j the widest component, log p(x) = log w_j N(x; mu_j, sigma_j²) + r(x),
the first term's expectation under q is a quadratic in (mu, sigma), and r(x) =
log(1 + sum_i w_i N_i(x) / (w_j N_j(x))) >= 0 grows at most linearly in the tails. r is
integrated against q by adaptive Gauss–Kronrod quadrature started from panels that
resolve every component at its own width and every switch of log p from one
component to another; the tests compare the result with mpmath.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from klcourse import _quadrature as quadrature

EPS = np.finfo(float).eps

#: q's mass beyond 12 standard deviations is below 1e-32.
_Z_BREAKS = np.arange(-12.0, 12.5, 1.0)
#: Panel breaks around each component, in units of its width.
_COMPONENT_BREAKS = np.array(
    [-16.0, -8.0, -4.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0]
)
#: q narrower than this times every component is treated as a point (error ~ 1e-16).
_POINT = 1e-8
#: Error allowed in E_q[r(u)] and its gradient: absolute, and relative to E_q|.|.
_ATOL, _RTOL = 1e-12, 1e-15


class Standardised:
    """The reverse objective in units of the widest component j: u = (x - m_j) / s_j.

    KL is unchanged by an affine map applied to both q and p, and in these units the
    closed-form part is exactly -1/2 - log sigma_u - log w_j + (mu_u² + sigma_u²) / 2.
    The search runs over theta = (mu_u, log sigma_u).
    """

    def __init__(self, w, m, s):
        j = int(np.argmax(s))
        self.shift, self.scale = m[j], s[j]
        self.log_wj = np.log(w[j])
        others = np.arange(len(w)) != j
        self.a = np.log(w[others]) - np.log(w[j]) - np.log(s[others] / s[j])
        self.m = (m[others] - m[j]) / s[j]
        self.s = s[others] / s[j]
        self.narrowest = float(np.min(s) / s[j])
        self.features = _features(self.a, self.m, self.s)

    def to_theta(self, mu, sigma):
        with np.errstate(over="ignore"):
            return np.array([(mu - self.shift) / self.scale, np.log(sigma) - np.log(self.scale)])

    def from_theta(self, theta):
        return float(self.shift + self.scale * theta[0]), float(self.scale * np.exp(theta[1]))

    def objective(self, theta):
        """KL(q||p) and its gradient in theta."""
        mu, log_sigma = theta
        with np.errstate(over="ignore"):  # sigma = inf: the KL is inf, below
            sigma = np.exp(log_sigma)
            quadratic = 0.5 * (mu * mu + sigma * sigma)
        if not np.isfinite(quadratic):
            return float("inf"), np.zeros(2)
        head = -0.5 - log_sigma - self.log_wj + quadratic
        grad = np.array([mu, -1.0 + sigma * sigma])
        if self.m.size:
            r, dr_mu, dr_z = self._remainder(mu, sigma)
            head -= r
            grad -= np.array([dr_mu, sigma * dr_z])
        return max(float(head), 0.0), grad

    def _remainder(self, mu, sigma):
        """E_q[r(u)], E_q[r'(u)] and E_q[z r'(u)] with u = mu + sigma z, z ~ N(0, 1)."""
        if sigma < _POINT * self.s.min():
            # q is a point on the scale of every component: E_q[f] = f(mu) + O(sigma² f''),
            # and E_q[z r'] = sigma E_q[r''] enters the gradient only as sigma² r''.
            r, dr, _, _ = self._terms(np.array([mu]), mu)
            return np.array([r[0], dr[0], 0.0])
        with np.errstate(over="ignore"):
            inside = np.clip((self.features - mu) / sigma, _Z_BREAKS[0], _Z_BREAKS[-1])
        breaks = np.unique(np.concatenate([_Z_BREAKS, inside]))

        def integrands(z):
            r, dr, r_noise, dr_noise = self._terms(mu + sigma * z, mu)
            density = np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)
            values = np.stack([density * r, density * dr, density * z * dr])
            noise = np.stack(
                [density * r_noise, density * dr_noise, density * np.abs(z) * dr_noise]
            )
            return values, noise

        return quadrature.integrate(integrands, breaks, atol=_ATOL, rtol=_RTOL)

    def _terms(self, u, mu):
        """r(u), r'(u) and bounds on their rounding errors, at the points u."""
        zi = (u[:, None] - self.m) / self.s
        d = self.a - 0.5 * zi**2 + 0.5 * u[:, None] ** 2
        top = np.maximum(d.max(axis=1), 0.0)
        e = np.exp(d - top[:, None])
        total = np.exp(-top) + e.sum(axis=1)
        r = top + np.log(total)
        resp = e / total[:, None]
        slope = u[:, None] - zi / self.s  # d_i'(u)
        dr = (resp * slope).sum(axis=1)  # r'(u)
        # Rounding: d is a difference of terms of size u²/2 and zi²/2, and the
        # rounding of u (about eps |u|) is amplified by 1 / s_i in zi and by 1 / s_i²
        # in d_i'(u).
        scale = (abs(mu) + np.abs(u))[:, None]
        r_noise = EPS * (
            0.5 * u**2
            + (resp * (0.5 * zi**2 + np.abs(self.a) + np.abs(zi) * scale / self.s)).sum(axis=1)
        )
        dr_noise = EPS * (resp * (np.abs(slope) + scale + scale / self.s**2)).sum(axis=1)
        return r, dr, r_noise, dr_noise


def _features(a, m, s):
    """Points (in u) near which r changes quickly: panel breaks for the quadrature.

    Each component's centre and multiples of its width; and every point where two
    of the log-terms d_i(u) = a_i - (u - m_i)² / (2 s_i²) + u² / 2 (d = 0 for the widest)
    cross, with multiples of the width 1 / |d_i' - d_k'| of the switch from one to the
    other there. (Beside a narrow component far out in a wide one's tail, r stays
    large over hundreds of the narrow one's widths, so its centre alone is not enough.)
    """
    c = 1.0 / s**2
    # d_i(u) = alpha_i u² + beta_i u + gamma_i; the widest component contributes 0.
    alpha = np.append(0.5 * (1.0 - c), 0.0)
    beta = np.append(c * m, 0.0)
    gamma = np.append(a - 0.5 * c * m**2, 0.0)
    points = [(m[:, None] + s[:, None] * _COMPONENT_BREAKS).ravel()]
    for i in range(len(alpha)):
        for k in range(i):
            da, db, dc = alpha[i] - alpha[k], beta[i] - beta[k], gamma[i] - gamma[k]
            for root in _real_roots(da, db, dc):
                slope = abs(2.0 * da * root + db)
                if slope > 0:
                    points.append(root + _COMPONENT_BREAKS / slope)
    return np.concatenate(points)


def _real_roots(a, b, c):
    """Real roots of a x² + b x + c, computed without cancellation or overflow."""
    k = max(abs(a), abs(b), abs(c))
    if k == 0.0:
        return []
    a, b, c = a / k, b / k, c / k
    if a == 0.0:
        return [-c / b] if b != 0.0 else []
    disc = b * b - 4.0 * a * c
    if not disc >= 0.0:
        return []
    q = -0.5 * (b + np.copysign(np.sqrt(disc), b))
    return [q / a, c / q] if q != 0.0 else [0.0]


#: KL beyond which a start is "far out" (see local_minimum).
_FAR = 1e8
#: Upper bound on log(sigma / widest std) during the search (sigma² stays finite).
_LOG_SIGMA_MAX = 340.0


def local_minimum(problem, theta0):
    """Search from theta0 until the gradient vanishes (|g| < 1e-9) at a minimum.

    L-BFGS, restarted while it stalls. A start so far out that the objective exceeds
    1e8 nats (there it is its closed-form part, to rounding) is first moved to that
    part's optimum: a Newton step in mu, and sigma down to the widest std. Then Newton steps
    with the Hessian from central differences of the analytic gradient polish the
    point, which is checked to be a minimum (positive-definite Hessian), not a saddle.
    """
    # Every stationary point has sigma >= the narrowest std: there 1/sigma² =
    # E_q[-(log p)''] (Stein's lemma), and -(log p)'' <= sum_i r_i(x) / s_i² for a mixture.
    # Searching above that bound keeps L-BFGS out of the sigma -> 0 plateau.
    low = np.log(problem.narrowest) - 0.5
    bounds = [(-1e150, 1e150), (low, _LOG_SIGMA_MAX)]
    theta = np.array([theta0[0], np.clip(theta0[1], low, _LOG_SIGMA_MAX)])
    value, grad = problem.objective(theta)
    if value > _FAR:  # lost in rounding: jump by the closed-form part's optimum
        theta = np.array([theta[0] - grad[0], min(theta[1], 0.0)])
    for _ in range(10):
        result = minimize(
            problem.objective,
            x0=theta,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"gtol": 1e-10, "ftol": 0.0, "maxiter": 2000},
        )
        grad = result.jac
        if np.max(np.abs(grad)) < 1e-9:
            break
        theta = result.x
    return _polish(problem, result.x)


def _polish(problem, theta):
    value, grad = problem.objective(theta)
    hess = _hessian(problem, theta)
    for _ in range(20):
        if np.max(np.abs(grad)) < 1e-9 or np.any(np.linalg.eigvalsh(hess) <= 0):
            break
        candidate = theta - np.linalg.solve(hess, grad)
        new_value, new_grad = problem.objective(candidate)
        better = new_value < value or np.max(np.abs(new_grad)) < np.max(np.abs(grad))
        if not better:  # neither lower nor flatter (the value alone can be noise-limited)
            break  # the quadratic model is not trusted here: keep the current point
        theta, value, grad = candidate, new_value, new_grad
        hess = _hessian(problem, theta)
    if np.max(np.abs(grad)) >= 1e-7 or np.any(np.linalg.eigvalsh(hess) <= 0):
        raise RuntimeError(  # a failure of the search (never seen on a mixture in the tests)
            f"the reverse fit did not reach a local minimum (gradient {grad}, Hessian {hess})"
        )
    return theta


def _hessian(problem, theta, h=1e-5):
    cols = []
    for k in range(2):
        e = np.zeros(2)
        e[k] = h
        cols.append((problem.objective(theta + e)[1] - problem.objective(theta - e)[1]) / (2 * h))
    hess = np.array(cols)
    return 0.5 * (hess + hess.T)
