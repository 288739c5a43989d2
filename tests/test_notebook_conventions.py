"""Structure every chapter notebook must follow (see README: adding a chapter)."""

import json
import re

import pytest
import yaml

from tests.conftest import CHAPTERS, ROOT

REPO_URL = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
TOC = (ROOT / "_toc.yml").read_text()


def cells(path):
    return json.loads(path.read_text())["cells"]


def source(cell):
    return "".join(cell["source"])


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_first_code_cell_is_the_guarded_colab_install(path):
    code = [c for c in cells(path) if c["cell_type"] == "code"]
    first = source(code[0])
    assert 'if "google.colab" in sys.modules:' in first
    assert f"klcourse @ git+{REPO_URL}@main" in first
    assert "pip" in first


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_notebook_is_self_contained_and_executed(path):
    for c in cells(path):
        if c["cell_type"] != "code":
            continue
        src = source(c)
        assert not re.search(r"\bopen\(|read_csv|np\.load|\.\./", src), src
        assert "from_pretrained(" not in src or "google.colab" in src
        assert c.get("execution_count") is not None, f"unexecuted cell: {src[:60]}"
        assert not any(o.get("output_type") == "error" for o in c.get("outputs", []))


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_notebook_is_listed_in_the_toc(path):
    assert f"book/{path.stem}" in TOC


CHAPTER_FILES = [p for p in CHAPTERS if re.match(r"\d\d_", p.name)]


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=lambda p: p.stem)
def test_chapter_structure(path):
    text = "\n".join(source(c) for c in cells(path) if c["cell_type"] == "markdown")
    assert "Learning goals" in text
    assert "## Summary" in text and "## Exercises" in text
    assert text.index("Learning goals") < text.index("## Summary") < text.index("## Exercises")
    exercises = re.findall(r"```\{exercise\}", text)
    assert 3 <= len(exercises) <= 6
    starts = re.findall(r"```\{solution-start\} (\S+)\n:class: dropdown", text)
    assert len(starts) == len(exercises), "every exercise has a solution hidden in a dropdown"
    assert text.count("{solution-end}") == len(starts)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_figures_have_caption_name_and_alt_text(path):
    for c in cells(path):
        has_png = any("image/png" in o.get("data", {}) for o in c.get("outputs", []))
        if c["cell_type"] == "code" and has_png:
            meta = c["metadata"].get("mystnb", {})
            assert meta.get("figure", {}).get("caption"), source(c)[:60]
            assert meta.get("figure", {}).get("name"), source(c)[:60]
            assert meta.get("image", {}).get("alt"), source(c)[:60]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_printed_numbers_state_their_unit(path):
    """A printed KL or entropy says nats or bits on the same line."""
    for c in cells(path):
        for o in c.get("outputs", []):
            for line in "".join(o.get("text", "")).splitlines():
                if re.search(r"\b(KL|H)\(.*\)\s*=\s*-?\d", line) and "Correct" not in line:
                    assert "nats" in line or "bits" in line, line
