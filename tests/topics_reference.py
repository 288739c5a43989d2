"""A plain-Python statement of the topic language, as its docstrings define it.

The tests compare :mod:`klcourse.lm.topics` with this: no tensors, no shared code, one
message at a time.
"""

from __future__ import annotations

import itertools
import math

WORDS = ("soup", "bread", "tea", "ball", "goal", "race", "good", "today")
TOPIC = {"soup": "food", "bread": "food", "tea": "food",
         "ball": "sport", "goal": "sport", "race": "sport"}  # fmt: skip
WITHIN = {"soup": 0.5, "bread": 0.35, "tea": 0.15, "ball": 0.5, "goal": 0.35, "race": 0.15}
GENERIC_SPLIT = {"good": 0.6, "today": 0.4}


def state(prefix: tuple[str, ...]) -> str:
    topics = {TOPIC[w] for w in prefix if w in TOPIC}
    return {0: "none", 1: next(iter(topics), "")}.get(len(topics), "mixed")


def language(word: str, prefix: tuple[str, ...], food=0.6, generic=0.2) -> float:
    """P(word | prefix) in the unsmoothed language."""
    s = state(prefix)
    if s == "mixed":
        return 1 / len(WORDS)
    if word in GENERIC_SPLIT:
        return generic * GENERIC_SPLIT[word]
    topic = TOPIC[word]
    if s == "none":
        return (1 - generic) * (food if topic == "food" else 1 - food) * WITHIN[word]
    return (1 - generic) * WITHIN[word] if topic == s else 0.0


def teacher(word, prefix, food=0.6, generic=0.2, smoothing=0.01) -> float:
    return (1 - smoothing) * language(word, prefix, food, generic) + smoothing / len(WORDS)


def messages():
    return list(itertools.product(WORDS, repeat=4))


def message_prob(message, **kw) -> float:
    return math.prod(teacher(w, message[:t], **kw) for t, w in enumerate(message))


def is_valid(message) -> bool:
    return state(message) != "mixed"
