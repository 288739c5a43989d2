"""The training loop: resumable (two calls are one), its losses against
torch.distributions, and its arguments checked."""

from __future__ import annotations

import copy

import pytest
import torch
from torch.distributions import Categorical, kl_divergence

from klcourse.lm.language import language_a
from klcourse.lm.models import encode, make_tokenizer, tiny_gpt2, train_lm
from klcourse.lm.training import Trainer, cross_entropy, distillation, with_kl_penalty

DATA = language_a().sample(300, seed=4)


def small(seed=0):
    return tiny_gpt2(n_embd=16, n_layer=1, seed=seed)


def weights(model):
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def test_two_calls_are_one_call():
    """The optimiser's state and the batch sequence carry over between calls."""
    a, b = small(), small()
    one = Trainer(a, DATA, seed=3)
    two = Trainer(b, DATA, seed=3)
    losses = one.train(20, progress=False)
    assert two.train(12, progress=False) + two.train(8, progress=False) == losses
    assert torch.equal(weights(a), weights(b))
    assert two.losses == losses and not b.training


def test_a_fresh_optimiser_each_call_is_not_the_same():
    """What the Trainer replaces: restarting AdamW (and the batches) every call."""
    a, b = small(), small()
    whole = train_lm(a, DATA, steps=20, seed=3, progress=False)
    pieces = train_lm(b, DATA, steps=12, seed=3, progress=False)
    pieces += train_lm(b, DATA, steps=8, seed=3, progress=False)
    assert whole[:12] == pieces[:12] and whole[12:] != pieces[12:]


def test_train_lm_is_a_trainer_with_the_cross_entropy():
    a, b = small(), small()
    assert train_lm(a, DATA, steps=5, seed=1, progress=False) == Trainer(
        b, DATA, loss=cross_entropy, seed=1
    ).train(5, progress=False)


@pytest.fixture(scope="module")
def batch():
    return encode(DATA[:16], make_tokenizer())


def oracle_kl(p_logits, q_logits, mask):
    return kl_divergence(Categorical(logits=p_logits), Categorical(logits=q_logits))[mask].mean()


def test_losses_match_torch_distributions(batch):
    student, teacher = small(1), small(2)
    mask = batch["attention_mask"][:, 1:].bool()
    inputs = {k: batch[k] for k in ("input_ids", "attention_mask")}
    s, t = student(**inputs).logits[:, :-1], teacher(**inputs).logits[:, :-1]
    got = distillation(teacher, "forward")(student, batch)
    torch.testing.assert_close(got, oracle_kl(t, s, mask), rtol=1e-5, atol=1e-7)
    got = distillation(teacher, "reverse")(student, batch)
    torch.testing.assert_close(got, oracle_kl(s, t, mask), rtol=1e-5, atol=1e-7)
    ce = torch.nn.functional.cross_entropy(
        s.reshape(-1, s.shape[-1]), batch["input_ids"][:, 1:].reshape(-1), reduction="none"
    )[mask.reshape(-1)].mean()
    torch.testing.assert_close(cross_entropy(student, batch), ce, rtol=1e-5, atol=1e-7)
    got = with_kl_penalty(teacher, 0.5)(student, batch)
    torch.testing.assert_close(got, ce + 0.5 * oracle_kl(s, t, mask), rtol=1e-5, atol=1e-7)


def test_no_gradient_reaches_the_reference(batch):
    student, teacher = small(1), small(2)
    before = copy.deepcopy(teacher)
    for loss in (with_kl_penalty(teacher, 1.0), distillation(teacher, "reverse")):
        loss(student, batch).backward()
        assert all(p.grad is None for p in teacher.parameters())
    assert torch.equal(weights(teacher), weights(before))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: Trainer("m", DATA), TypeError, r"^model must be"),
        (lambda: Trainer(small(), DATA, loss="kl"), TypeError, r"^loss must be a function"),
        (lambda: Trainer(small(), DATA, batch_size=0), ValueError, "batch_size"),
        (lambda: Trainer(small(), DATA, lr=0.0), ValueError, r"^lr must be finite and > 0"),
        (lambda: Trainer(small(), DATA, seed=2**32), ValueError, "seed"),
        (lambda: Trainer(small(), DATA).train(-1), ValueError, "steps"),
        (lambda: Trainer(small(), DATA).train(1, progress=1), TypeError, "progress"),
        (lambda: with_kl_penalty(small(), -1.0), ValueError, r"^beta must be finite and >= 0"),
        (lambda: with_kl_penalty("ref", 1.0), TypeError, r"^reference must be"),
        (lambda: distillation(small(), "both"), ValueError, r"^direction must be"),
        (lambda: distillation(None, "forward"), TypeError, r"^teacher must be"),
    ],
)
def test_arguments_are_checked(call, error, message):
    with pytest.raises(error, match=message):
        call()
