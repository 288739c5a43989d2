"""The book builds from scratch with zero warnings, and every chapter page is there."""

import re

from tests.conftest import CHAPTERS


def test_build_has_zero_warnings(built_book):
    _, log = built_book
    warnings = [line for line in log.splitlines() if re.search(r"WARNING|ERROR", line)]
    assert warnings == []
    assert "build succeeded" in log


def test_every_notebook_becomes_a_page(built_book):
    html, _ = built_book
    for nb in CHAPTERS:
        page = html / "book" / f"{nb.stem}.html"
        assert page.exists(), page
        text = page.read_text()
        assert "mjx" in text or "math" in text
    assert (html / "index.html").exists()


def test_figures_are_numbered_with_captions(built_book):
    html, _ = built_book
    text = (html / "book" / "03_dice.html").read_text()
    assert re.search(r"Fig\. 3\.\d+", text)
    assert 'alt="Bar chart with six pairs of bars' in text
