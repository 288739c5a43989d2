"""One look for every figure in the course.

The figures are drawn 6.4 inches wide at most and stored at twice the screen
density ("retina" PNGs: 1280 pixels shown as 640), so they stay sharp on modern
screens and their text stays readable when a phone shrinks them to its width.
The book shows them inverted in dark mode, so colours are chosen to survive an
inversion with a half turn of hue (the Okabe–Ito set does).
"""

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

#: The widest figure the book shows, in inches (640 screen pixels at 100 dpi).
MAX_WIDTH_IN = 6.4

_STYLE = {
    "figure.figsize": (MAX_WIDTH_IN, 3.8),
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
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

    In a notebook it also switches the inline backend to retina PNGs (twice
    the pixels, shown at the figure's size); elsewhere only rcParams change.

    Examples
    --------
    >>> use_style()
    >>> import matplotlib as mpl
    >>> mpl.rcParams["axes.spines.top"]
    False
    """
    mpl.rcParams.update(_STYLE)
    _retina_inline()


def _retina_inline() -> None:
    """Ask IPython's inline backend for 2x PNGs, when running under IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with every notebook
        return
    if get_ipython() is None:
        return
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("retina")
