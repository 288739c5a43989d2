"""The Chinese edition in headless Chromium (see test_browser.py for the set-up).

Math is rendered, the language switcher goes to the same page in the other
edition and back, Chinese search finds the entropy chapter, no page is mostly
English outside code (the API reference is English by design and says so), and
the machine has CJK fonts, so that screenshots show characters.
"""

# ruff: noqa: F811  (the fixtures of test_browser.py are imported and used as arguments)
from __future__ import annotations

import shutil
import subprocess
import unicodedata
from urllib.parse import quote

import pytest

from tests.conftest import CHAPTERS
from tests.test_browser import (  # noqa: F401
    _checked,
    _open,
    _too_wide,
    _wait_for_math,
    browser,
    print_site_pdf,
    site,
    visit,
)

ZH_PAGES = [f"zh/book/{nb.stem}.html" for nb in CHAPTERS] + [
    "zh/book/intro.html",
    "zh/book/how_to_use.html",
    "zh/book/notation.html",
    "zh/book/glossary.html",
    "zh/book/choosing.html",
    "zh/book/kl_knobs.html",
    "zh/book/bibliography.html",
]
# Share of the letters of a page's prose (code, formulas and outputs left out)
# that may be Latin: names, library names, citations and symbols.
MAX_LATIN_SHARE = 0.5

PROSE = """() => {
    const body = document.querySelector('article').cloneNode(true);
    body.querySelectorAll('pre, code, script, style, mjx-container, .cell_output, '
        + '.math, .citation, .bibliography, .headerlink').forEach(e => e.remove());
    const text = body.textContent;
    const cjk = (text.match(/[\\u3400-\\u9fff]/g) || []).length;
    const latin = (text.match(/[A-Za-z]/g) || []).length;
    const maths = [...document.querySelectorAll('span.math, div.math')];
    const unrendered = maths.filter(m => !m.querySelector('mjx-container')).length;
    return {cjk, latin, maths: maths.length, unrendered,
            lang: document.documentElement.lang};
}"""


@pytest.fixture(scope="module", autouse=True)
def _zh(built_zh_book):
    return built_zh_book


def test_cjk_fonts_are_installed():
    assert shutil.which("fc-list"), "fontconfig's fc-list is missing"
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    assert fonts.strip(), "no CJK font: sudo apt-get install -y fonts-noto-cjk"


def test_chinese_pages_are_chinese_with_math_rendered(visit):
    for path in ZH_PAGES:
        v = visit(path)
        _wait_for_math(v.page)
        report = v.page.evaluate(PROSE)

        def check(v=v, r=report):
            assert v.errors == [], f"{v.path}: {v.errors}"
            assert r["lang"] == "zh-CN", v.path
            assert r["unrendered"] == 0, f"{v.path}: {r}"
            share = r["latin"] / max(1, r["latin"] + r["cjk"])
            assert share < MAX_LATIN_SHARE, f"{v.path}: mostly English ({share:.0%}): {r}"

        _checked(v, check)


@pytest.mark.parametrize("page", ["book/03_dice.html", "book/intro.html", "search.html"])
def test_language_switcher_goes_to_the_same_page_and_back(visit, page):
    v = visit(page)
    v.page.click("a.klc-language")
    v.page.wait_for_load_state("networkidle")

    def check():
        assert v.page.url.endswith("/zh/" + page), v.page.url
        assert v.page.evaluate("document.documentElement.lang") == "zh-CN"
        v.page.click("a.klc-language")
        v.page.wait_for_load_state("networkidle")
        assert v.page.url.endswith("/" + page) and "/zh/" not in v.page.url, v.page.url
        assert v.page.evaluate("document.documentElement.lang") == "en"
        assert v.errors == []

    _checked(v, check)


def test_colab_and_download_buttons_work_on_chinese_pages(visit, site):
    v = visit("zh/book/03_dice.html")
    colab = v.page.locator("a[href*='colab.research.google.com']").first.get_attribute("href")
    download = v.page.locator("a[href$='.ipynb']:not([href*='colab'])").first.get_attribute("href")

    def check():
        assert colab.endswith("/blob/main/book/03_dice.ipynb"), colab
        _, html = site
        assert (html / "zh" / "book" / download).resolve().is_file(), download

    _checked(v, check)


# Sphinx's Chinese index drops one-character words and splits 交叉熵; the
# book's own search language (book/_ext/klcourse_search.py) keeps both.
@pytest.mark.parametrize("query", ["熵", "交叉熵"])
def test_chinese_search_finds_the_entropy_chapter(visit, query):
    v = visit(f"zh/search.html?q={quote(query)}")

    def check():
        v.page.wait_for_selector("#search-results li", timeout=20_000)
        links = v.page.locator("#search-results li a").all_text_contents()
        assert any(t.startswith("1.") and "熵" in t for t in links), links
        assert v.errors == []

    _checked(v, check)


def test_chinese_pdf_has_chinese_chapters_and_bookmarks(site):
    from pypdf import PdfReader

    _, html = site
    reader = PdfReader(str(print_site_pdf(html / "zh")))
    tops = [item.title for item in reader.outline if not isinstance(item, list)]
    assert len(tops) >= 15
    assert any(t.startswith("1.") and "熵" in t for t in tops), tops[:5]
    # pypdf reads some CJK glyphs as radicals (⽬ for 目); NFKC maps most back
    first = unicodedata.normalize("NFKC", "".join((reader.pages[0].extract_text() or "").split()))
    # (门 comes back as the radical ⻔, which NFKC leaves alone: test other words)
    assert "目录" in first and "一份文档" in first, first[:200]


def test_chinese_pages_fit_a_phone(browser, site):
    """At 390 px no formula is wider than its column and no page scrolls sideways.

    The Chinese header holds one button more than the theme plans for, and
    "English" is wider than "中文"; Chinese prose breaks differently too.
    """
    problems = _too_wide(browser, site, 390, ("display", "inline"), ZH_PAGES)
    assert problems == {}, f"wider than the column at 390 px: {problems}"


@pytest.mark.parametrize("width", [320, 390])
@pytest.mark.parametrize("path", ["zh/book/03_dice.html", "book/03_dice.html"])
def test_language_switch_fits_the_header_of_a_phone(browser, site, path, width):
    page = _open(browser, site, path, width)
    right = page.locator("a.klc-language").bounding_box()
    header = page.evaluate(
        "() => { const h = document.querySelector('.bd-header-article');"
        " return [h.scrollWidth, h.clientWidth]; }"
    )
    page.close()
    assert right["x"] + right["width"] <= width, right
    assert header[0] <= header[1], header
