"""Seeding, so that every notebook prints the same numbers on every run.

Two kinds of randomness appear in the chapters. The *definition* of a problem
(a reference policy, a reward table, the data of an exact example) is fixed by
the seeds written in the chapter. The randomness of *training* (model
initialisation, minibatch order, the samples a model is trained on) goes
through :func:`train_seed`, which a reader can shift with the environment
variable ``KLCOURSE_TRAIN_SEED`` to see how much a training result depends on
luck — and which the test suite shifts to stand in for another machine, where
floating-point rounding moves trained weights by about as much.
"""

from __future__ import annotations

import os
import random
import sys

import numpy as np

from klcourse._checks import integer

#: Environment variable that shifts every training seed; unset or 0 keeps the book's seeds.
TRAIN_SEED_ENV = "KLCOURSE_TRAIN_SEED"


def set_seed(seed: int = 0) -> np.random.Generator:
    """Seed Python's, NumPy's and (if imported) PyTorch's generators.

    Returns a fresh :class:`numpy.random.Generator` seeded with ``seed``; the
    chapters draw their random numbers from it rather than from global state.

    Examples
    --------
    >>> rng = set_seed(1)
    >>> round(float(rng.random()), 6) == round(float(set_seed(1).random()), 6)
    True
    """
    seed = check_seed(seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - readers' own np.random.* calls use the legacy state
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)
    return np.random.default_rng(seed)


def check_seed(seed: object, name: str = "seed") -> int:
    """``seed`` as an int in ``[0, 2**32)``; ``TypeError`` for bools, floats and others."""
    seed = integer(seed, name)
    if not 0 <= seed < 2**32:
        raise ValueError(f"{name} must be in [0, 2**32), got {seed}")
    return seed


def rng_from(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A generator from a seed (validated), an existing generator, or None (fresh entropy)."""
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    return np.random.default_rng(check_seed(seed))


def train_shift() -> int:
    """The value of ``KLCOURSE_TRAIN_SEED`` as a non-negative integer (0 when unset).

    Raises
    ------
    ValueError
        If the variable is set to anything but a non-negative whole number.
    """
    raw = os.environ.get(TRAIN_SEED_ENV, "").strip()
    if raw == "":
        return 0
    if not raw.isdigit():
        raise ValueError(f"{TRAIN_SEED_ENV} must be a non-negative whole number, got {raw!r}")
    return int(raw)


def train_seed(seed: int) -> int:
    """The seed to use for training randomness that the chapter writes as ``seed``.

    With ``KLCOURSE_TRAIN_SEED`` unset or 0 this is ``seed`` itself, so the
    chapters reproduce their stored outputs. With a shift ``k > 0`` it is a
    different seed derived from ``(seed, k)`` (distinct seeds stay distinct),
    so every model initialisation, minibatch order and training sample changes
    at once. Functions that take ``seed=`` always honour the value they are
    given; only the chapters call this helper.

    Parameters
    ----------
    seed : int
        The seed written in the chapter, ``0 <= seed < 2**32``.

    Returns
    -------
    int
        A seed in ``[0, 2**32)``.

    Examples
    --------
    >>> import os
    >>> os.environ.pop("KLCOURSE_TRAIN_SEED", None) and None
    >>> train_seed(3)
    3
    >>> os.environ["KLCOURSE_TRAIN_SEED"] = "1"
    >>> train_seed(3) != 3 and train_seed(3) != train_seed(4)
    True
    >>> del os.environ["KLCOURSE_TRAIN_SEED"]
    """
    seed = check_seed(seed)
    shift = train_shift()
    if shift == 0:
        return seed
    return int(np.random.SeedSequence([seed, shift]).generate_state(1).item())
