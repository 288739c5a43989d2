"""Adaptive Gauss–Kronrod quadrature, vectorised over panels.

One call integrates several integrands that share their nodes (a value and its
gradient, say) over a set of panels. Each round evaluates a 15-point Kronrod rule
and its embedded 7-point Gauss rule on every open panel; a panel is closed when the
two agree to within its share of the tolerance, otherwise it is halved. The
difference |K15 - G7| overestimates the error of K15 by orders of magnitude for a
smooth integrand, so the tolerance is met with a wide margin.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

_KRONROD_HALF = np.array(
    [
        -0.991455371120812639206854697526329,
        -0.949107912342758524526189684047851,
        -0.864864423359769072789712788640926,
        -0.741531185599394439863864773280788,
        -0.586087235467691130294144845693013,
        -0.405845151377397166906606412076961,
        -0.207784955007898467600689403773245,
    ]
)
_KRONROD_WEIGHTS_HALF = np.array(
    [
        0.022935322010529224963732008058970,
        0.063092092629978553290700663189204,
        0.104790010322250183839876322541518,
        0.140653259715525918745189590510238,
        0.169004726639267902826583426598550,
        0.190350578064785409913256402421014,
        0.204432940075298892414161999234649,
    ]
)
_GAUSS_WEIGHTS_HALF = np.array(
    [
        0.129484966168869693270611432679082,
        0.279705391489276667901467771423780,
        0.381830050505118944950369775488975,
    ]
)
#: 15 Kronrod nodes on [-1, 1]; the Gauss nodes are every second one.
NODES = np.concatenate([_KRONROD_HALF, [0.0], -_KRONROD_HALF[::-1]])
KRONROD = np.concatenate(
    [_KRONROD_WEIGHTS_HALF, [0.209482141084727828012999174891714], _KRONROD_WEIGHTS_HALF[::-1]]
)
GAUSS = np.zeros(15)
GAUSS[1::2] = np.concatenate(
    [_GAUSS_WEIGHTS_HALF, [0.417959183673469387755102040816327], _GAUSS_WEIGHTS_HALF[::-1]]
)
_EPS = np.finfo(float).eps


def integrate(
    f: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    breaks: np.ndarray,
    atol: float,
    rtol: float,
    max_nodes: int = 200_000,
) -> np.ndarray:
    """Integrals of the rows of ``f`` over [breaks[0], breaks[-1]].

    ``f`` maps a 1-D array of n nodes to ``(values, noise)``, both of shape (k, n):
    k integrands, and a bound on the rounding error of each value (for a
    well-conditioned integrand, a few ulps of the value; more where the value is a
    small difference of large terms). ``breaks`` (sorted) splits the interval into
    the first panels; put them where the integrands change quickly: a feature much
    narrower than the spacing of a panel's 15 nodes can be missed altogether. The error
    of integral k is at most about ``atol + rtol * I_k``, where I_k is the integral of
    ``|f_k|``, or the integrated rounding noise if that is larger: a panel whose
    K15/G7 difference is within its noise is accepted, as halving it cannot help.

    Precisely: the allowed error (atol + rtol times K15 of ``|f|`` over the first
    panels) is shared among panels in proportion to their length, and a panel closes
    when, for every k, |K15 - G7| is at most its share plus 16 times K15 of
    ``noise + eps |f|`` over it; one whose half-width is at most 4 ulps of its
    position closes too (it cannot be halved). Panels of zero length are dropped.
    Subdivision stops (adding the open panels' K15) once a round would evaluate more
    than ``max_nodes`` nodes.
    """
    a, b = breaks[:-1], breaks[1:]
    keep = b > a
    a, b = a[keep], b[keep]
    length = breaks[-1] - breaks[0]
    total, budget = None, None
    while True:
        half = 0.5 * (b - a)
        x = (0.5 * (a + b))[:, None] + half[:, None] * NODES
        values, noise = (v.reshape(-1, *x.shape) for v in f(x.ravel()))  # (k, panels, 15)
        kronrod = (values @ KRONROD) * half
        gauss = (values @ GAUSS) * half
        if budget is None:  # the error each integral may have, from the first round
            budget = atol + rtol * ((np.abs(values) @ KRONROD) * half).sum(axis=1)
        share = budget[:, None] * (2 * half) / length
        floor = 16 * ((noise + _EPS * np.abs(values)) @ KRONROD) * half
        done = np.all(np.abs(kronrod - gauss) <= share + floor, axis=0)
        done |= half <= 4 * _EPS * np.maximum(np.abs(a), np.abs(b))  # cannot be halved
        part = kronrod[:, done].sum(axis=1)
        total = part if total is None else total + part
        if done.all() or 2 * (~done).sum() * NODES.size > max_nodes:
            return total + kronrod[:, ~done].sum(axis=1)
        mid = 0.5 * (a + b)[~done]
        a, b = np.concatenate([a[~done], mid]), np.concatenate([mid, b[~done]])
