"""The boundary of klcourse.lm's language, model and analysis helpers.

Bad arguments raise a TypeError or ValueError naming the argument; nothing is
coerced (a string read as its letters, 2.5 steps truncated to 2) or rejected by a
library deep inside with a message about something else.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from klcourse.lm import analysis
from klcourse.lm.language import language_a
from klcourse.lm.models import encode, make_tokenizer, tiny_gpt2, train_lm
from tests.test_contracts import check_outcome, hostile

LANG = language_a()
TOK = make_tokenizer()
OK = [["the", "cat", "sees", "a", "dog", "."]]


def model():
    return tiny_gpt2(n_embd=8, n_layer=1, n_head=2)


CASES = [
    (lambda: LANG.next_token_probs("the"), TypeError, "prefix"),
    (lambda: LANG.next_token_probs(["the", 3]), TypeError, "prefix"),
    (lambda: LANG.next_token_probs(["zebra"]), ValueError, "prefix"),
    (lambda: LANG.sentence_logprob("the cat"), TypeError, "words"),
    (lambda: LANG.sample(2.5), TypeError, "n"),
    (lambda: LANG.sample(True), TypeError, "n"),
    (lambda: LANG.sample(-1), ValueError, "n"),
    (lambda: LANG.sample(2, seed=-3), ValueError, "seed"),
    (lambda: LANG.sample(2, seed=1.0), TypeError, "seed"),
    (lambda: tiny_gpt2(n_embd=63, n_head=2), ValueError, "n_embd"),
    (lambda: tiny_gpt2(n_layer=0), ValueError, "n_layer"),
    (lambda: tiny_gpt2(n_head=2.0), TypeError, "n_head"),
    (lambda: tiny_gpt2(seed=1.5), TypeError, "seed"),
    (lambda: encode(["the cat"], TOK), TypeError, "sentences"),
    (lambda: encode([["the"] * 13], TOK), ValueError, "more than 12"),
    (lambda: encode([["zebra"]], TOK), ValueError, "'zebra'"),
    (lambda: encode([], TOK), ValueError, "sentences"),
    (lambda: encode(OK, "tokenizer"), TypeError, "tokenizer"),
    (lambda: train_lm("model", OK, steps=1), TypeError, "model"),
    (lambda: train_lm(model(), OK, steps=2.0), TypeError, "steps"),
    (lambda: train_lm(model(), OK, steps=1, batch_size=0), ValueError, "batch_size"),
    (lambda: train_lm(model(), OK, steps=1, lr=-1), ValueError, "lr"),
    (lambda: train_lm(model(), OK, steps=1, lr=float("nan")), ValueError, "lr"),
    (lambda: train_lm(model(), OK, steps=1, lr="3e-3"), TypeError, "lr"),
    (lambda: train_lm(model(), OK, steps=1, seed=2**32), ValueError, "seed"),
    (lambda: train_lm(model(), OK, steps=1, progress="no"), TypeError, "progress"),
    (lambda: analysis.corpus("A"), TypeError, "lang"),
    (lambda: analysis.model_logits("model", None), TypeError, "model"),
    (lambda: analysis.per_token_rates(model(), "c"), TypeError, "c"),
    (lambda: analysis.expected_token_kl(model(), model(), [1, 2]), TypeError, "c"),
]


@pytest.mark.parametrize(("call", "error", "names"), CASES)
def test_bad_arguments_are_named(call, error, names):
    with pytest.raises(error, match=names):
        call()


def test_an_impossible_sentence_has_log_probability_minus_inf():
    assert LANG.sentence_logprob(["zebra"]) == float("-inf")
    assert LANG.sentence_logprob(["the", "cat"]) == float("-inf")  # no verb, no ending


def test_tuples_of_words_and_numpy_integers_are_accepted():
    import numpy as np

    probs = LANG.next_token_probs(("the",))
    assert probs.sum() == pytest.approx(1.0)
    assert len(LANG.sample(np.int64(2), seed=np.int32(1))) == 2
    assert LANG.sample(0) == []


@settings(max_examples=40)
@given(prefix=hostile)
def test_next_token_probs_survives_hostile_input(prefix):
    check_outcome(LANG.next_token_probs, [prefix], ("prefix",))


@settings(max_examples=40)
@given(n=hostile, seed=hostile)
def test_sample_survives_hostile_input(n, seed):
    check_outcome(lambda a, b: LANG.sample(a, seed=b), [n, seed], ("n", "seed"))
