"""Four-word messages about one topic: a teacher whose every sequence can be listed.

A message is :data:`LENGTH` words from :data:`WORDS`: three words about food, three
about sport and two generic words. The first topic word of a message sets its topic,
and the language never mixes topics; generic words fit either. A model that cannot
remember which topic it started on must either mix topics or avoid topic words,
which is what makes the direction of a distillation loss visible
(:mod:`klcourse.lm.students`).

The :class:`TopicTeacher` is that language with its next-word distributions smoothed,
``(1 - smoothing) * language + smoothing / V``: every one of the ``V ** LENGTH =
4096`` sequences has positive probability, so KL divergences between the teacher
and a softmax student are finite in both directions, and every one of them is an
exact sum over all sequences.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch

from klcourse._checks import integer, real_number
from klcourse.lm import _args

#: The vocabulary (three food words, three sport words and two generic words, in order).
WORDS = ("soup", "bread", "tea", "ball", "goal", "race", "good", "today")
#: Word ids of each topic, and of the generic words.
FOOD, SPORT, GENERIC = (0, 1, 2), (3, 4, 5), (6, 7)
#: Words per message.
LENGTH = 4
#: States of a prefix: no topic word yet, food, sport, or both (outside the language).
NONE, FOOD_STATE, SPORT_STATE, MIXED = range(4)


class NextWordModel(Protocol):
    """Anything that gives next-word log-probabilities for a batch of messages."""

    def log_conditionals(self, ids: torch.Tensor) -> torch.Tensor: ...


def token_log_probs(model: NextWordModel, ids: torch.Tensor) -> torch.Tensor:
    """log model(word t | words before t) at every position of each message, (N, LENGTH)."""
    return model.log_conditionals(ids).gather(-1, ids[..., None])[..., 0]


def log_prob(model: NextWordModel, ids: torch.Tensor) -> torch.Tensor:
    """Natural-log probability of each message under ``model``: the sum over positions
    of log model(word t | words before t), shape (N,)."""
    return token_log_probs(model, ids).sum(-1)


def _probability(x: object, name: str, low: float, high: float) -> float:
    v = real_number(x, name)
    if not low < v < high:
        raise ValueError(f"{name} must lie strictly between {low} and {high}, got {x!r}")
    return v


@dataclass(frozen=True)
class TopicTeacher:
    """The smoothed two-topic language as a next-word model (float64 throughout).

    Parameters
    ----------
    food : float
        Probability that a message is about food (its first topic word is a food word),
        strictly between 0 and 1.
    generic : float
        Probability of a generic word at each position, strictly between 0 and 1.
    smoothing : float
        Weight of the uniform distribution in every next-word distribution, strictly
        between 0 and 1.

    Examples
    --------
    >>> teacher = TopicTeacher()
    >>> p = teacher.log_prob(teacher.sequences()).exp()
    >>> len(p), round(float(p.sum()), 12)
    (4096, 1.0)
    """

    food: float = 0.6
    generic: float = 0.2
    smoothing: float = 0.01

    def __post_init__(self) -> None:
        _probability(self.food, "food", 0.0, 1.0)
        _probability(self.generic, "generic", 0.0, 1.0)
        _probability(self.smoothing, "smoothing", 0.0, 1.0)

    def language_table(self) -> np.ndarray:
        """Next-word distribution of the unsmoothed language in each state, shape (4, V).

        Within a topic the words have probabilities 0.5, 0.35 and 0.15, and the
        generic words 0.6 and 0.4 of ``generic`` (the order of :data:`WORDS`). In the
        state MIXED, which the language never reaches, it is uniform: nothing in the
        language says what follows there.
        """
        within = np.array([0.5, 0.35, 0.15])
        table = np.zeros((4, len(WORDS)))
        table[:, GENERIC] = self.generic * np.array([0.6, 0.4])
        topic = 1 - self.generic
        table[NONE, FOOD] = topic * self.food * within
        table[NONE, SPORT] = topic * (1 - self.food) * within
        table[FOOD_STATE, FOOD] = topic * within
        table[SPORT_STATE, SPORT] = topic * within
        table[MIXED] = 1 / len(WORDS)
        return table

    def table(self) -> torch.Tensor:
        """The teacher's next-word log-probabilities in each state, shape (4, V)."""
        smooth = (1 - self.smoothing) * self.language_table() + self.smoothing / len(WORDS)
        return torch.tensor(np.log(smooth), dtype=torch.float64)

    def log_conditionals(self, ids: torch.Tensor) -> torch.Tensor:
        """Log-probabilities of the next word at each position, given the words before it.

        ``ids`` is an (N, LENGTH) integer tensor of messages; entry ``[n, t]`` of the
        result (N, LENGTH, V) is the distribution of word t after ``ids[n, :t]``.
        """
        return self.table()[states(ids)]

    def log_prob(self, ids: torch.Tensor) -> torch.Tensor:
        """Natural-log probability of each message, shape (N,)."""
        return log_prob(self, ids)

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` messages drawn from the teacher, word by word: (n, LENGTH) word ids."""
        n = integer(n, "n", minimum=1)
        _args.instance(generator, torch.Generator, "generator")
        ids = torch.zeros((n, LENGTH), dtype=torch.long)
        table = self.table().exp()
        for t in range(LENGTH):
            probs = table[states(ids)[:, t]]
            ids[:, t] = torch.multinomial(probs, 1, generator=generator)[:, 0]
        return ids

    @staticmethod
    def sequences() -> torch.Tensor:
        """Every message, (V ** LENGTH, LENGTH) word ids in lexicographic order."""
        grid = torch.cartesian_prod(*[torch.arange(len(WORDS))] * LENGTH)
        return grid.reshape(-1, LENGTH)


def _ids(ids: object) -> torch.Tensor:
    if not isinstance(ids, torch.Tensor) or ids.dtype != torch.long:
        raise TypeError(f"ids must be a torch.long tensor of word ids, got {ids!r}")
    if ids.ndim != 2 or ids.shape[1] != LENGTH:
        raise ValueError(f"ids must have shape (N, {LENGTH}), got {tuple(ids.shape)}")
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= len(WORDS)):
        raise ValueError(
            f"ids must lie in [0, {len(WORDS)}), got values from {ids.min()} to {ids.max()}"
        )
    return ids


def states(ids: torch.Tensor) -> torch.Tensor:
    """The state of each prefix: entry ``[n, t]`` is that of ``ids[n, :t]`` (N, LENGTH)."""
    ids = _ids(ids)
    food = torch.isin(ids, torch.tensor(FOOD)).long()
    sport = torch.isin(ids, torch.tensor(SPORT)).long()
    # topic words strictly before position t
    seen_food = (torch.cumsum(food, 1) - food) > 0
    seen_sport = (torch.cumsum(sport, 1) - sport) > 0
    return seen_food.long() + 2 * seen_sport.long()


def valid(ids: torch.Tensor) -> torch.Tensor:
    """Whether each message belongs to the (unsmoothed) language: no topic mixing."""
    ids = _ids(ids)
    food = torch.isin(ids, torch.tensor(FOOD)).any(1)
    sport = torch.isin(ids, torch.tensor(SPORT)).any(1)
    return ~(food & sport)


def decode(ids: torch.Tensor) -> list[str]:
    """Each message as a string of words."""
    return [" ".join(WORDS[i] for i in row) for row in _ids(ids).tolist()]


__all__ = [
    "LENGTH",
    "WORDS",
    "TopicTeacher",
    "decode",
    "log_prob",
    "states",
    "token_log_probs",
    "valid",
]
