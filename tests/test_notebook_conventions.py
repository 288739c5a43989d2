"""Structure every chapter notebook must follow (see README: adding a chapter)."""

import itertools
import json
import re

import pytest
import yaml

from tests.conftest import CHAPTERS, ROOT
from tests.training_cells import TRAINING_TAG

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
        # a model named by hub id (a string literal) loads only in Colab's guarded branch
        assert not re.search(r"from_pretrained\(\s*[\"']", src) or "google.colab" in src
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
def test_figures_are_retina_pngs_at_most_640_pixels_wide(path):
    """Twice the pixels of their shown size (sharp on modern screens), and no wider than
    6.4 inches, so that 11-point text stays readable when a phone shrinks the figure."""
    import base64
    import struct

    from klcourse.plotting import MAX_WIDTH_IN

    for c in cells(path):
        for o in c.get("outputs", []):
            if "image/png" not in o.get("data", {}):
                continue
            png = base64.b64decode(o["data"]["image/png"])
            pixels_w, pixels_h = struct.unpack(">II", png[16:24])  # the IHDR chunk
            shown = o.get("metadata", {}).get("image/png", {})
            assert {"width", "height"} <= shown.keys(), f"not a retina PNG: {source(c)[:60]}"
            # (the inline backend saves with a tight box and 0.1-inch padding on each side)
            assert shown["width"] <= (MAX_WIDTH_IN + 0.2) * 100, (shown, source(c)[:60])
            assert pixels_w >= 1.9 * shown["width"], (pixels_w, shown, source(c)[:60])
            assert abs(pixels_w / pixels_h - shown["width"] / shown["height"]) < 0.02


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_printed_numbers_state_their_unit(path):
    """A printed KL or entropy says nats or bits on the same line."""
    for c in cells(path):
        for o in c.get("outputs", []):
            for line in "".join(o.get("text", "")).splitlines():
                if re.search(r"\b(KL|H)\(.*\)\s*=\s*-?\d", line) and "Correct" not in line:
                    assert "nats" in line or "bits" in line, line


# --- quiet, machine-independent stored outputs ------------------------------------

NOISE = re.compile(
    r"[-+]?\d\.\d+e-(1[3-9]|[2-9]\d|\d{3})\b"  # a residue such as 2.78e-17
    r"|(?<![\d.])-0\.0+\b(?!\.)"  # negative zero such as -0.0000
)
PROGRESS = re.compile(r"it/s\]|s/it\]|\d+%\|")


def text_of(output) -> str:
    return "".join(output.get("text", "")) + "".join(output.get("data", {}).get("text/plain", ""))


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_stored_outputs_are_quiet(path):
    for c in cells(path):
        outs = c.get("outputs", [])
        for o in outs:
            text = text_of(o)
            assert not PROGRESS.search(text) and "\r" not in text, f"progress bar: {text[:80]!r}"
            assert len(text) <= 2500, f"a {len(text)}-character dump in: {source(c)[:60]!r}"
            noise = NOISE.search(text)
            assert noise is None, f"round-off noise {noise.group()!r} printed by {source(c)[:60]!r}"
        for before, after in itertools.pairwise(outs):
            split = before.get("output_type") == after.get("output_type") == "stream"
            assert not (split and before.get("name") == after.get("name")), (
                f"consecutive prints stored as separate blocks: {source(c)[:60]!r}"
            )


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_only_training_cells_escape_exact_comparison(path):
    """nbval-ignore-output is allowed only on cells declared training-dependent, and each
    such cell's section checks its claims on the fresh run with klcourse.claim."""
    nb = cells(path)
    for i, c in enumerate(nb):
        if c["cell_type"] != "code":
            continue
        training, ignored = TRAINING_TAG in tags(c), "nbval-ignore-output" in tags(c)
        assert training == ignored, (
            f"training tag without nbval-ignore-output or vice versa: {source(c)[:60]!r}"
        )
        if not training:
            continue
        rest = []
        for later in nb[i + 1 :]:
            if later["cell_type"] == "markdown" and source(later).lstrip().startswith("## "):
                break
            rest.append(later)
        checked = any(x["cell_type"] == "code" and "claim(" in source(x) for x in rest)
        assert checked, f"no claim() checks this training cell's results: {source(c)[:60]!r}"


def test_training_cells_are_a_small_minority():
    code = [c for p in CHAPTERS for c in cells(p) if c["cell_type"] == "code"]
    training = [c for c in code if TRAINING_TAG in tags(c)]
    assert 0 < len(training) <= 0.15 * len(code), (len(training), len(code))
