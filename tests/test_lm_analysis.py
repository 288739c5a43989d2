"""klcourse.lm.analysis against independent computations."""

import math

import numpy as np
import pytest
import torch

from klcourse.lm.analysis import corpus, expected_token_kl, per_token_rates
from klcourse.lm.language import language_a
from klcourse.lm.models import encode, make_tokenizer, tiny_gpt2


def entropy_rate_by_state_visits(lang):
    """Entropy per token from expected state visits (no sentence enumeration)."""
    visits, frontier = {}, {lang.start: 1.0}
    while frontier:
        nxt = {}
        for state, mass in frontier.items():
            visits[state] = visits.get(state, 0.0) + mass
            for _, p, to in lang.rules[state]:
                if to != "end":
                    nxt[to] = nxt.get(to, 0.0) + mass * p
        frontier = nxt
    h = sum(m * -sum(p * math.log(p) for _, p, _ in lang.rules[s]) for s, m in visits.items())
    tokens = sum(visits.values()) + 1.0  # one token per visited state, plus EOS
    return h / tokens


def test_rates_match_independent_computations():
    lang = language_a()
    c = corpus(lang)
    model = tiny_gpt2(seed=1).eval()
    rates = per_token_rates(model, c)
    assert rates["entropy"] == pytest.approx(entropy_rate_by_state_visits(lang), rel=1e-12)
    # model cross-entropy from HF's own loss on each sentence, weighted by P(sentence)
    tok = make_tokenizer()
    idx = np.random.default_rng(0).choice(len(c.sentences), 40, replace=False)
    batch = encode([list(c.sentences[i]) for i in idx], tok)
    nll = []
    with torch.no_grad():
        for j in range(len(idx)):
            one = {k: v[j : j + 1] for k, v in batch.items()}
            n_tokens = int(one["attention_mask"].sum()) - 1
            nll.append(model(**one).loss.item() * n_tokens)
    log_q = torch.log_softmax(
        model(input_ids=c.batch["input_ids"][idx], attention_mask=c.batch["attention_mask"][idx])
        .logits[:, :-1]
        .double(),
        -1,
    )
    targets = c.batch["input_ids"][idx, 1:]
    ours = -(log_q.gather(-1, targets[..., None])[..., 0] * torch.tensor(c.mask[idx])).sum(1)
    np.testing.assert_allclose(ours.detach().numpy(), nll, rtol=1e-5)
    assert rates["cross_entropy"] == pytest.approx(rates["entropy"] + rates["kl"])
    assert rates["kl"] > 0


def test_expected_token_kl_is_zero_for_identical_models_and_positive_otherwise():
    c = corpus(language_a())
    m1, m2 = tiny_gpt2(seed=1).eval(), tiny_gpt2(seed=2).eval()
    assert expected_token_kl(m1, m1, c) == pytest.approx(0.0, abs=1e-6)
    assert expected_token_kl(m1, m2, c) > 0
