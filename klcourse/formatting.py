"""Printing numbers without round-off noise.

A difference that is zero in exact arithmetic comes out of floating point as
something like ``2.8e-17`` or ``-0.0000``, and the digits of that residue
change from one machine to the next. The chapters print such values through
:func:`show`, which states the bound instead of the noise.
"""

from __future__ import annotations

import math
import numbers

#: Below this magnitude a float64 result is treated as round-off of an exact zero.
ROUND_OFF = 1e-12


def show(x: float, spec: str = ".4f", floor: float = ROUND_OFF) -> str:
    """Format ``x`` with ``spec``, but show ``"< floor"`` when ``|x| < floor``.

    Parameters
    ----------
    x : float
        A real number (Python, NumPy or a 0-d tensor's ``.item()``).
    spec : str, optional
        A format specification without width, e.g. ``".4f"`` or ``".2e"``.
    floor : float, optional
        Magnitudes below it are round-off; default ``1e-12``.

    Returns
    -------
    str
        ``format(x, spec)``, or ``"< 1e-12"`` (for the default floor).

    Examples
    --------
    >>> show(0.25)
    '0.2500'
    >>> show(2.78e-17, ".2e")
    '< 1e-12'
    >>> show(-1e-18)
    '< 1e-12'
    >>> show(float("inf"))
    'inf'
    """
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"x must be a real number, got {x!r} of type {type(x).__name__}")
    if not isinstance(spec, str):
        raise TypeError(f"spec must be a format string, got {spec!r}")
    if not (isinstance(floor, numbers.Real) and floor > 0):
        raise ValueError(f"floor must be a positive number, got {floor!r}")
    x = float(x)
    if not math.isnan(x) and abs(x) < floor:
        return f"< {floor:.0e}".replace("e-0", "e-").replace("e+0", "e+")
    return format(x, spec)
