"""Language-model helpers (need torch): token-level KL and the KL-regularised optimum.

Import as ``klcourse.lm``; the numpy-only chapters never load torch.
"""

from klcourse.lm.policy import kl_regularized_optimum
from klcourse.lm.token_kl import token_kl

__all__ = ["kl_regularized_optimum", "token_kl"]
