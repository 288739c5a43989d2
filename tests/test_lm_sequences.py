"""Sequence-level KL: exact sums over a toy language's sentences, enumeration of every
sequence of a tiny model (vocabulary 20, at most 3 tokens), and Monte Carlo within its
standard error. The oracles are independent of the code under test: the chain rule
over next-token distributions (``next_token_probs`` and the corpus's batched logits,
with scipy's ``rel_entr``), and brute-force enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from scipy.special import rel_entr

from klcourse.lm.analysis import corpus, model_logits
from klcourse.lm.language import MAX_WORDS, language_a, language_b
from klcourse.lm.models import make_tokenizer, tiny_gpt2
from klcourse.lm.sequences import (
    SequenceKL,
    sample_sequences,
    sequence_kl,
    sequence_logprob,
)

TOK = make_tokenizer()
EOS = TOK.eos_token_id


def chain_rule_kl(p_lang, q_lang):
    """Sum over p's sentences of p(s) times the token KLs along s (the chain rule)."""
    total = 0.0
    for words, prob in p_lang.sentences():
        for t in range(len(words) + 1):
            a = p_lang.next_token_probs(list(words[:t]))
            b = q_lang.next_token_probs(list(words[:t]))
            total += prob * rel_entr(a, b).sum()
    return total


def test_two_toy_languages_exactly():
    kl = sequence_kl(language_a(), language_b())
    assert kl.exact and kl.stderr == 0.0 and kl.n_samples == 0
    assert kl.value == pytest.approx(chain_rule_kl(language_a(), language_b()), rel=1e-12)
    assert float(kl) == kl.value
    # B says "eats", which A never does: D(B || A) is infinite
    assert sequence_kl(language_b(), language_a()).value == np.inf
    assert sequence_kl(language_a(), language_a()).value == 0.0


@pytest.fixture(scope="module")
def models():
    return tiny_gpt2(n_embd=16, n_layer=1, seed=1), tiny_gpt2(n_embd=16, n_layer=1, seed=2)


def test_language_against_a_model_is_the_chain_rule_over_its_contexts(models):
    """D(language || model) = sum_s p(s) sum_t KL(p(.|s<t) || model(.|s<t)):
    the exact value, from the corpus's batched logits."""
    model = models[0]
    c = corpus(language_a())
    q = torch.softmax(model_logits(model, c).double(), -1).numpy()
    per_position = np.where(c.mask, rel_entr(c.true_probs, q).sum(-1), 0.0)
    expected = c.weights @ per_position.sum(-1)
    assert sequence_kl(language_a(), model).value == pytest.approx(expected, rel=1e-6)


def test_a_model_against_a_language_is_infinite(models):
    assert sequence_kl(models[0], language_a()).value == np.inf


def every_sequence(limit):
    """All sequences of at most ``limit`` tokens: ending with EOS, or ``limit`` long."""
    others = [i for i in range(len(TOK)) if i != EOS]
    out = []
    for n in range(limit):
        out += [[*s, EOS] for s in itertools.product(others, repeat=n)]
    return out + [list(s) for s in itertools.product(others, repeat=limit)]


@pytest.fixture(scope="module")
def enumerated(models):
    seqs = every_sequence(3)
    return seqs, [sequence_logprob(m, seqs, max_new_tokens=3) for m in models]


def test_sequence_probabilities_of_a_model_sum_to_1(enumerated):
    seqs, (log_p, log_q) = enumerated
    assert len(seqs) == 1 + 19 + 19**2 + 19**3
    assert np.exp(log_p).sum() == pytest.approx(1.0, abs=1e-9)
    assert np.exp(log_q).sum() == pytest.approx(1.0, abs=1e-9)


def test_monte_carlo_between_models_within_its_standard_error(models, enumerated):
    _, (log_p, log_q) = enumerated
    exact = float(np.exp(log_p) @ (log_p - log_q))
    p, q = models
    kl = sequence_kl(p, q, n_samples=4000, seed=3, max_new_tokens=3)
    assert not kl.exact and kl.n_samples == 4000
    assert abs(kl.value - exact) < 4 * kl.stderr
    # the standard error is that of the mean of log p - log q under p
    var = float(np.exp(log_p) @ (log_p - log_q - exact) ** 2)
    assert kl.stderr == pytest.approx(np.sqrt(var / 4000), rel=0.1)


def test_samples_follow_the_model(models, enumerated):
    """Frequencies of the first token of 4000 draws against the model's own
    probabilities (chi-squared, generous bound)."""
    seqs, (log_p, _) = enumerated
    draws = sample_sequences(models[0], 4000, seed=5, max_new_tokens=3)
    assert all(s[-1] == EOS or len(s) == 3 for s in draws)
    first = np.bincount([s[0] for s in draws], minlength=len(TOK)) / 4000
    expected = np.zeros(len(TOK))
    np.add.at(expected, [s[0] for s in seqs], np.exp(log_p))
    chi2 = 4000 * ((first - expected) ** 2 / expected).sum()
    assert chi2 < 60  # 19 degrees of freedom: P(chi2 > 60) < 1e-5


def test_sampling_is_seeded(models):
    a = sample_sequences(models[0], 30, seed=7, max_new_tokens=3)
    assert a == sample_sequences(models[0], 30, seed=7, max_new_tokens=3)
    assert a != sample_sequences(models[0], 30, seed=8, max_new_tokens=3)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda m: sequence_kl("A", m), TypeError, r"^p must be a ToyLanguage or a causal"),
        (lambda m: sequence_kl(m, 3), TypeError, r"^q must be a ToyLanguage or a causal"),
        (lambda m: sequence_kl(m, m, n_samples=1), ValueError, "n_samples"),
        (lambda m: sequence_kl(m, m, seed=-1), ValueError, "seed"),
        (
            lambda m: sequence_kl(language_a(), m, max_new_tokens=MAX_WORDS),
            ValueError,
            r"^max_new_tokens must be at least 13",
        ),
        (
            lambda m: sequence_logprob(m, [[5, 6]], max_new_tokens=3),
            ValueError,
            r"must end with EOS",
        ),
        (
            lambda m: sequence_logprob(m, [[5, EOS, 6, EOS]], max_new_tokens=5),
            ValueError,
            r"must end with EOS",
        ),
        (lambda m: sample_sequences(m, 0), ValueError, "n"),
        (lambda m: sequence_logprob(m, "the cat"), TypeError, r"^sequences must be a non-empty"),
        (lambda m: sequence_logprob(m, [[1.5, EOS]]), TypeError, r"^each of sequences must"),
    ],
)
def test_arguments_are_checked(models, call, error, message):
    with pytest.raises(error, match=message):
        call(models[0])


def test_result_type():
    kl = SequenceKL(1.5, 0.1, 10)
    assert not kl.exact and float(kl) == 1.5
