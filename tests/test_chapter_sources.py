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


def _klcourse_imports():
    """(module, name) for every ``from klcourse... import name`` in the chapters' code."""
    import ast

    found = set()
    for text in TEXTS:
        for cell in jupytext.read(text, fmt=TEXT_FORMAT).cells:
            if cell.cell_type != "code":
                continue
            source = "\n".join(
                line
                for line in cell.source.splitlines()
                if not line.lstrip().startswith(("%", "!"))
            )
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("klcourse"):
                    found |= {(node.module, alias.name) for alias in node.names}
    return sorted(found)


@pytest.mark.parametrize(("module", "name"), _klcourse_imports())
def test_the_api_page_documents_what_the_chapters_import(module, name):
    """Each name a chapter imports from klcourse has an entry on the API page (the
    exercise modules chN are described there as a family)."""
    import importlib
    import re

    api = (BOOK_DIR / "api.md").read_text()
    if module == "klcourse.exercises" and re.fullmatch(r"ch\d+", name):
        assert "klcourse.exercises.chN" in api
        return
    obj = getattr(importlib.import_module(module), name)
    home = getattr(obj, "__module__", module) if callable(obj) else module
    targets = re.findall(r"^\.\. auto\w+:: ([\w.]+)", api, flags=re.M)
    members = {
        f"{mod}.{m.strip()}"
        for mod, listed in re.findall(r"^\.\. automodule:: ([\w.]+)\n\s+:members: (.*)$", api, re.M)
        for m in listed.split(",")
    }
    documented = set(targets) | members
    assert f"{module}.{name}" in documented or f"{home}.{name}" in documented, (module, name)
