"""One look for every figure in the course."""

from __future__ import annotations

import matplotlib as mpl

#: Colour-blind-safe colours (Okabe–Ito), by role.
COLORS = {
    "p": "#0072B2",  # the reference / data distribution
    "q": "#D55E00",  # the approximation / model
    "accent": "#009E73",
    "grey": "#7F7F7F",
    "purple": "#CC79A7",
    "yellow": "#E69F00",
}

_STYLE = {
    "figure.figsize": (6.4, 3.8),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
    "axes.prop_cycle": mpl.cycler(color=list(COLORS.values())),
    "image.cmap": "viridis",
}


def use_style() -> None:
    """Apply the course's matplotlib style (call once, after importing pyplot).

    Examples
    --------
    >>> use_style()
    >>> import matplotlib as mpl
    >>> mpl.rcParams["axes.spines.top"]
    False
    """
    mpl.rcParams.update(_STYLE)
