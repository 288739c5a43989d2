"""Checks of what the text claims about a training run, on the run itself.

A trained model's exact numbers depend on the machine (floating-point rounding
differs between CPUs and BLAS code paths, and training amplifies it), so the
chapters do not promise those digits. They promise properties: a loss that
equals entropy plus KL, a KL that shrinks as a penalty grows, a policy that
reaches a known optimum within a stated tolerance. Each such promise is written
right after the cell that produces the numbers, as a call to :func:`claim`.

When ``KLCOURSE_STRICT_CLAIMS=1`` (set by the test suite) a claim that does not
hold raises :class:`ClaimError`, so the test fails. Otherwise — a reader in
Colab or on a laptop — it prints a short note and the notebook carries on.
"""

from __future__ import annotations

import os

import numpy as np

#: Environment variable that turns a failed claim into an exception.
STRICT_ENV = "KLCOURSE_STRICT_CLAIMS"


class ClaimError(AssertionError):
    """A claim the text makes about a training run did not hold on this run."""


def _is_boolean(x) -> bool:
    if isinstance(x, (bool, np.bool_)):
        return True
    dtype, ndim = getattr(x, "dtype", None), getattr(x, "ndim", None)
    return ndim == 0 and dtype is not None and "bool" in str(dtype)


def claim(statement: str, holds: bool, detail: str = "") -> None:
    """Check one claim of the text against this run.

    Parameters
    ----------
    statement : str
        The claim, in the words a reader would use ("the penalty reduces forgetting").
    holds : bool
        Whether it holds on this run: a Python or NumPy boolean, or a boolean
        0-d array or tensor (e.g. ``torch.isinf(x)`` for a scalar ``x``).
    detail : str, optional
        The numbers behind it, shown when the claim fails.

    Raises
    ------
    ClaimError
        If the claim does not hold and ``KLCOURSE_STRICT_CLAIMS=1``.
    TypeError
        If ``statement`` is not a string or ``holds`` is not a boolean.

    Examples
    --------
    >>> claim("two is more than one", 2 > 1)
    >>> import os; os.environ.pop("KLCOURSE_STRICT_CLAIMS", None) and None
    >>> claim("one is more than two", 1 > 2, "1 vs 2")  # doctest: +ELLIPSIS
    Note: on this run, the claim "one is more than two" does not hold (1 vs 2). ...
    """
    if not isinstance(statement, str):
        raise TypeError(f"statement must be a str, got {statement!r}")
    if not _is_boolean(holds):
        raise TypeError(f"holds must be a boolean, got {holds!r} of type {type(holds).__name__}")
    if bool(holds):
        return
    where = f" ({detail})" if detail else ""
    if os.environ.get(STRICT_ENV) == "1":
        raise ClaimError(f"{statement}{where}")
    print(
        f'Note: on this run, the claim "{statement}" does not hold{where}. '
        "Training results differ a little between machines and seeds; the text "
        "describes the usual outcome. Please report it if it happens every time."
    )
