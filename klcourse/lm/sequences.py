"""KL divergence between distributions over whole sequences.

A causal language model defines a distribution over sequences: start after BOS, draw
each token from the model's next-token distribution, stop at EOS or after
``max_new_tokens`` tokens. By the chain rule, log p(s) is the sum of the log-probabilities
of its tokens (EOS included when the sequence ends with it), and

.. math::

    D_{KL}(p \\,\\|\\, q) = \\mathbb{E}_{s \\sim p}\\Big[\\sum_t
        D_{KL}\\big(p(\\cdot \\mid s_{<t}) \\,\\|\\, q(\\cdot \\mid s_{<t})\\big)\\Big],

an expectation over the contexts of the *first* argument. A toy language
(:class:`klcourse.lm.language.ToyLanguage`) is a distribution of the same kind whose
sentences can be listed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from transformers import PreTrainedTokenizerBase

from klcourse._checks import integer
from klcourse.lm import _args
from klcourse.lm.language import MAX_WORDS, ToyLanguage
from klcourse.lm.models import MAX_LENGTH, make_tokenizer
from klcourse.reproducibility import check_seed

#: Sentences scored per forward pass.
_BATCH = 512


@dataclass(frozen=True)
class SequenceKL:
    """A sequence-level KL in nats per sequence, exact or estimated.

    ``stderr`` is the Monte Carlo standard error (0 when exact) and ``n_samples`` the
    number of sequences drawn (0 when exact).
    """

    value: float
    stderr: float
    n_samples: int

    @property
    def exact(self) -> bool:
        return self.n_samples == 0

    def __float__(self) -> float:
        return self.value


def sequence_logprob(
    model: torch.nn.Module,
    sequences: list[list[int]],
    tokenizer: PreTrainedTokenizerBase | None = None,
    max_new_tokens: int = MAX_LENGTH - 1,
) -> np.ndarray:
    """Natural-log probability of each token sequence under a causal ``model``.

    Each sequence is a list of token ids generated after BOS. One that ends with EOS
    is complete: its EOS is scored. One without EOS must be ``max_new_tokens`` long
    (where sampling stops): it is scored as that prefix, the probability of drawing it.
    ``tokenizer`` gives the BOS and EOS ids (default: the toy tokenizer).
    """
    _args.instance(model, torch.nn.Module, "model")
    tok = make_tokenizer() if tokenizer is None else tokenizer
    limit = integer(max_new_tokens, "max_new_tokens", minimum=1)
    bos, eos = tok.bos_token_id, tok.eos_token_id
    if not isinstance(sequences, (list, tuple)) or not sequences:
        raise TypeError(
            f"sequences must be a non-empty list of lists of token ids, got {sequences!r}"
        )
    for s in sequences:
        if not isinstance(s, (list, tuple)) or not all(isinstance(i, int) for i in s):
            raise TypeError(f"each of sequences must be a list of int token ids, got {s!r}")
        ended = len(s) > 0 and s[-1] == eos
        if len(s) > limit or (not ended and len(s) != limit) or eos in s[:-1]:
            raise ValueError(
                f"a sequence must end with EOS ({eos}) within max_new_tokens={limit} tokens, "
                f"or be exactly {limit} long without EOS; got {s}"
            )
    out = np.empty(len(sequences))
    for start in range(0, len(sequences), _BATCH):
        chunk = sequences[start : start + _BATCH]
        width = max(len(s) for s in chunk)
        ids = torch.full((len(chunk), width + 1), bos)
        mask = torch.zeros((len(chunk), width + 1), dtype=torch.long)
        for i, s in enumerate(chunk):
            ids[i, 1 : len(s) + 1] = torch.tensor(s, dtype=torch.long)
            mask[i, : len(s) + 1] = 1
        with torch.no_grad():
            logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1]
        logp = torch.log_softmax(logits.double(), -1).gather(-1, ids[:, 1:, None])[..., 0]
        out[start : start + len(chunk)] = (logp * mask[:, 1:]).sum(-1).numpy()
    return out


def sample_sequences(
    model: torch.nn.Module,
    n: int,
    seed: int = 0,
    tokenizer: PreTrainedTokenizerBase | None = None,
    max_new_tokens: int = MAX_LENGTH - 1,
) -> list[list[int]]:
    """``n`` token sequences drawn from ``model`` after BOS (pure sampling, no top-k,
    temperature 1), each ending at EOS or after ``max_new_tokens`` tokens."""
    _args.instance(model, torch.nn.Module, "model")
    n = integer(n, "n", minimum=1)
    tok = make_tokenizer() if tokenizer is None else tokenizer
    limit = integer(max_new_tokens, "max_new_tokens", minimum=1)
    gen = torch.Generator().manual_seed(check_seed(seed))
    ids = torch.full((n, 1), tok.bos_token_id)
    done = torch.zeros(n, dtype=torch.bool)
    with torch.no_grad():
        for _ in range(limit):
            logits = model(input_ids=ids).logits[:, -1].double()
            nxt = torch.multinomial(torch.softmax(logits, -1), 1, generator=gen)
            ids = torch.cat([ids, nxt], 1)
            done |= nxt[:, 0] == tok.eos_token_id
            if done.all():
                break
    out = []
    for row in ids[:, 1:].tolist():
        out.append(row[: row.index(tok.eos_token_id) + 1] if tok.eos_token_id in row else row)
    return out


def sequence_kl(
    p: ToyLanguage | torch.nn.Module,
    q: ToyLanguage | torch.nn.Module,
    n_samples: int = 2000,
    seed: int = 0,
    tokenizer: PreTrainedTokenizerBase | None = None,
    max_new_tokens: int = MAX_LENGTH - 1,
) -> SequenceKL:
    r"""D(p‖q) between two distributions over sequences, in nats per sequence.

    .. math:: D_{KL}(p \,\|\, q) = \sum_s p(s) \big(\log p(s) - \log q(s)\big)

    Parameters
    ----------
    p, q : klcourse.lm.language.ToyLanguage or torch.nn.Module
        A toy language, or a causal language model (returning ``.logits``) over the
        tokenizer's vocabulary; a model's sequences stop at EOS or after
        ``max_new_tokens`` tokens.
    n_samples : int
        Sequences drawn from p when p is a model (an int >= 2).
    seed : int
        Seed of those draws, an int in ``[0, 2**32)``.
    tokenizer : transformers.PreTrainedTokenizerFast, optional
        Gives BOS and EOS, and maps a toy language's words to ids; by default
        :func:`klcourse.lm.models.make_tokenizer`.
    max_new_tokens : int
        Where a model's sequences are cut off (default 13: BOS + 13 tokens fill the
        toy models' 14 positions). Must be at least the longest sentence of a toy
        language (12 words and EOS).

    Returns
    -------
    SequenceKL
        When p is a toy language, the exact value: a sum over its sentences (``inf`` if
        q gives one of them probability 0; rounding below 0 is clamped to 0). When p
        is a model and q a toy language, ``inf`` exactly: a softmax gives every
        sequence positive probability, and most sequences are not sentences of the
        language. When both are models, the Monte Carlo mean of
        :math:`\log p(s) - \log q(s)` over ``n_samples`` draws from p (the k1
        estimator), with its standard error. k1 is unbiased and needs only
        log-probabilities. k3, :math:`r - 1 - \log r` with :math:`r = q(s)/p(s)`, is
        unbiased too and has less variance when p and q are close; but over whole
        sequences r is a product of many token ratios, and k3's variance grows with
        :math:`\mathbb{E}_p[r^2]`, which a few unlikely sequences can make huge.

    Raises
    ------
    TypeError
        If p or q is neither, or a count or seed is not an int.
    ValueError
        If ``n_samples < 2``, or ``max_new_tokens`` is shorter than a toy sentence.

    Examples
    --------
    >>> from klcourse.lm.language import language_a, language_b
    >>> kl = sequence_kl(language_a(), language_b())
    >>> kl.exact, round(kl.value, 4)
    (True, 1.7167)
    >>> sequence_kl(language_b(), language_a()).value  # "eats" is not in language A
    inf
    """
    for name, dist in (("p", p), ("q", q)):
        if not isinstance(dist, (ToyLanguage, torch.nn.Module)):
            raise TypeError(
                f"{name} must be a ToyLanguage or a causal language model "
                f"(a torch.nn.Module), got {type(dist).__name__}"
            )
    n_samples = integer(n_samples, "n_samples", minimum=2)
    seed = check_seed(seed)
    limit = integer(max_new_tokens, "max_new_tokens", minimum=1)
    tok = make_tokenizer() if tokenizer is None else tokenizer
    if any(isinstance(d, ToyLanguage) for d in (p, q)) and limit < MAX_WORDS + 1:
        raise ValueError(
            f"max_new_tokens must be at least {MAX_WORDS + 1} (a toy sentence and EOS) "
            f"when p or q is a toy language, got {limit}"
        )
    if isinstance(p, ToyLanguage):
        sentences = [list(words) for words, _ in p.sentences()]
        log_p = np.array([p.sentence_logprob(w) for w in sentences])
        if isinstance(q, ToyLanguage):
            log_q = np.array([q.sentence_logprob(w) for w in sentences])
        else:  # the sentences as token ids, each ending with EOS
            ids = [[*tok.convert_tokens_to_ids(w), tok.eos_token_id] for w in sentences]
            log_q = sequence_logprob(q, ids, tok, limit)
        terms = np.where(np.isneginf(log_q), np.inf, log_p - log_q)
        return SequenceKL(max(float(np.exp(log_p) @ terms), 0.0), 0.0, 0)
    if isinstance(q, ToyLanguage):
        return SequenceKL(math.inf, 0.0, 0)
    seqs = sample_sequences(p, n_samples, seed, tok, limit)
    diff = sequence_logprob(p, seqs, tok, limit) - sequence_logprob(q, seqs, tok, limit)
    return SequenceKL(float(diff.mean()), float(diff.std(ddof=1) / math.sqrt(diff.size)), diff.size)
