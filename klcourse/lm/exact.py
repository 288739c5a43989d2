"""Exact comparisons of a student with the topic teacher, summed over every message.

The teacher's language has ``8 ** 4 = 4096`` messages, so every divergence, entropy
and probability below is a finite sum with exact weights: no sampling, no standard
errors. Divergences come from the two joint distributions directly
(:func:`klcourse.kl_divergence`); the chain rule, which turns them into token-level
sums, is what the tests check them against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from klcourse._checks import real_number
from klcourse.divergences import entropy, kl_divergence
from klcourse.lm import _args
from klcourse.lm.token_kl import token_kl
from klcourse.lm.topics import NextWordModel, TopicTeacher, log_prob, token_log_probs, valid


@dataclass(frozen=True)
class Comparison:
    """How a student distributes its mass, against the teacher (nats per message).

    ``forward`` is D(teacher ‖ student) and ``reverse`` D(student ‖ teacher);
    ``entropy`` the student's entropy; ``validity`` the student's probability of
    messages the language allows (no topic mixing); ``coverage`` the teacher's
    probability of messages the student writes at least ``ratio`` times as often as
    the teacher does; ``teacher_forced_reverse`` the student's reverse token KLs
    summed over a message and averaged over the *teacher's* messages, which is not
    D(student ‖ teacher) (that averages over the student's own).
    """

    forward: float
    reverse: float
    entropy: float
    validity: float
    coverage: float
    teacher_forced_reverse: float


def _joint(model: NextWordModel, every: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        return log_prob(model, every).exp().numpy()


def compare(student: NextWordModel, teacher: TopicTeacher, ratio: float = 0.1) -> Comparison:
    """:class:`Comparison` of ``student`` (anything with ``log_conditionals``) with
    ``teacher``; ``ratio`` in (0, 1] sets what counts as covered.

    Examples
    --------
    >>> teacher = TopicTeacher()
    >>> c = compare(teacher, teacher)
    >>> c.forward, c.reverse, c.coverage
    (0.0, 0.0, 1.0)
    """
    _args.instance(teacher, TopicTeacher, "teacher")
    r = real_number(ratio, "ratio")
    if not 0 < r <= 1:
        raise ValueError(f"ratio must lie in (0, 1], got {ratio!r}")
    every = teacher.sequences()
    p, q = _joint(teacher, every), _joint(student, every)
    with torch.no_grad():
        token_kls = token_kl(student.log_conditionals(every), teacher.log_conditionals(every))
    return Comparison(
        forward=float(kl_divergence(p, q)),
        reverse=float(kl_divergence(q, p)),
        entropy=float(entropy(q)),
        validity=float(q[valid(every).numpy()].sum()),
        coverage=float(p[q >= r * p].sum()),
        teacher_forced_reverse=float(p @ token_kls.sum(-1).numpy()),
    )


@dataclass(frozen=True)
class Gradients:
    """Exact gradients of the sequence-level D(student ‖ teacher), flattened over the
    student's parameters: ``sequence = per_token + policy_gradient``."""

    sequence: torch.Tensor
    per_token: torch.Tensor
    policy_gradient: torch.Tensor


def reverse_kl_gradients(student: torch.nn.Module, teacher: TopicTeacher) -> Gradients:
    r"""The gradient of D(q ‖ p) at the student q, and its two parts.

    By the chain rule :math:`D(q\|p) = \mathbb{E}_{y\sim q}\big[\sum_t f_t(y_{<t})\big]`
    with :math:`f_t = D(q(\cdot\mid y_{<t}) \,\|\, p(\cdot\mid y_{<t}))`. Its gradient
    has two parts:

    .. math::

        \begin{aligned}
        \nabla D &= \underbrace{\mathbb{E}_q\Big[\sum_t \nabla f_t\Big]}_{\text{per token}} \\
            &\quad {}+ \underbrace{\mathbb{E}_q\Big[\sum_s \nabla\log q(y_s\mid y_{<s})
            \sum_{t>s} f_t\Big]}_{\text{policy gradient}}
        \end{aligned}

    The first is the expected gradient of per-token reverse KL on the student's own
    samples (:func:`klcourse.lm.onpolicy.on_policy` with ``beta=1``); the second
    credits each word with the KL of what follows it, which only a sequence-level
    objective sees. Each is computed as an exact sum over every message.
    """
    _args.instance(student, torch.nn.Module, "student")
    _args.instance(teacher, TopicTeacher, "teacher")
    every = teacher.sequences()
    params = [w for w in student.parameters() if w.requires_grad]

    def grad(value):
        parts = torch.autograd.grad(value, params, retain_graph=True)
        return torch.cat([g.flatten() for g in parts])

    with torch.no_grad():
        teacher_cond = teacher.log_conditionals(every)
    f = token_kl(student.log_conditionals(every), teacher_cond)  # (messages, positions)
    log_word = token_log_probs(student, every)
    weight = log_word.sum(-1).exp()
    later = (f.sum(-1, keepdim=True) - f.cumsum(-1)).detach()  # sum over t > s of f_t
    return Gradients(
        sequence=grad((weight * f.sum(-1)).sum()),
        per_token=grad((weight.detach() * f.sum(-1)).sum()),
        policy_gradient=grad((weight.detach()[:, None] * log_word * later).sum()),
    )
