"""A student too small for the topic teacher: its next-word distribution depends on
the position only.

:class:`PositionalStudent` holds one table of logits, (LENGTH, V): whatever words came
before, word t is drawn from ``softmax(logits[t])``. It cannot remember which topic a
message started on, an extreme version of what limits a small student: it cannot
track everything its teacher tracks. Its messages are independent across positions,
so it is also a mean-field (fully factorised) distribution over messages.
"""

from __future__ import annotations

import torch

from klcourse._checks import integer, real_number
from klcourse.lm import _args
from klcourse.lm.topics import LENGTH, WORDS, _ids, log_prob
from klcourse.reproducibility import check_seed


class PositionalStudent(torch.nn.Module):
    """Word t of a message drawn from ``softmax(logits[t])``, whatever came before.

    ``seed`` (an int in ``[0, 2**32)``) draws the initial logits from a normal
    distribution with standard deviation ``scale`` (a finite real >= 0).

    Examples
    --------
    >>> student = PositionalStudent(seed=0)
    >>> student.log_conditionals(torch.zeros((2, 4), dtype=torch.long)).shape
    torch.Size([2, 4, 8])
    """

    def __init__(self, seed: int = 0, scale: float = 0.1) -> None:
        super().__init__()
        gen = torch.Generator().manual_seed(check_seed(seed))
        s = real_number(scale, "scale")
        if not 0 <= s < float("inf"):
            raise ValueError(f"scale must be finite and >= 0, got {scale!r}")
        start = s * torch.randn(LENGTH, len(WORDS), generator=gen, dtype=torch.float64)
        self.logits = torch.nn.Parameter(start)

    def log_conditionals(self, ids: torch.Tensor) -> torch.Tensor:
        """(N, LENGTH, V): at every position the same distribution, whatever ``ids`` hold."""
        ids = _ids(ids)
        return torch.log_softmax(self.logits, -1).expand(ids.shape[0], -1, -1)

    def log_prob(self, ids: torch.Tensor) -> torch.Tensor:
        """Natural-log probability of each message, shape (N,)."""
        return log_prob(self, ids)

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` messages, (n, LENGTH) word ids; no gradient flows through the draw."""
        n = integer(n, "n", minimum=1)
        _args.instance(generator, torch.Generator, "generator")
        with torch.no_grad():
            probs = torch.softmax(self.logits, -1)
            return torch.multinomial(probs, n, replacement=True, generator=generator).T
