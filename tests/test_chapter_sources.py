"""Every chapter exists as MyST text (chapters/) and as an executed notebook (book/), in sync."""

import sys

import jupytext
import nbformat
import pytest

from tests.conftest import BOOK_DIR, CHAPTERS, ROOT, TEXT_DIR

sys.path.insert(0, str(ROOT / "tools"))
from run_notebooks import TEXT_FORMAT, merge_streams

TEXTS = sorted(TEXT_DIR.glob("*.md"))


def test_every_notebook_has_a_text_and_every_text_a_notebook():
    assert [p.stem for p in TEXTS] == [p.stem for p in CHAPTERS]
    assert CHAPTERS, "no chapters found"


@pytest.mark.parametrize("text", TEXTS, ids=lambda p: p.stem)
def test_text_and_notebook_hold_the_same_cells(text):
    """The text must be exactly what the notebook writes: same cells, code, tags, captions."""
    notebook = nbformat.read(BOOK_DIR / f"{text.stem}.ipynb", as_version=4)
    expected = jupytext.writes(notebook, fmt=TEXT_FORMAT)
    assert text.read_text() == expected, (
        f"chapters/{text.name} and book/{text.stem}.ipynb differ: edit the text, then run "
        f"`make notebooks` (or `python tools/run_notebooks.py {text.stem}`)"
    )


def test_jupyter_book_sees_one_source_per_page():
    config = (ROOT / "_config.yml").read_text()
    assert "chapters" in config.split("exclude_patterns:")[1].splitlines()[0]
    toc = (ROOT / "_toc.yml").read_text()
    assert "chapters/" not in toc


def test_merge_streams_joins_consecutive_prints_only():
    out = [
        nbformat.v4.new_output("stream", name="stdout", text="a\n"),
        nbformat.v4.new_output("stream", name="stdout", text="b\n"),
        nbformat.v4.new_output("stream", name="stderr", text="c\n"),
        nbformat.v4.new_output("display_data", data={"text/plain": "x"}),
        nbformat.v4.new_output("stream", name="stdout", text="d\n"),
    ]
    merged = merge_streams(out)
    assert [o.get("text") for o in merged] == ["a\nb\n", "c\n", None, "d\n"]
