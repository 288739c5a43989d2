"""Exact comparisons of language models with the toy language and with each other.

Because the toy language is finite, every expectation "over sentences of the
language" is a weighted sum over all of its sentences, with their exact
probabilities as weights. Positions are the predictions of the tokens after BOS
(the words and the final EOS).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from klcourse.lm import _args
from klcourse.lm.language import ToyLanguage
from klcourse.lm.models import encode, make_tokenizer
from klcourse.lm.token_kl import token_kl


@dataclass
class Corpus:
    """All sentences of a language, encoded, with exact next-token distributions."""

    sentences: list[tuple[str, ...]]
    weights: np.ndarray  # P(sentence)
    batch: dict  # encoded (input_ids, attention_mask, labels)
    true_probs: np.ndarray  # (S, T, V): exact next-token distribution at positions 0..T-1
    mask: np.ndarray  # (S, T): position predicts a real token (a word or EOS)

    @property
    def tokens_per_sentence(self) -> float:
        return float(self.weights @ self.mask.sum(1))

    def average(self, values: np.ndarray) -> float:
        """Average of per-position ``values`` (S, T) over the language's token positions."""
        w = self.weights[:, None] * self.mask
        return float((w * values).sum() / w.sum())


def corpus(lang: ToyLanguage) -> Corpus:
    """Enumerate ``lang`` (a :class:`klcourse.lm.language.ToyLanguage`) with the exact
    next-token distributions."""
    _args.instance(lang, ToyLanguage, "lang")
    pairs = lang.sentences()
    sentences = [s for s, _ in pairs]
    weights = np.array([p for _, p in pairs])
    batch = encode([list(s) for s in sentences], make_tokenizer())
    n, length = batch["input_ids"].shape
    true_probs = np.zeros((n, length - 1, lang.vocab_size))
    mask = np.zeros((n, length - 1), dtype=bool)
    for i, words in enumerate(sentences):
        for t in range(len(words) + 1):  # predictions of words[0..] and EOS
            true_probs[i, t] = lang.next_token_probs(list(words[:t]))
            mask[i, t] = True
    return Corpus(sentences, weights, batch, true_probs, mask)


def model_logits(model, c: Corpus) -> torch.Tensor:
    """Next-token logits of ``model`` at every position of every sentence, ``(S, T, V)``.

    ``model`` is a causal language model (a torch module returning ``.logits``) over
    the toy vocabulary; ``c`` a :class:`Corpus` from :func:`corpus`.
    """
    _args.instance(model, torch.nn.Module, "model")
    _args.instance(c, Corpus, "c")
    with torch.no_grad():
        logits = model(
            input_ids=c.batch["input_ids"], attention_mask=c.batch["attention_mask"]
        ).logits
    return logits[:, :-1].float()


def per_token_rates(model, c: Corpus) -> dict[str, float]:
    """Exact per-token entropy of the language, and the model's cross-entropy and KL, in nats.

    ``cross_entropy = entropy + kl`` holds exactly: the training loss, averaged over
    the true distribution instead of a sample.
    """
    log_q = torch.log_softmax(model_logits(model, c), -1).double().numpy()
    p = c.true_probs
    with np.errstate(divide="ignore", invalid="ignore"):
        ent = -np.where(p > 0, p * np.log(p), 0.0).sum(-1)
        ce = -np.where(p > 0, p * log_q, 0.0).sum(-1)
    h, x = c.average(ent), c.average(ce)
    return {"entropy": h, "cross_entropy": x, "kl": x - h}


def expected_token_kl(p_model, q_model, c: Corpus) -> float:
    """KL(p_model(.|prefix) ‖ q_model(.|prefix)), averaged over the language's positions."""
    kl = token_kl(model_logits(p_model, c), model_logits(q_model, c)).double().numpy()
    return c.average(kl)
