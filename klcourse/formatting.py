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


class Table:
    """A small table of results: HTML in a notebook, aligned text elsewhere.

    Build it with :func:`table`. In Jupyter (and in the built book) the table
    shows through ``_repr_html_``; ``repr`` gives the same cells as plain text,
    which is what a terminal shows and what the book's notebook tests compare.
    """

    def __init__(self, header: list[str], cells: list[list[str]], numeric: list[bool], caption):
        self.header, self.cells, self.numeric, self.caption = header, cells, numeric, caption

    def _repr_html_(self) -> str:
        def row(tag: str, values: list[str]) -> str:
            parts = [
                f'<{tag} class="num">{_escape(v)}</{tag}>'
                if num
                else f"<{tag}>{_escape(v)}</{tag}>"
                for v, num in zip(values, self.numeric, strict=True)
            ]
            return "<tr>" + "".join(parts) + "</tr>"

        caption = f'<p class="klc-caption">{_escape(self.caption)}</p>' if self.caption else ""
        body = "".join(row("td", r) for r in self.cells)
        # the caption sits above the scrolling box, so it wraps to the column on a phone
        return (
            f'<div class="klc-table">{caption}<div class="klc-scroll"><table>'
            f"<thead>{row('th', self.header)}</thead><tbody>{body}</tbody></table></div></div>"
        )

    def __repr__(self) -> str:
        widths = [max(len(v) for v in col) for col in zip(self.header, *self.cells, strict=True)]

        def line(values: list[str]) -> str:
            return "  ".join(
                v.rjust(w) if num else v.ljust(w)
                for v, w, num in zip(values, widths, self.numeric, strict=True)
            ).rstrip()

        rule = "  ".join("-" * w for w in widths)
        lines = [line(self.header), rule, *(line(r) for r in self.cells)]
        return "\n".join(([self.caption] if self.caption else []) + lines)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def table(rows, header, *, spec=".4f", caption: str | None = None) -> Table:
    """Lay out rows of results as a table (HTML in a notebook, text elsewhere).

    Parameters
    ----------
    rows : list of list
        One list (or other sequence) per row, as long as ``header``. A cell is a ``str``
        (shown as is), an ``int``, or a real number (formatted with ``spec``
        through :func:`show`, so round-off of an exact zero prints as a bound).
    header : list of str
        The column titles.
    spec : str or list of str, optional
        Format of the real-number cells: one spec for all columns, or one per
        column. Default ``".4f"``.
    caption : str, optional
        A line above the table (say the unit here: nats or bits).

    Returns
    -------
    Table
        Shows as an HTML table in Jupyter; ``repr`` is the text layout.
        Columns whose cells are all numbers (or empty strings) are right-aligned.

    Examples
    --------
    >>> table([["fair", 1.791759], ["loaded", 1.497866]], ["die", "entropy"],
    ...       caption="entropy in nats")
    entropy in nats
    die     entropy
    ------  -------
    fair     1.7918
    loaded   1.4979
    >>> table([[1, 2]], ["only one title"])
    Traceback (most recent call last):
    ...
    ValueError: rows[0] has 2 cells, expected 1 (one per header entry)
    """
    if isinstance(header, str) or not all(isinstance(h, str) for h in header):
        raise TypeError(f"header must be a sequence of str, got {header!r}")
    header = list(header)
    specs = [spec] * len(header) if isinstance(spec, str) else list(spec)
    if len(specs) != len(header) or not all(isinstance(s, str) for s in specs):
        raise ValueError(f"spec must be a str or one str per column, got {spec!r}")
    if caption is not None and not isinstance(caption, str):
        raise TypeError(f"caption must be a str, got {caption!r}")
    cells, numeric = [], [True] * len(header)
    for i, r in enumerate(rows):
        if isinstance(r, str):
            raise TypeError(f"rows[{i}] must be a sequence of cells, got {r!r}")
        r = list(r)
        if len(r) != len(header):
            raise ValueError(
                f"rows[{i}] has {len(r)} cells, expected {len(header)} (one per header entry)"
            )
        line = []
        for j, v in enumerate(r):
            if isinstance(v, str):
                numeric[j] = numeric[j] and v == ""  # an empty cell keeps a column numeric
                line.append(v)
            elif isinstance(v, numbers.Integral) and not isinstance(v, bool):
                line.append(str(int(v)))
            elif isinstance(v, numbers.Real) and not isinstance(v, bool):
                line.append(show(float(v), specs[j]))
            else:
                raise TypeError(f"rows[{i}][{j}] must be a str or a real number, got {v!r}")
        cells.append(line)
    return Table(header, cells, numeric, caption)
