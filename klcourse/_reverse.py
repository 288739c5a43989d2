"""The reverse objective KL(q‖p) for a Gaussian q and a 1-D Gaussian mixture p.

Used by :mod:`klcourse.fitting`. E_q[log p(x)] is split into a closed-form part and a
remainder: for a reference component j, log p(x) = log w_j N(x; mu_j, sigma_j²) + r(x)
with r(x) = log(1 + sum_i w_i N_i(x) / (w_j N_j(x))) >= 0. The first term's expectation
under q is a quadratic in (mu, sigma); r is integrated against q by adaptive
Gauss–Kronrod quadrature started from panels that resolve every component at its own
width and every switch of log p from one component to another. The reference is the
component with the largest E_q[log w_j N_j], chosen afresh for each q: then the
closed-form part is as close as any to E_q[log p], and little cancels between the two
parts (a fixed reference far from q would cancel digits like mu²/2). The tests compare
the result with mpmath.
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
#: |z| beyond which a component's log-term is -inf to double precision (z² < 1e300).
_Z_MAX = 1e150
#: Rounding bounds are capped here, so that resp = 0 times a huge bound stays 0.
_CAP = 1e300


class Standardised:
    """The reverse objective in units of the widest component: u = (x - m_w) / s_w.

    KL is unchanged by an affine map applied to both q and p. Components of weight 0
    are dropped. The search runs over theta = (mu_u, log sigma_u).
    """

    def __init__(self, w, m, s):
        keep = w > 0
        w, m, s = w[keep], m[keep], s[keep]
        widest = int(np.argmax(s))
        self.shift, self.scale = m[widest], s[widest]
        self.m = (m - m[widest]) / s[widest]
        self.s = s / s[widest]
        self.c = 1.0 / self.s**2
        self.log_ws = np.log(w) - np.log(self.s)  # log w_i - log s_i, in these units
        self.narrowest = float(self.s.min())
        self.features = _features(self.log_ws, self.m, self.s)

    def to_theta(self, mu, sigma):
        with np.errstate(over="ignore"):
            return np.array([(mu - self.shift) / self.scale, np.log(sigma) - np.log(self.scale)])

    def from_theta(self, theta):
        return float(self.shift + self.scale * theta[0]), float(self.scale * np.exp(theta[1]))

    def heads(self, mu, log_sigma):
        """E_q[log q - log(w_i N_i)] for every component i: the closed-form part of
        the KL with i as the reference (the KL itself is the smallest less E_q[r])."""
        with np.errstate(over="ignore"):
            sigma = np.exp(log_sigma)
            return (
                -0.5 - log_sigma - self.log_ws + 0.5 * self.c * ((mu - self.m) ** 2 + sigma * sigma)
            )

    def reference(self, mu, log_sigma):
        """The reference for q and its closed-form part: the component with the
        largest E_q[log w_j N_j], where the least cancels against the remainder."""
        heads = self.heads(mu, log_sigma)
        j = int(np.argmin(heads))
        return j, heads[j]

    def objective(self, theta):
        """KL(q||p) and its gradient in theta."""
        mu, log_sigma = theta
        with np.errstate(over="ignore"):
            sigma = np.exp(log_sigma)
        if not np.isfinite(sigma):
            return np.inf, np.zeros(2)
        j, head = self.reference(mu, log_sigma)
        if not np.isfinite(head):
            return np.inf, np.zeros(2)
        grad = np.array([self.c[j] * (mu - self.m[j]), -1.0 + self.c[j] * sigma * sigma])
        if self.m.size > 1:
            r, dr_mu, dr_z = self._remainder(mu, sigma, j)
            head -= r
            grad -= np.array([dr_mu, sigma * dr_z])
        return max(float(head), 0.0), grad

    def _remainder(self, mu, sigma, j):
        """E_q[r(u)], E_q[r'(u)] and E_q[z r'(u)] with u = mu + sigma z, z ~ N(0, 1)."""
        if sigma < _POINT * self.narrowest:
            # q is a point on the scale of every component: E_q[f] = f(mu) + O(sigma² f''),
            # and E_q[z r'] = sigma E_q[r''] enters the gradient only as sigma² r''.
            r, dr, _, _ = self._terms(np.array([mu]), mu, j)
            return np.array([r[0], dr[0], 0.0])
        with np.errstate(over="ignore"):  # a crossing far beyond q: clipped to its edge
            inside = np.clip((self.features - mu) / sigma, _Z_BREAKS[0], _Z_BREAKS[-1])
        breaks = np.unique(np.concatenate([_Z_BREAKS, inside]))

        def integrands(z):
            r, dr, r_noise, dr_noise = self._terms(mu + sigma * z, mu, j)
            density = np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)
            values = np.stack([density * r, density * dr, density * z * dr])
            noise = np.stack(
                [density * r_noise, density * dr_noise, density * np.abs(z) * dr_noise]
            )
            return values, noise

        return quadrature.integrate(integrands, breaks, atol=_ATOL, rtol=_RTOL)

    def _terms(self, u, mu, j):
        """r(u), r'(u) (reference j) and bounds on their rounding errors, at the points u."""
        others = np.arange(self.m.size) != j
        m, s = self.m[others], self.s[others]
        a = self.log_ws[others] - self.log_ws[j]
        zj = (u - self.m[j]) / self.s[j]
        with np.errstate(over="ignore"):  # a component beyond the floats: z = 1e150
            zi = np.clip((u[:, None] - m) / s, -_Z_MAX, _Z_MAX)
        d = a - 0.5 * zi**2 + 0.5 * (zj**2)[:, None]  # log(w_i N_i / (w_j N_j))
        top = np.maximum(d.max(axis=1), 0.0)
        e = np.exp(d - top[:, None])
        total = np.exp(-top) + e.sum(axis=1)
        r = top + np.log(total)
        resp = e / total[:, None]
        slope = (zj / self.s[j])[:, None] - zi / s  # d_i'(u)
        dr = (resp * slope).sum(axis=1)  # r'(u)
        r_noise, dr_noise = _rounding(a, zi, zj, s, self.s[j], (mu, u), resp, slope, dr)
        return r, dr, r_noise, dr_noise

    def closed_form_optimum(self, theta):
        """The optimum of the reference's closed-form part: mu at its mean, sigma at
        its width or below (where a start is so far out that nothing else counts)."""
        j, _ = self.reference(theta[0], theta[1])
        return np.array([self.m[j], min(theta[1], np.log(self.s[j]))])


def _rounding(a, zi, zj, s, s_j, at, resp, slope, dr):
    """Bounds on the rounding errors of r(u) and r'(u) in ``Standardised._terms``.

    First-order propagation, in units of eps. At a fixed u, each
    d_i = a_i - z_i²/2 + z_j²/2 is a difference of terms of those sizes, in error by at
    most about D_i = |a_i| + 2 (z_i² + z_j²); r = log(1 + sum_i e^{d_i}) then moves by
    sum_i resp_i D_i (d r / d d_i = resp_i), plus one ulp of 1 in the log. r' =
    sum_i resp_i d_i' carries the errors of the slopes d_i' = z_j / s_j - z_i / s_i
    and of the responsibilities (relative error D_i plus the denominator's). And u
    itself (``at`` = (mu, u)) is rounded by up to eps (|mu| + |u|) = eps * scale,
    which moves r by |r'| scale and r' by |r''| scale, where
    |r''| <= sum_i resp_i (d_i'² + |d_i''|).
    The eps |r| of the last operations is the quadrature's own.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # inf noise: any panel will do
        scale = abs(at[0]) + np.abs(at[1])
        zj = zj[:, None]
        each = np.minimum(np.abs(a) + 2 * (zi**2 + zj**2), _CAP)
        d_err = (resp * each).sum(axis=1)
        slope_err = 3 * (np.abs(zi) / s + np.abs(zj) / s_j) + np.abs(slope) * (
            each + d_err[:, None]
        )
        curvature = slope**2 + np.abs(1 / s_j**2 - 1 / s**2)
        curvature = np.minimum(curvature, _CAP) * scale[:, None]  # 0 where u is exact
        dr_err = (resp * np.minimum(slope_err + curvature, _CAP)).sum(axis=1)
        r_err = 1 + d_err + np.abs(dr) * scale
    return EPS * r_err, EPS * dr_err


def _features(log_ws, m, s):
    """Points (in u) near which r changes quickly: panel breaks for the quadrature.

    Each component's centre and multiples of its width; and every point where two
    of the log-terms l_i(u) = log w_i - log s_i - (u - m_i)² / (2 s_i²) cross, with
    multiples of the width 1 / |l_i' - l_k'| of the switch from one to the other
    there. (Beside a narrow component far out in a wide one's tail, r stays large
    over hundreds of the narrow one's widths, so its centre alone is not enough.)
    """
    c = 1.0 / s**2
    points = [(m[:, None] + s[:, None] * _COMPONENT_BREAKS).ravel()]
    for i in range(len(m)):
        for k in range(i):
            # l_i - l_k = 0 at u = m_k + L v, with L = max(|m_i - m_k|, 1), is
            # (c_k - c_i)/2 v² + c_i (delta/L) v + dl/L² - c_i (delta/L)²/2 = 0:
            # coefficients of the size of the c's, however far apart the means.
            delta = m[i] - m[k]
            big = max(abs(delta), 1.0)
            ratio = delta / big
            da, db = 0.5 * (c[k] - c[i]), c[i] * ratio
            dc = (log_ws[i] - log_ws[k]) / big / big - 0.5 * c[i] * ratio**2
            for v in _real_roots(da, db, dc):
                with np.errstate(over="ignore"):  # far beyond any q: inf, clipped later
                    root = m[k] + big * v
                    slope = abs(big * (2.0 * da * v + db))
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
#: The search: L-BFGS runs (each of at most _MAXITER iterations) until the largest
#: gradient component is below _GTOL; the polish then takes at most _STEPS Newton
#: steps and accepts the point if that component is below _ACCEPT.
_RUNS, _MAXITER, _GTOL, _STEPS, _ACCEPT = 10, 2000, 1e-9, 20, 1e-7
#: The Hessian's difference step far from 0, in ulps of theta.
_ULPS = 1024
#: Bound on |mu / widest std| during the search.
_MU_MAX = 1e150
#: Upper bound on log(sigma / widest std) during the search (sigma² stays finite).
_LOG_SIGMA_MAX = 340.0


def local_minimum(problem, theta0):
    """Search from theta0 until the gradient vanishes (|g| < 1e-9) at a minimum.

    L-BFGS, restarted while it stalls. A start so far out that the objective exceeds
    1e8 nats (there it is its closed-form part, to rounding) is first moved to that
    part's optimum: mu to the reference's mean, sigma down to its std. Then Newton steps
    with the Hessian from central differences of the analytic gradient polish the
    point, which is checked to be a minimum (positive-definite Hessian), not a saddle.
    """
    # Every stationary point has sigma >= the narrowest std: there 1/sigma² =
    # E_q[-(log p)''] (Stein's lemma), and -(log p)'' <= sum_i r_i(x) / s_i² for a mixture.
    # Searching above that bound keeps L-BFGS out of the sigma -> 0 plateau.
    low = np.log(problem.narrowest) - 0.5
    bounds = [(-_MU_MAX, _MU_MAX), (low, _LOG_SIGMA_MAX)]
    theta = np.array([theta0[0], np.clip(theta0[1], low, _LOG_SIGMA_MAX)])
    value, grad = problem.objective(theta)
    if value > _FAR:  # lost in rounding: jump to the closed-form part's optimum
        theta = problem.closed_form_optimum(theta)
    for _ in range(_RUNS):
        result = minimize(
            problem.objective,
            x0=theta,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"gtol": _GTOL / 10, "ftol": 0.0, "maxiter": _MAXITER},
        )
        grad = result.jac
        if np.max(np.abs(grad)) < _GTOL:
            break
        theta = result.x
    return _polish(problem, result.x)


def _polish(problem, theta):
    value, grad = problem.objective(theta)
    hess = _hessian(problem, theta)
    for _ in range(_STEPS):
        if np.max(np.abs(grad)) < _GTOL or np.any(np.linalg.eigvalsh(hess) <= 0):
            break
        candidate = theta - np.linalg.solve(hess, grad)
        new_value, new_grad = problem.objective(candidate)
        better = new_value < value or np.max(np.abs(new_grad)) < np.max(np.abs(grad))
        if not better:  # neither lower nor flatter (the value alone can be noise-limited)
            break  # the quadratic model is not trusted here: keep the current point
        theta, value, grad = candidate, new_value, new_grad
        hess = _hessian(problem, theta)
    if np.max(np.abs(grad)) >= _ACCEPT or np.any(np.linalg.eigvalsh(hess) <= 0):
        raise RuntimeError(  # a failure of the search (never seen on a mixture in the tests)
            f"the reverse fit did not reach a local minimum (gradient {grad}, Hessian {hess})"
        )
    return theta


def _hessian(problem, theta, h=1e-5):
    """Central differences of the gradient, with steps h or, far from 0, 1024 ulps of
    theta (at mu = 1e100 a step of 1e-5 would not move mu at all)."""
    cols = []
    for k in range(2):
        e = np.zeros(2)
        e[k] = max(h, _ULPS * EPS * abs(theta[k]))
        up, down = problem.objective(theta + e)[1], problem.objective(theta - e)[1]
        cols.append((up - down) / (2 * e[k]))
    hess = np.array(cols)
    return 0.5 * (hess + hess.T)
