"""Argument checks shared by the language-model helpers.

Each raises a ``TypeError`` or ``ValueError`` that names the argument and shows the
value, as the numpy helpers do (:mod:`klcourse._checks`).
"""

from __future__ import annotations

from collections.abc import Sequence

from klcourse._checks import shorten


def words(x: object, name: str) -> list[str]:
    """``x`` as a list of words: a list or tuple of ``str`` (a bare string is rejected).

    Words outside the vocabulary pass; the caller decides what they mean.
    """
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
        raise TypeError(f"{name} must be a list of words such as ['the', 'cat'], got {shorten(x)}")
    for w in x:
        if not isinstance(w, str):
            raise TypeError(f"{name} must hold strings, got {shorten(w)} in {shorten(x)}")
    return list(x)


def sentences(x: object, name: str) -> list[list[str]]:
    """A non-empty list of sentences, each a list of known words, at most MAX_WORDS long."""
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
        raise TypeError(f"{name} must be a list of sentences (lists of words), got {shorten(x)}")
    if len(x) == 0:
        raise ValueError(f"{name} must hold at least one sentence, got {shorten(x)}")
    from klcourse.lm.language import MAX_WORDS, WORDS  # language imports this module

    out = [words(s, f"each of {name}") for s in x]
    known = set(WORDS)
    for s in out:
        unknown = [w for w in s if w not in known]
        if unknown:
            raise ValueError(f"{name}: {unknown[0]!r} is not a word of the toy vocabulary, in {s}")
        if len(s) > MAX_WORDS:
            raise ValueError(f"{name}: a sentence has {len(s)} words, more than {MAX_WORDS}: {s}")
    return out


def instance(x: object, kind: type, name: str) -> object:
    """``x`` itself if it is a ``kind``; otherwise a ``TypeError`` naming ``name``."""
    if not isinstance(x, kind):
        raise TypeError(f"{name} must be a {kind.__name__}, got {shorten(x)}")
    return x
