"""The book builds from scratch with zero warnings, and every chapter page is there."""

import html as html_lib
import json
import re
import unicodedata

from tests.conftest import CHAPTERS


def title(notebook) -> str:
    """The notebook's first level-1 heading."""
    for cell in json.loads(notebook.read_text())["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise AssertionError(f"{notebook.name} has no title")


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
        # the page holds this chapter (its own title as the page heading) and its math
        heading = re.search(r"<h1>(.*?)</h1>", text, re.S)
        assert heading and html_lib.unescape(heading.group(1)).strip() == title(nb), page
        assert text.count('class="math notranslate nohighlight"') >= 10, page
    assert (html / "index.html").exists()


def test_figures_are_numbered_with_captions(built_book):
    html, _ = built_book
    text = (html / "book" / "03_dice.html").read_text()
    assert re.search(r"Fig\. 3\.\d+", text)
    assert 'alt="Bar chart with six pairs of bars' in text


def test_bibliography_labels_are_author_year_like_the_citations(built_book):
    """Labels "Kelly, 1956", sorted by author, and no alpha codes or mangled names."""
    html, _ = built_book
    text = (html / "book" / "bibliography.html").read_text()
    entries = re.findall(
        r'role="doc-biblioentry">\s*<span class="label"><span class="fn-bracket">\[</span>'
        r"(.*?)<span",
        text,
        re.S,
    )
    labels = [html_lib.unescape(re.sub(r"<[^>]+>", "", e)).strip() for e in entries]
    assert len(labels) >= 30, labels
    assert all(re.fullmatch(r".+, (\d{4}[a-z]?|n\.d\.)", lab) for lab in labels), labels
    assert "Kelly, 1956" in labels and "Kullback and Leibler, 1951" in labels
    assert "The PyTorch contributors, 2026" in labels
    keys = [
        unicodedata.normalize("NFKD", lab.removeprefix("van ").lower()).encode("ascii", "ignore")
        for lab in labels
    ]
    assert keys == sorted(keys), f"entries are not in the order of their labels: {labels}"
    from bs4 import BeautifulSoup

    plain = " ".join(BeautifulSoup(text, "html.parser").select_one("article").get_text().split())
    assert "Jr. Kelly" not in plain and "John L. Kelly, Jr." in plain
    # a citation in the text reads exactly like the label it links to
    chapter = (html / "book" / "02_kl_divergence.html").read_text()
    assert re.search(
        r'bibliography\.html#id\d+" title="[^"]*">Kullback and Leibler, 1951</a>', chapter
    )
