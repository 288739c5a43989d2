"""Hypothesis strategies for probability vectors."""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays


@st.composite
def distributions(draw, n=None, min_size=2, max_size=8, allow_zeros=False):
    """A float64 probability vector, normalised from drawn weights."""
    size = draw(st.integers(min_size, max_size)) if n is None else n
    low = 0.0 if allow_zeros else 1e-3
    w = draw(arrays(np.float64, size, elements=st.floats(low, 1.0)))
    if w.sum() == 0:
        w[0] = 1.0
    return w / w.sum()


@st.composite
def pairs(draw, allow_zeros=False):
    """Two distributions over the same number of outcomes."""
    n = draw(st.integers(2, 8))
    return draw(distributions(n=n, allow_zeros=allow_zeros)), draw(
        distributions(n=n, allow_zeros=allow_zeros)
    )
