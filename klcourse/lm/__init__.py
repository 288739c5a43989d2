"""Language-model helpers (need torch): token- and sequence-level KL, the generalized JSD,
the KL-regularised optimum.

Import as ``klcourse.lm``; the numpy-only chapters never load torch.
"""

from klcourse.lm.jsd import generalized_jsd
from klcourse.lm.policy import kl_regularized_optimum
from klcourse.lm.token_kl import token_kl

__all__ = ["generalized_jsd", "kl_regularized_optimum", "sequence_kl", "token_kl"]


def __getattr__(name: str) -> object:
    # sequence_kl needs transformers, which takes seconds to import: load it on first use
    if name == "sequence_kl":
        from klcourse.lm.sequences import sequence_kl

        return sequence_kl
    raise AttributeError(f"module 'klcourse.lm' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
