"""klcourse: the helper package of the KL divergence course.

Everything a chapter computes lives here and is tested against independent
oracles (SciPy, closed forms, exact enumeration). Logs are natural (nats)
unless a function is given ``base=2`` (bits).
"""

from klcourse import dice
from klcourse.alpha_fit import alpha_divergence_to_mixture, fit_gaussian_alpha
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
from klcourse.families import alpha_divergence, f_divergence, renyi_divergence
from klcourse.fitting import fit_gaussian_to_mixture
from klcourse.gaussians import gaussian_kl, gaussian_kl_mv
from klcourse.information import conditional_entropy, joint_entropy, mutual_information
from klcourse.reproducibility import set_seed, train_seed

__version__ = "0.7.0"

__all__ = [
    "alpha_divergence",
    "alpha_divergence_to_mixture",
    "claim",
    "conditional_entropy",
    "cross_entropy",
    "dice",
    "entropy",
    "estimate_kl",
    "f_divergence",
    "fit_gaussian_alpha",
    "fit_gaussian_to_mixture",
    "gaussian_kl",
    "gaussian_kl_mv",
    "joint_entropy",
    "js_divergence",
    "kl_divergence",
    "kl_terms",
    "mutual_information",
    "normalize",
    "renyi_divergence",
    "set_seed",
    "train_seed",
]
