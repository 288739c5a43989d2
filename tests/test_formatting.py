"""klcourse.formatting.table: the same cells as HTML and as text, checked by parsing both."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from klcourse.formatting import show, table


class _Cells(HTMLParser):
    """Collect (tag, class, text) for every th/td, and the caption text."""

    def __init__(self):
        super().__init__()
        self.cells, self.caption, self._open = [], None, None

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class")
        if tag in ("th", "td") or (tag == "p" and cls == "klc-caption"):
            self._open = (tag, cls, [])

    def handle_data(self, data):
        if self._open:
            self._open[2].append(data)

    def handle_endtag(self, tag):
        if self._open and tag == self._open[0]:
            kind, cls, text = self._open
            if kind == "p":
                self.caption = "".join(text)
            else:
                self.cells.append((kind, cls, "".join(text)))
            self._open = None


def _parse(t):
    p = _Cells()
    p.feed(t._repr_html_())
    return p


def test_html_and_text_hold_the_same_cells():
    t = table(
        [["fair", 1.791759469, 6], ["loaded", 1.497866136, 6]],
        ["die", "H in nats", "faces"],
        caption="entropy of the dice",
    )
    p = _parse(t)
    assert p.caption == "entropy of the dice"
    assert [c[2] for c in p.cells] == [
        "die", "H in nats", "faces", "fair", "1.7918", "6", "loaded", "1.4979", "6",
    ]  # fmt: skip
    # numbers right-aligned (class num), words not
    assert [c[1] for c in p.cells[3:6]] == [None, "num", "num"]
    assert repr(t).splitlines() == [
        "entropy of the dice",
        "die     H in nats  faces",
        "------  ---------  -----",
        "fair       1.7918      6",
        "loaded     1.4979      6",
    ]


def test_an_empty_cell_keeps_a_column_of_numbers_right_aligned():
    t = table([["a", 0.5], ["sum", ""]], ["row", "x"])
    assert [c[1] for c in _parse(t).cells] == [None, "num", None, "num", None, "num"]
    t = table([["a", 0.5], ["b", "n/a"]], ["row", "x"])
    assert [c[1] for c in _parse(t).cells][-1] is None  # a word makes it a text column


def test_round_off_is_shown_as_a_bound_and_specs_apply_per_column():
    t = table([[2.8e-17, 0.000123]], ["diff", "small"], spec=[".4f", ".2e"])
    assert [c[2] for c in _parse(t).cells][2:] == ["< 1e-12", "1.23e-04"]


def test_markup_in_cells_is_escaped():
    t = table([["<b>&</b>", 1.0]], ["a<b", "x"])
    html = t._repr_html_()
    assert "<b>" not in html and "&lt;b&gt;&amp;&lt;/b&gt;" in html
    assert [c[2] for c in _parse(t).cells] == ["a<b", "x", "<b>&</b>", "1.0000"]


@pytest.mark.parametrize(
    ("rows", "header", "kwargs", "error", "message"),
    [
        ([[1, 2]], ["a"], {}, ValueError, r"rows\[0\] has 2 cells, expected 1"),
        ([[1]], "a", {}, TypeError, "header must be a sequence of str"),
        ([[1]], [1], {}, TypeError, "header must be a sequence of str"),
        (["ab"], ["a", "b"], {}, TypeError, r"rows\[0\] must be a sequence of cells"),
        ([[None]], ["a"], {}, TypeError, r"rows\[0\]\[0\] must be a str or a real number"),
        ([[True]], ["a"], {}, TypeError, r"rows\[0\]\[0\] must be a str or a real number"),
        ([[1.0]], ["a"], {"spec": [".2f", ".3f"]}, ValueError, "one str per column"),
        ([[1.0]], ["a"], {"caption": 3}, TypeError, "caption must be a str"),
    ],
)
def test_bad_input_names_the_argument(rows, header, kwargs, error, message):
    with pytest.raises(error, match=message):
        table(rows, header, **kwargs)


@given(
    st.lists(
        st.lists(st.floats(allow_nan=False, allow_infinity=True, width=64), min_size=3, max_size=3),
        min_size=1,
        max_size=6,
    )
)
def test_every_number_is_shown_through_show(rows):
    t = table(rows, ["a", "b", "c"], spec=".3g")
    html_cells = [c[2] for c in _parse(t).cells][3:]
    assert html_cells == [show(x, ".3g") for r in rows for x in r]
    # columns are at least two spaces apart; "< 1e-12" holds a single space
    text_rows = [re.split(r"\s{2,}", line.strip()) for line in repr(t).splitlines()[2:]]
    assert text_rows == [[show(x, ".3g") for x in r] for r in rows]


def test_numpy_scalars_are_numbers():
    t = table([[np.float32(0.5), np.int64(3)]], ["x", "n"])
    assert [c[2] for c in _parse(t).cells][2:] == ["0.5000", "3"]
