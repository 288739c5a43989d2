"""Distillation losses on the topic teacher, exact comparisons, and the gradient split."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import special, stats

from klcourse.lm.exact import compare, reverse_kl_gradients
from klcourse.lm.onpolicy import on_policy, sequence_reverse_kl, teacher_forced
from klcourse.lm.students import PositionalStudent
from klcourse.lm.topics import WORDS, TopicTeacher
from klcourse.lm.training import Trainer
from tests import topics_reference as ref

TEACHER = TopicTeacher()
EVERY = TEACHER.sequences()
AS_WORDS = [tuple(WORDS[i] for i in row) for row in EVERY.tolist()]
P = np.array([ref.message_prob(m) for m in AS_WORDS])


def student(seed=0, scale=1.0):
    return PositionalStudent(seed=seed, scale=scale)


def table_of(s):
    return special.softmax(s.logits.detach().numpy(), -1)


def reference_token_kls(table, message, direction):
    """Sum over positions of the token KL between the student's row and the teacher."""
    total = 0.0
    for t in range(len(message)):
        teacher_row = np.array([ref.teacher(w, message[:t]) for w in WORDS])
        a, b = (teacher_row, table[t]) if direction == "forward" else (table[t], teacher_row)
        total += special.rel_entr(a, b).sum()
    return total


# --- the losses ---------------------------------------------------------------


@pytest.mark.parametrize("beta, direction", [(0.0, "forward"), (1.0, "reverse")])
def test_teacher_forced_loss_on_a_batch(beta, direction):
    s = student(1)
    ids = EVERY[[0, 700, 2222, 4095]]
    got = teacher_forced(TEACHER, beta)(s, {"input_ids": ids}).item()
    table = table_of(s)
    want = np.mean(
        [reference_token_kls(table, AS_WORDS[i], direction) for i in (0, 700, 2222, 4095)]
    )
    assert got == pytest.approx(want, rel=1e-12)


def test_on_policy_scores_the_students_own_messages():
    s = student(2)
    with torch.no_grad():
        s.logits[:] = -30.0
        s.logits[torch.arange(4), torch.tensor([3, 6, 0, 7])] = (
            30.0  # writes "ball good soup today"
        )
    loss = on_policy(TEACHER, beta=1.0, seed=0)
    got = loss(s, {"input_ids": EVERY[:16]}).item()  # the batch only sets the count
    want = reference_token_kls(table_of(s), ("ball", "good", "soup", "today"), "reverse")
    assert got == pytest.approx(want, rel=1e-9)


def test_on_policy_draws_are_seeded_and_continue():
    s, batch = student(3), {"input_ids": EVERY[:32]}
    a, b = on_policy(TEACHER, 1.0, seed=5), on_policy(TEACHER, 1.0, seed=5)
    first = [a(s, batch).item() for _ in range(3)]
    assert first == [b(s, batch).item() for _ in range(3)]
    assert len(set(first)) == 3  # each call draws new messages


def test_on_policy_expected_gradient_is_the_per_token_part():
    """Averaged over draws, the on-policy loss's gradient is the per-token part of
    grad D(q || p): no gradient reaches the choice of contexts."""
    s = student(4, scale=0.5)
    loss, batch = on_policy(TEACHER, 1.0, seed=0), {"input_ids": EVERY[:512]}
    grads = []
    for _ in range(100):
        (g,) = torch.autograd.grad(loss(s, batch), [s.logits])
        grads.append(g.flatten())
    grads = torch.stack(grads)
    mean, se = grads.mean(0), grads.std(0) / math.sqrt(len(grads))
    exact = reverse_kl_gradients(s, TEACHER).per_token
    assert bool(((mean - exact).abs() < 5 * se + 1e-12).all())
    assert (exact - reverse_kl_gradients(s, TEACHER).sequence).norm() > 10 * se.max()


def test_sequence_loss_is_the_exact_reverse_kl_and_its_gradient():
    s = student(5)
    value = sequence_reverse_kl(TEACHER)(s, {"input_ids": EVERY[:1]})
    q = s.log_prob(EVERY).exp().detach().numpy()
    assert value.item() == pytest.approx(special.rel_entr(q, P).sum(), rel=1e-12)
    (g,) = torch.autograd.grad(value, [s.logits])
    step, numeric = 1e-6, torch.zeros_like(g)
    for i in np.ndindex(*g.shape):  # central differences of the NumPy value
        values = []
        for sign in (1, -1):
            x = s.logits.detach().clone()
            x[i] += sign * step
            qx = np.prod(special.softmax(x.numpy(), -1)[np.arange(4), EVERY.numpy()], -1)
            values.append(special.rel_entr(qx, P).sum())
        numeric[i] = (values[0] - values[1]) / (2 * step)
    torch.testing.assert_close(g, numeric, rtol=1e-6, atol=1e-8)
    torch.testing.assert_close(g.flatten(), reverse_kl_gradients(s, TEACHER).sequence)


def test_gradient_split_adds_up_and_has_no_future_at_the_end():
    g = reverse_kl_gradients(student(6), TEACHER)
    torch.testing.assert_close(g.sequence, g.per_token + g.policy_gradient, rtol=0, atol=1e-14)
    assert torch.count_nonzero(g.policy_gradient.reshape(4, 8)[-1]) == 0
    assert g.policy_gradient.norm() > 0.01


def test_losses_reject_other_teachers_and_bad_beta():
    for make in (teacher_forced, on_policy, sequence_reverse_kl):
        with pytest.raises(TypeError, match="teacher"):
            make(student())
    with pytest.raises(ValueError, match="beta"):
        teacher_forced(TEACHER, 2.0)
    with pytest.raises(ValueError, match="seed"):
        on_policy(TEACHER, 1.0, seed=-1)


# --- exact comparison -------------------------------------------------------------


def test_compare_against_scipy_and_the_reference():
    s = student(7)
    c = compare(s, TEACHER, ratio=0.25)
    q = s.log_prob(EVERY).exp().detach().numpy()
    assert c.forward == pytest.approx(special.rel_entr(P, q).sum(), rel=1e-12)
    assert c.reverse == pytest.approx(special.rel_entr(q, P).sum(), rel=1e-12)
    assert c.entropy == pytest.approx(stats.entropy(q), rel=1e-12)
    valid = np.array([ref.is_valid(m) for m in AS_WORDS])
    assert c.validity == pytest.approx(q[valid].sum(), rel=1e-12)
    assert c.coverage == pytest.approx(P[q >= 0.25 * P].sum(), rel=1e-12)
    table = table_of(s)
    tf = sum(p * reference_token_kls(table, m, "reverse") for p, m in zip(P, AS_WORDS, strict=True))
    assert c.teacher_forced_reverse == pytest.approx(tf, rel=1e-10)


def test_compare_the_teacher_with_itself():
    c = compare(TEACHER, TEACHER)
    assert (c.forward, c.reverse, c.teacher_forced_reverse) == (0.0, 0.0, 0.0)
    assert c.coverage == pytest.approx(1, abs=1e-12)
    valid = np.array([ref.is_valid(m) for m in AS_WORDS])
    assert c.validity == pytest.approx(P[valid].sum(), rel=1e-12)
    with pytest.raises(ValueError, match="ratio"):
        compare(TEACHER, TEACHER, ratio=0.0)
    with pytest.raises(TypeError, match="teacher"):
        compare(TEACHER, student())


# --- training: what the chapter's experiment rests on ----------------------------


def distil(loss, steps=300):
    s = PositionalStudent(seed=0)
    data = {"input_ids": TEACHER.sample(2000, torch.Generator().manual_seed(1))}
    Trainer(s, data, loss, lr=0.05, seed=0).train(steps, progress=False)
    return compare(s, TEACHER)


def test_forward_student_reaches_the_product_of_marginals():
    one_hot = np.eye(8)[EVERY.numpy()]  # (messages, positions, words)
    marginals = np.einsum("n,ntv->tv", P, one_hot)
    best = special.rel_entr(P, (one_hot * marginals).sum(-1).prod(-1)).sum()
    got = distil(teacher_forced(TEACHER, 0.0)).forward
    assert best <= got < best + 0.05


def test_sequence_level_student_commits_and_per_token_does_not():
    seq = distil(sequence_reverse_kl(TEACHER))
    own = distil(on_policy(TEACHER, 1.0, seed=2))
    assert seq.validity > 0.95 and seq.reverse < own.reverse - 1
    assert seq.reverse == pytest.approx(-math.log(0.6), abs=0.02)  # all of the food mode
    assert own.validity < seq.validity - 0.3


def test_trainer_takes_tensor_data():
    rows = torch.arange(10)[:, None].repeat(1, 4)
    seen = []

    def loss(model, batch):
        seen.append(batch["input_ids"][:, 0].tolist())
        return model.logits.sum() * 0

    Trainer(student(), {"input_ids": rows}, loss, batch_size=3, seed=0).train(2, progress=False)
    assert all(len(b) == 3 and set(b) <= set(range(10)) for b in seen)
    for bad, error in [({}, TypeError), ({"x": [1, 2]}, TypeError),
                       ({"a": torch.zeros(3), "b": torch.zeros(4)}, ValueError),
                       ({"a": torch.zeros(0)}, ValueError)]:  # fmt: skip
        with pytest.raises(error, match="data"):
            Trainer(student(), bad, loss)
