"""Language-model helpers (need torch): token- and sequence-level KL, the KL-regularised optimum.

Import as ``klcourse.lm``; the numpy-only chapters never load torch.
"""

from klcourse.lm.policy import kl_regularized_optimum
from klcourse.lm.sequences import sequence_kl
from klcourse.lm.token_kl import token_kl

__all__ = ["kl_regularized_optimum", "sequence_kl", "token_kl"]
