"""Distillation losses for the topic teacher: which divergence, on whose contexts.

Every loss here compares next-word distributions position by position and sums over
the positions of a message (nats per message, averaged over the batch). They differ in
where the contexts come from:

- :func:`teacher_forced`: the batch's messages, drawn from the teacher (the data);
- :func:`on_policy`: messages the student draws itself, with no gradient through the
  draw (GKD with λ = 1, Agarwal et al., 2024);
- :func:`sequence_reverse_kl`: no sampling at all, the exact sequence-level
  D(student ‖ teacher) as a sum over every message, differentiated as a whole (the
  objective MiniLLM estimates with policy gradients, Gu et al., 2024).

The divergence is chosen by ``beta`` as in TRL's GKDTrainer
(:func:`klcourse.lm.generalized_jsd`): 0 gives D(teacher ‖ student), 1 gives
D(student ‖ teacher), a value between the generalized JSD. Each is a loss for
:class:`klcourse.lm.training.Trainer`, with data given as ``{"input_ids": teacher
messages}``.
"""

from __future__ import annotations

import torch

from klcourse.lm import _args
from klcourse.lm.jsd import check_beta, generalized_jsd
from klcourse.lm.topics import NextWordModel, TopicTeacher, log_prob
from klcourse.lm.training import Loss
from klcourse.reproducibility import check_seed


def _on_contexts(teacher, student, ids, beta):
    with torch.no_grad():
        t = teacher.log_conditionals(ids)
    return generalized_jsd(t, student.log_conditionals(ids), beta).sum(-1).mean()


def teacher_forced(teacher: TopicTeacher, beta: float = 0.0) -> Loss:
    """The divergence on the batch's own messages (the teacher's samples).

    With ``beta=0`` this is the usual soft-label distillation: in expectation,
    exactly the sequence-level D(teacher ‖ student), by the chain rule.
    """
    _args.instance(teacher, TopicTeacher, "teacher")
    b = check_beta(beta)

    def loss(model, batch):
        return _on_contexts(teacher, model, batch["input_ids"], b)

    return loss


def on_policy(teacher: TopicTeacher, beta: float = 1.0, seed: int = 0) -> Loss:
    """The divergence on messages the student draws itself, as many as the batch holds.

    The student's ``sample`` draws them (from a generator seeded with ``seed``, an int
    in ``[0, 2**32)``); the loss then treats them as fixed data, so no gradient
    reaches the choice of contexts. ``beta=1`` is per-token reverse KL on the
    student's own samples.
    """
    _args.instance(teacher, TopicTeacher, "teacher")
    b = check_beta(beta)
    generator = torch.Generator().manual_seed(check_seed(seed))

    def loss(model, batch):
        ids = model.sample(batch["input_ids"].shape[0], generator)
        return _on_contexts(teacher, model, ids, b)

    return loss


def sequence_reverse_kl(teacher: TopicTeacher) -> Loss:
    """The exact D(student ‖ teacher) over all messages; the batch is not used.

    .. math:: D_{KL}(q \\,\\|\\, p) = \\sum_y q(y) \\big(\\log q(y) - \\log p(y)\\big)
    """
    _args.instance(teacher, TopicTeacher, "teacher")
    every = teacher.sequences()
    log_p = teacher.log_prob(every)

    def loss(model: NextWordModel, batch):
        log_q = log_prob(model, every)
        return (log_q.exp() * (log_q - log_p)).sum()

    return loss
