"""The topic teacher and the positional student against a plain-Python reference."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats

from klcourse.lm.students import PositionalStudent
from klcourse.lm.topics import LENGTH, WORDS, TopicTeacher, decode, log_prob, states, valid
from tests import topics_reference as ref

EVERY = TopicTeacher.sequences()
AS_WORDS = [tuple(WORDS[i] for i in row) for row in EVERY.tolist()]


def test_every_message_once_in_order():
    assert EVERY.shape == (8**LENGTH, LENGTH)
    assert AS_WORDS == ref.messages()


@pytest.mark.parametrize("kw", [{}, {"food": 0.3, "generic": 0.5, "smoothing": 0.2}])
def test_message_probabilities_match_the_reference(kw):
    teacher = TopicTeacher(**kw)
    got = teacher.log_prob(EVERY).exp().numpy()
    want = np.array([ref.message_prob(m, **kw) for m in AS_WORDS])
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=0)
    assert want.sum() == pytest.approx(1, abs=1e-12)


def test_conditionals_are_the_joint_marginalised():
    """P(word t | prefix) = P(prefix + word) / P(prefix), both summed from the joint."""
    teacher = TopicTeacher()
    joint = np.array([ref.message_prob(m) for m in AS_WORDS]).reshape((8,) * LENGTH)
    cond = teacher.log_conditionals(EVERY).exp().numpy().reshape((8,) * LENGTH + (LENGTH, 8))
    for t in range(LENGTH):
        prefix_mass = joint.sum(axis=tuple(range(t, LENGTH)))  # P(y_<t)
        next_mass = joint.sum(axis=tuple(range(t + 1, LENGTH)))  # P(y_<=t)
        ratio = next_mass / prefix_mass[..., None]
        got = cond[(slice(None),) * t + (0,) * (LENGTH - t) + (t,)]
        np.testing.assert_allclose(got, ratio, rtol=1e-12)


def test_language_itself_never_mixes_topics():
    lang = np.array([math.prod(ref.language(w, m[:t]) for t, w in enumerate(m)) for m in AS_WORDS])
    assert lang.sum() == pytest.approx(1, abs=1e-12)
    assert lang[~valid(EVERY).numpy()].sum() == 0
    np.testing.assert_allclose(TopicTeacher().language_table().sum(1), 1, rtol=1e-15)


def test_states_and_validity_match_the_reference():
    names = ["none", "food", "sport", "mixed"]
    got = states(EVERY).tolist()
    for row, message in zip(got, AS_WORDS, strict=True):
        assert [names[s] for s in row] == [ref.state(message[:t]) for t in range(LENGTH)]
    assert valid(EVERY).tolist() == [ref.is_valid(m) for m in AS_WORDS]
    assert decode(EVERY[:1]) == ["soup soup soup soup"]


def test_teacher_samples_follow_its_distribution():
    teacher = TopicTeacher()
    draws = teacher.sample(20000, torch.Generator().manual_seed(0))
    for t in (0, 3):  # first and last word, against the exact marginals
        p = teacher.log_prob(EVERY).exp()
        marginal = np.array([p[EVERY[:, t] == v].sum().item() for v in range(8)])
        counts = np.bincount(draws[:, t].numpy(), minlength=8)
        assert stats.chisquare(counts, marginal * counts.sum()).pvalue > 1e-4
    mixed = (~valid(draws)).float().mean().item()
    exact = teacher.log_prob(EVERY).exp()[~valid(EVERY)].sum().item()
    assert mixed == pytest.approx(exact, abs=4 * math.sqrt(exact / 20000))


def test_student_is_a_distribution_that_ignores_context():
    student = PositionalStudent(seed=3, scale=1.0)
    q = student.log_prob(EVERY).exp()
    assert q.sum().item() == pytest.approx(1, abs=1e-12)
    table = torch.softmax(student.logits, -1)
    want = table[torch.arange(LENGTH), EVERY].prod(-1)  # product over positions
    torch.testing.assert_close(q, want, rtol=1e-13, atol=0)
    a = student.log_conditionals(EVERY[:5])
    b = student.log_conditionals(EVERY[-5:])
    assert torch.equal(a, b)
    assert torch.equal(log_prob(student, EVERY), student.log_prob(EVERY))


def test_student_samples_follow_its_table():
    student = PositionalStudent(seed=1, scale=1.0)
    draws = student.sample(20000, torch.Generator().manual_seed(1))
    assert draws.shape == (20000, LENGTH) and not draws.requires_grad
    table = torch.softmax(student.logits, -1).detach().numpy()
    for t in range(LENGTH):
        counts = np.bincount(draws[:, t].numpy(), minlength=8)
        assert stats.chisquare(counts, table[t] * counts.sum()).pvalue > 1e-4


def test_student_seed_and_scale():
    assert torch.equal(PositionalStudent(seed=5).logits, PositionalStudent(seed=5).logits)
    assert not torch.equal(PositionalStudent(seed=5).logits, PositionalStudent(seed=6).logits)
    assert torch.count_nonzero(PositionalStudent(scale=0.0).logits) == 0
    assert PositionalStudent().logits.dtype == torch.float64


@pytest.mark.parametrize(
    "kw, error",
    [
        ({"food": 1.0}, ValueError),
        ({"generic": 0.0}, ValueError),
        ({"smoothing": 0.0}, ValueError),
        ({"smoothing": float("nan")}, ValueError),
        ({"food": "0.5"}, TypeError),
    ],
)
def test_teacher_rejects_bad_parameters(kw, error):
    with pytest.raises(error, match=next(iter(kw))):
        TopicTeacher(**kw)


@pytest.mark.parametrize(
    "ids, error, match",
    [
        (torch.zeros((2, 4)), TypeError, "torch.long"),
        ([[0, 1, 2, 3]], TypeError, "torch.long"),
        (torch.zeros((2, 3), dtype=torch.long), ValueError, "shape"),
        (torch.full((1, 4), 8), ValueError, "lie in"),
        (torch.full((1, 4), -1), ValueError, "lie in"),
    ],
)
def test_bad_ids_are_rejected(ids, error, match):
    for f in (TopicTeacher().log_conditionals, valid, states, PositionalStudent().log_prob):
        with pytest.raises(error, match=match):
            f(ids)


def test_bad_sampling_arguments():
    with pytest.raises(ValueError, match="n"):
        TopicTeacher().sample(0, torch.Generator())
    with pytest.raises(TypeError, match="generator"):
        PositionalStudent().sample(3, 0)
    with pytest.raises(ValueError, match="scale"):
        PositionalStudent(scale=-1.0)
