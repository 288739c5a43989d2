"""The two dice of the worked example: a fair one and a loaded one.

``FAIR`` and ``LOADED`` are read-only arrays indexed by face - 1, so
``LOADED[5]`` is the probability of a six.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import logsumexp
from scipy.stats import binom

from klcourse._checks import as_distribution, integer, real_array, real_number
from klcourse.reproducibility import rng_from

#: The faces 1..6, aligned with the probability arrays.
FACES = np.arange(1, 7)
FACES.setflags(write=False)

#: A fair six-sided die; every face has probability 1/6.
FAIR = np.full(6, 1 / 6)
FAIR.setflags(write=False)

#: A loaded die; a six half of the time, each other face 1/10.
LOADED = np.array([0.1, 0.1, 0.1, 0.1, 0.1, 0.5])
LOADED.setflags(write=False)


def roll(die: ArrayLike, n: int, seed: int | np.random.Generator | None = None) -> np.ndarray:
    """Roll a die ``n`` times and return the faces (1..6).

    Parameters
    ----------
    die : array_like
        Six face probabilities, e.g. :data:`FAIR` or :data:`LOADED`.
    n : int
        Number of rolls: a Python or NumPy integer >= 0 (not a float, not a bool).
    seed : int or numpy.random.Generator, optional
        A seed in ``[0, 2**32)`` or a generator, for reproducible rolls.

    Examples
    --------
    >>> rolls = roll(LOADED, 10_000, seed=0)
    >>> rolls.shape, set(rolls.tolist()) <= {1, 2, 3, 4, 5, 6}
    ((10000,), True)
    >>> bool(abs((rolls == 6).mean() - 0.5) < 0.02)
    True
    """
    probs = as_distribution(die, "die")
    if probs.shape != (6,):
        raise ValueError(f"die must have 6 face probabilities, got shape {probs.shape}")
    n = integer(n, "n", minimum=0)
    return rng_from(seed).choice(FACES, size=n, p=probs)


def frequencies(rolls: ArrayLike) -> np.ndarray:
    """Empirical distribution of faces 1..6 in ``rolls`` (counts / number of rolls).

    Examples
    --------
    >>> frequencies([6, 6, 1, 2])
    array([0.25, 0.25, 0.  , 0.  , 0.  , 0.5 ])
    """
    r, _ = real_array(rolls, "rolls")
    if r.ndim != 1 or r.size == 0:
        raise ValueError(f"rolls must be a non-empty 1-D sequence of faces, got shape {r.shape}")
    if not np.all(np.isin(r, FACES)):
        raise ValueError(f"rolls must contain only faces 1..6, got {sorted(set(r.tolist()))}")
    return np.bincount(r.astype(int) - 1, minlength=6) / r.size


class SteinErrors(NamedTuple):
    """Outcome of the level-``alpha`` test of "fair" against "loaded" (see :func:`stein_errors`)."""

    threshold: int  #: say "loaded" when the number of sixes is >= threshold
    alpha: float  #: P(say loaded | fair die)
    beta: float  #: P(say fair | loaded die)
    log_beta: float  #: natural log of beta, accurate where beta underflows


def stein_errors(n: int, alpha: float = 0.05) -> SteinErrors:
    r"""Error probabilities of the best non-randomised test of FAIR against LOADED from ``n`` rolls.

    For these two dice the log-likelihood ratio of a sequence of rolls,

    .. math::

        \begin{aligned}
        &\sum_i \log\frac{\mathrm{LOADED}(x_i)}{\mathrm{FAIR}(x_i)} \\
        &\quad = K\log 3 + (n-K)\log 0.6,
        \end{aligned}

    depends only on the number of sixes :math:`K`, and grows with it. So the
    Neyman–Pearson test says "loaded" when :math:`K \ge c`, with :math:`c` the
    smallest threshold whose false alarm rate :math:`P_{\mathrm{fair}}(K \ge c)`
    is at most ``alpha``. Under the fair die :math:`K \sim \mathrm{Bin}(n, 1/6)`,
    under the loaded one :math:`K \sim \mathrm{Bin}(n, 1/2)`, so both error
    probabilities are exact binomial tail sums.

    Stein's lemma says that, at any fixed level, the miss rate decays as
    :math:`\beta_n = e^{-n\,D_{KL}(\mathrm{FAIR}\,\|\,\mathrm{LOADED}) + o(n)}`.

    Examples
    --------
    >>> res = stein_errors(30)
    >>> res.threshold, round(res.alpha, 4), round(res.beta, 4)
    (10, 0.0197, 0.0214)
    """
    n = integer(n, "n", minimum=1)
    if not 0 < real_number(alpha, "alpha") < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    thresholds = np.arange(n + 2)
    false_alarm = binom.sf(thresholds - 1, n, FAIR[5])  # P_fair(K >= c)
    c = int(thresholds[np.argmax(false_alarm <= alpha)])
    # log P_loaded(K < c) as a log-sum of the pmf: binom.logcdf underflows to -inf
    # once beta drops below ~1e-308, which happens near n = 3000 at alpha = 0.05.
    # (c >= 1: c = 0 would need a false-alarm rate of 1 <= alpha.)
    log_beta = float(logsumexp(binom.logpmf(np.arange(c), n, LOADED[5])))
    return SteinErrors(
        threshold=c, alpha=float(false_alarm[c]), beta=float(np.exp(log_beta)), log_beta=log_beta
    )
