"""klcourse: the helper package of the KL divergence course.

Everything a chapter computes lives here and is tested against independent
oracles (SciPy, closed forms, exact enumeration). Logs are natural (nats)
unless a function is given ``base=2`` (bits).
"""

from klcourse import dice
from klcourse.claims import claim
from klcourse.divergences import (
    cross_entropy,
    entropy,
    js_divergence,
    kl_divergence,
    kl_terms,
    normalize,
)
from klcourse.estimators import estimate_kl
from klcourse.fitting import fit_gaussian_to_mixture
from klcourse.gaussians import gaussian_kl, gaussian_kl_mv
from klcourse.reproducibility import set_seed, train_seed

__version__ = "0.5.0"

__all__ = [
    "claim",
    "cross_entropy",
    "dice",
    "entropy",
    "estimate_kl",
    "fit_gaussian_to_mixture",
    "gaussian_kl",
    "gaussian_kl_mv",
    "js_divergence",
    "kl_divergence",
    "kl_terms",
    "normalize",
    "set_seed",
    "train_seed",
]
