"""The toy language (exact probabilities), the tokenizer, tiny GPT-2, training, save/load."""

import math
from collections import Counter

import numpy as np
import pytest
import torch
from transformers import AutoTokenizer, GPT2LMHeadModel, PreTrainedTokenizerFast

from klcourse.lm.language import EOS, VOCAB, language_a, language_b
from klcourse.lm.models import encode, make_tokenizer, tiny_gpt2, train_lm


@pytest.mark.parametrize("make", [language_a, language_b])
def test_sentence_probabilities_sum_to_one_and_match_next_token_products(make):
    lang = make()
    sentences = lang.sentences()
    assert math.fsum(p for _, p in sentences) == pytest.approx(1.0, abs=1e-12)
    assert max(len(s) for s, _ in sentences) <= 12
    for words, p in sentences[:: max(1, len(sentences) // 50)]:
        chain = 1.0
        for i, w in enumerate(words):
            chain *= lang.next_token_probs(list(words[:i]))[VOCAB.index(w)]
        chain *= lang.next_token_probs(list(words))[VOCAB.index(EOS)]
        assert chain == pytest.approx(p, rel=1e-12)
        assert lang.sentence_logprob(list(words)) == pytest.approx(math.log(p), rel=1e-12)


def test_sampler_matches_exact_probabilities():
    lang = language_a()
    samples = lang.sample(20_000, seed=0)
    first_nouns = Counter(s[1] if s[1] in ("cat", "dog", "bird", "fox") else s[2] for s in samples)
    for noun in ("cat", "dog", "bird", "fox"):
        assert first_nouns[noun] / 20_000 == pytest.approx(0.25, abs=0.015)
    exact = dict(lang.sentences())
    counts = Counter(tuple(s) for s in samples)
    top, n = counts.most_common(1)[0]
    assert n / 20_000 == pytest.approx(exact[top], abs=4 * math.sqrt(exact[top] / 20_000))


def test_languages_differ_and_entropy_is_exact():
    a, b = language_a(), language_b()
    pa = dict(a.sentences())
    assert a.entropy() == pytest.approx(-sum(p * math.log(p) for p in pa.values()))
    assert b.entropy() < a.entropy()
    assert a.sentence_logprob(["the", "fox", "eats", "a", "cat", "."]) == -math.inf
    assert b.sentence_logprob(["the", "fox", "eats", "a", "cat", "."]) > -math.inf
    with pytest.raises(ValueError, match="impossible"):
        a.next_token_probs(["cat", "the"])


def test_tokenizer_round_trip():
    tok = make_tokenizer()
    text = "the small fox chases a bird today ."
    ids = tok(text)["input_ids"]
    assert ids[0] == tok.bos_token_id and ids[-1] == tok.eos_token_id
    assert tok.decode(ids, skip_special_tokens=True) == text
    assert [VOCAB[i] for i in ids[1:-1]] == text.split()


def test_training_is_deterministic_and_learns_the_language():
    lang = language_a()
    data = lang.sample(2000, seed=1)
    m1, m2 = tiny_gpt2(seed=0), tiny_gpt2(seed=0)
    l1 = train_lm(m1, data, steps=60, progress=False)
    l2 = train_lm(m2, data, steps=60, progress=False)
    assert l1 == l2
    assert l1[-1] < 0.6 * l1[0]
    # the model's next-token distribution after "the" moves towards the exact one
    tok = make_tokenizer()
    ids = torch.tensor([[tok.bos_token_id, VOCAB.index("the")]])
    with torch.no_grad():
        probs = torch.softmax(m1(ids).logits[0, -1], -1).numpy()
    exact = lang.next_token_probs(["the"])
    uniform_kl = np.sum(exact[exact > 0] * np.log(exact[exact > 0] * len(VOCAB)))
    model_kl = np.sum(exact[exact > 0] * np.log(exact[exact > 0] / probs[exact > 0]))
    assert model_kl < 0.5 * uniform_kl


def test_save_pretrained_round_trip_without_network(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model, tok = tiny_gpt2(seed=3), make_tokenizer()
    model.save_pretrained(tmp_path, safe_serialization=True)
    tok.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").exists()
    loaded = GPT2LMHeadModel.from_pretrained(tmp_path)
    tok2 = AutoTokenizer.from_pretrained(tmp_path)
    assert isinstance(tok2, PreTrainedTokenizerFast)
    batch = encode([["the", "cat", "sees", "a", "dog", "."]], tok2)
    with torch.no_grad():
        torch.testing.assert_close(model(**batch).logits, loaded(**batch).logits)
    out = loaded.generate(batch["input_ids"][:, :2], max_new_tokens=5, do_sample=False,
                          pad_token_id=tok2.pad_token_id)  # fmt: skip
    assert out.shape == (1, 7)
