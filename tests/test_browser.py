"""The built book in a real browser (headless Chromium), served from 127.0.0.1.

Checks what a reader would notice: console errors, failed or off-site requests,
unrendered math, broken images, solutions that are not hidden, a wrong Colab link,
a search that finds nothing. On failure a screenshot of the page is saved in
test-artifacts/ to look at.

Needs Debian's chromium (`sudo apt-get install -y chromium`). Without it the tests
are skipped locally, but fail when CI=true or KLCOURSE_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import CHAPTERS, ROOT
from tools.make_pdf import CHROMIUM_ARGS, find_chromium, serve

CHROMIUM = find_chromium()
ARTIFACTS = ROOT / "test-artifacts"
PAGES = [f"book/{nb.stem}.html" for nb in CHAPTERS] + [
    "book/intro.html",
    "book/bibliography.html",
    "search.html",
    "genindex.html",
]
EXTRA_PAGES = ["book/api.html", "book/how_to_use.html", "book/glossary.html"]


def _require_browser():
    if CHROMIUM:
        return
    message = (
        "chromium not found: the browser tests need Debian's chromium "
        "(sudo apt-get install -y chromium)"
    )
    if os.environ.get("CI") == "true" or os.environ.get("KLCOURSE_REQUIRE_BROWSER") == "1":
        pytest.fail(message + " -- required in CI")
    pytest.skip(message)


@pytest.fixture(scope="module")
def site(built_book):
    """Serve the built HTML on an ephemeral loopback port."""
    html, _ = built_book
    with serve(html) as base:
        yield base, html


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class PageVisit:
    """A page opened with listeners for console errors and request problems."""

    def __init__(self, browser, base: str, path: str):
        self.base, self.path = base, path
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))
        self.page.on("request", self._request)
        self.page.on("response", self._response)
        self.page.goto(f"{base}/{path}", wait_until="networkidle")

    def _console(self, msg):
        if msg.type == "error":
            self.errors.append(f"console: {msg.text}")

    def _request(self, request):
        if not request.url.startswith((self.base, "data:", "blob:")):
            self.errors.append(f"off-site request: {request.url}")

    def _response(self, response):
        if response.status >= 400:
            self.errors.append(f"HTTP {response.status}: {response.url}")

    def screenshot_on_failure(self):
        ARTIFACTS.mkdir(exist_ok=True)
        name = self.path.replace("/", "_").replace(".html", ".png")
        self.page.screenshot(path=str(ARTIFACTS / name), full_page=True)

    def close(self):
        self.page.close()


@pytest.fixture
def visit(browser, site):
    visits = []

    def _open(path):
        v = PageVisit(browser, site[0], path)
        visits.append(v)
        return v

    yield _open
    for v in visits:
        v.close()


def _checked(v: PageVisit, check) -> None:
    try:
        check()
    except AssertionError:
        v.screenshot_on_failure()
        raise


def _wait_for_math(page):
    page.wait_for_function(
        "() => !window.MathJax || !MathJax.startup || MathJax.startup.promise .then(() => true)",
        timeout=20_000,
    )
    page.evaluate("async () => { if (window.MathJax?.startup) await MathJax.startup.promise; }")


def _all_pages(site):
    _, html = site
    return PAGES + [p for p in EXTRA_PAGES if (html / p).exists()]


def test_every_page_loads_cleanly_with_math_and_images(visit, site):
    for path in _all_pages(site):
        v = visit(path)
        _wait_for_math(v.page)
        report = v.page.evaluate(
            """() => {
                const maths = [...document.querySelectorAll('span.math, div.math')];
                const unrendered = maths.filter(m => !m.querySelector('mjx-container')).length;
                const body = document.querySelector('article') || document.body;
                const clone = body.cloneNode(true);
                clone.querySelectorAll('pre, code, script, style, mjx-container')
                     .forEach(e => e.remove());
                const text = clone.textContent;
                const rawDollars = (text.match(/\\$[^$\\s][^$]*\\$/g) || []).slice(0, 3);
                const images = [...document.images].filter(i => i.getAttribute('src'));
                const broken = images.filter(i => !(i.complete && i.naturalWidth > 0))
                                     .map(i => i.getAttribute('src'));
                return {maths: maths.length, unrendered, rawDollars, broken,
                        images: images.length};
            }"""
        )

        def check(v=v, report=report):
            assert v.errors == [], f"{v.path}: {v.errors}"
            assert report["unrendered"] == 0, f"{v.path}: {report}"
            assert report["rawDollars"] == [], f"{v.path}: raw TeX left: {report['rawDollars']}"
            assert report["broken"] == [], f"{v.path}: broken images {report['broken']}"

        _checked(v, check)


@pytest.mark.parametrize("nb", [p for p in CHAPTERS if p.name[:2].isdigit()], ids=lambda p: p.stem)
def test_chapter_page_math_figures_and_solutions(visit, nb):
    v = visit(f"book/{nb.stem}.html")
    page = v.page
    _wait_for_math(page)

    def check():
        assert page.locator("mjx-container").count() > 5
        assert page.locator("figure img").count() >= 1
        solutions = page.locator("div.solution.dropdown")
        assert solutions.count() >= 3
        first = solutions.first
        body = first.locator("section").first  # everything below the title
        assert not body.is_visible(), "solution visible before clicking"
        first.locator("button.toggle-button").click()
        page.wait_for_timeout(400)
        assert body.is_visible(), "solution still hidden after clicking"
        colab = page.locator("a[href*='colab.research.google.com']").first
        href = colab.get_attribute("href")
        assert href.endswith(f"/blob/main/book/{nb.stem}.ipynb"), href
        assert v.errors == []

    _checked(v, check)


@pytest.mark.parametrize(
    ("query", "page_title"),
    [
        ("Gibbs", "KL divergence"),
        # the index splits Chinese with jieba: 散度 (divergence) finds the glossary
        ("%E6%95%A3%E5%BA%A6", "Glossary"),
    ],
    ids=["english", "chinese"],
)
def test_search_finds_terms(visit, query, page_title):
    v = visit(f"search.html?q={query}")
    page = v.page

    def check():
        page.wait_for_selector("#search-results li", timeout=20_000)
        links = page.locator("#search-results li a").all_text_contents()
        assert any(page_title in t for t in links), links
        assert v.errors == []

    _checked(v, check)


def test_repository_urls_come_from_config(site):
    _, html = site
    import yaml

    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    text = (html / "book" / "01_entropy.html").read_text()
    assert f'href="{url}"' in text
    assert Path(html / "_static" / "mathjax" / "tex-chtml.js").exists()


# ---- Reader experience at every width, in dark mode, in print -------------------------

CHAPTER_PAGES = [f"book/{nb.stem}.html" for nb in CHAPTERS if nb.name[:2].isdigit()]


def _open(browser, site, path, width, dark=False):
    page = browser.new_page(viewport={"width": width, "height": 900})
    if dark:  # pydata-sphinx-theme reads the mode from localStorage
        page.add_init_script("localStorage.setItem('mode', 'dark');")
    page.goto(f"{site[0]}/{path}", wait_until="networkidle")
    _wait_for_math(page)
    return page


def _fail_with_screenshot(page, name, message):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    pytest.fail(message)


@pytest.mark.parametrize("width", [390, 900])
def test_sidebar_toggle_reaches_another_chapter_on_phones_and_tablets(browser, site, width):
    page = _open(browser, site, "book/03_dice.html", width)
    try:
        link = page.locator(".bd-sidebar-primary a.reference.internal", has_text="Estimating KL")
        assert not link.first.is_visible(), "the chapter list should start closed"
        toggles = [t for t in page.locator(".primary-toggle").all() if t.is_visible()]
        assert len(toggles) == 1, f"{len(toggles)} visible sidebar toggles"
        toggles[0].click()
        page.wait_for_timeout(500)
        if not link.first.is_visible():
            _fail_with_screenshot(page, f"nav_{width}.png", "toggle did not open the sidebar")
        link.first.click()
        page.wait_for_load_state("networkidle")
        assert page.url.endswith("book/05_estimating_kl.html"), page.url
    finally:
        page.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_one_search_entry_per_page(browser, site, width):
    for path in ["book/03_dice.html", "search.html", "book/intro.html"]:
        page = _open(browser, site, path, width)
        entries = page.evaluate(
            """() => [...document.querySelectorAll(
                    'input[type=search], input[name=q], button.search-button,'
                    + ' .search-button-field')]
                 .filter(e => e.offsetParent !== null)
                 .filter(e => e.getBoundingClientRect().width > 0)
                 .map(e => e.outerHTML.slice(0, 80))"""
        )
        if len(entries) != 1:
            _fail_with_screenshot(
                page, f"search_{width}.png", f"{path} at {width}px: {len(entries)} search entries"
            )
        page.close()


_OVERFLOW = """() => {
  const visible = e => e.offsetParent !== null;
  const text = e => (e.textContent || '').trim().slice(0, 60).replace(/\\s+/g, ' ');
  const blocks = [...document.querySelectorAll('article pre')].filter(visible)
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => `${e.scrollWidth}>${e.clientWidth}: ${text(e)}`);
  const display = [...document.querySelectorAll('article div.math')].filter(visible)
    .map(m => [m, m.querySelector('mjx-math')]).filter(([m, c]) => c)
    .filter(([m, c]) => c.getBoundingClientRect().width > m.clientWidth + 1)
    .map(([m, c]) => `${Math.round(c.getBoundingClientRect().width)}>${m.clientWidth}: ${text(m)}`);
  const inline = [...document.querySelectorAll('article span.math')].filter(visible)
    .map(m => [m, m.querySelector('mjx-math'), m.closest('p, li, td, dd, dt, div')])
    .filter(([m, c, b]) => c && b && c.getBoundingClientRect().width > b.clientWidth + 1)
    .map(([m, c, b]) =>
      `${Math.round(c.getBoundingClientRect().width)}>${b.clientWidth}: ${text(m)}`);
  const page = document.scrollingElement.scrollWidth - window.innerWidth;
  return {blocks, display, inline, page};
}"""


def _content_pages(site):
    return [p for p in _all_pages(site) if p.startswith("book/")]


def _too_wide(browser, site, width: int, kinds: tuple[str, ...], pages=None) -> dict:
    """Per page (default: the English content pages), what is wider than its column
    at this width (and a screenshot of it)."""
    problems = {}
    for path in pages if pages is not None else _content_pages(site):
        page = _open(browser, site, path, width)
        r = page.evaluate(_OVERFLOW)
        found = [item for kind in kinds for item in r[kind]]
        if found or r["page"] > 0:
            problems[path] = found[:5] + ([f"page {r['page']}px too wide"] if r["page"] else [])
            ARTIFACTS.mkdir(exist_ok=True)
            name = f"wide_{width}_{Path(path).stem}.png"
            page.screenshot(path=str(ARTIFACTS / name), full_page=True)
        page.close()
    return problems


def test_code_outputs_and_formulas_fit_the_desktop_column(browser, site):
    problems = _too_wide(browser, site, 1280, ("blocks", "display", "inline"))
    assert problems == {}, f"wider than the column at 1280 px: {problems}"


def test_formulas_are_broken_to_fit_a_phone(browser, site):
    """At 390 px: no formula wider than its column, and no page that scrolls sideways.

    Code may scroll sideways on a phone (its lines are up to 79 characters), but
    maths and text may not.
    """
    problems = _too_wide(browser, site, 390, ("display", "inline"))
    assert problems == {}, f"wider than the column at 390 px: {problems}"


def test_figures_are_sharp(browser, site):
    densities = {}
    for path in CHAPTER_PAGES:
        page = _open(browser, site, path, 1280)
        densities[path] = page.evaluate(
            """() => [...document.querySelectorAll('figure img, div.cell_output img')]
                 .filter(i => i.clientWidth > 0)
                 .map(i => i.naturalWidth / i.clientWidth)"""
        )
        page.close()
    figures = [d for ds in densities.values() for d in ds]
    assert len(figures) >= 15, densities
    soft = {p: [round(d, 2) for d in ds if d < 1.5] for p, ds in densities.items()}
    assert all(not s for s in soft.values()), f"figures under 1.5x pixel density: {soft}"


def test_dark_mode_figure_has_a_dark_background_and_readable_axes(browser, site):
    """The figure of chapter 4 in dark mode: mostly dark, with light axes and labels."""
    from PIL import Image

    page = _open(browser, site, "book/04_forward_reverse.html", 1280, dark=True)
    try:
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        figure = page.locator("figure img").first
        figure.scroll_into_view_if_needed()
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "dark_mode_figure.png"
        figure.screenshot(path=str(shot))
        pixels = sorted(Image.open(shot).convert("L").tobytes())  # one byte per pixel
        background = pixels[len(pixels) // 2]  # the median pixel: the figure's background
        ink = pixels[int(0.997 * len(pixels))]  # the brightest text and lines
        assert background < 60, f"figure is a bright box in dark mode (median {background})"
        assert ink > 170, f"axes and labels too dark to read (brightest 0.3 % at {ink})"
    finally:
        page.close()


def print_site_pdf(html: Path) -> Path:
    """Print the built site at ``html`` with tools/make_pdf.py, as `make pdf` does."""
    import subprocess
    import sys

    _require_browser()
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "make_pdf.py"), str(html)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return html / "klcourse.pdf"


@pytest.fixture(scope="module")
def book_pdf(site):
    """Print the served book with tools/make_pdf.py (as `make pdf` does)."""

    _, html = site
    return print_site_pdf(html)


def test_pdf_holds_every_chapter_with_bookmarks_and_no_screen_text(book_pdf, site):
    from bs4 import BeautifulSoup
    from pypdf import PdfReader

    from tools.make_pdf import combined_document, page_order

    reader = PdfReader(str(book_pdf))
    assert len(reader.pages) > 100
    _, html = site
    expected, pages = [], page_order(html)
    for page in pages:
        soup = BeautifulSoup((html / "book" / page).read_text(), "html.parser")
        h1 = soup.select_one("article.bd-article h1")
        h1.select_one("a.headerlink").decompose()
        expected.append(h1.get_text(" ", strip=True))
    tops = [item.title for item in reader.outline if not isinstance(item, list)]
    assert [" ".join(t.split()) for t in tops] == [" ".join(t.split()) for t in expected]
    nested = [item for item in reader.outline if isinstance(item, list)]
    assert len(nested) >= 12 and sum(map(len, nested)) > 100, "sections bookmarked under chapters"
    words = "".join("".join((p.extract_text() or "").split()) for p in reader.pages)
    for title in expected:
        assert "".join(title.split()) in words, f"chapter {title!r} missing from the PDF"
    for screen_only in ["Click to hide", "Click to show", "Show code cell", "Hide code cell"]:
        assert "".join(screen_only.split()) not in words, f"{screen_only!r} printed"
    # the glossary's Chinese terms are text, not empty boxes (a CJK font is installed)
    assert "散度" in words and "交叉熵" in words, "Chinese glossary terms missing: fonts-noto-cjk?"
    # section bookmarks carry the headings' own words (Chromium's run words together)
    _, _, headings = combined_document(html, pages)

    def below(items):
        for item in items:
            yield from below(item) if isinstance(item, list) else [item.title]

    sections = [t for item in reader.outline if isinstance(item, list) for t in below(item)]
    assert sections == [text for _, text in headings]


def test_every_page_links_to_the_pdf(browser, site, book_pdf):
    page = _open(browser, site, "book/06_language_models.html", 1280)
    try:
        link = page.locator("a", has_text="Download the whole book as a PDF")
        assert link.count() == 1
        href = link.get_attribute("href")
        response = page.request.get(f"{site[0]}/book/{href}")
        assert response.status == 200 and response.body()[:5] == b"%PDF-", href
    finally:
        page.close()


def test_search_snippets_show_formulas_not_tex(visit):
    v = visit("search.html?q=Gibbs")
    page = v.page

    def check():
        page.wait_for_selector("#search-results li p.context", timeout=20_000)
        page.wait_for_timeout(1500)  # snippets arrive one by one and are typeset
        snippets = page.locator("#search-results li p.context").all()
        assert snippets
        for s in snippets:
            text = s.evaluate(
                "e => { const c = e.cloneNode(true);"
                " c.querySelectorAll('mjx-container').forEach(m => m.remove());"
                " return c.textContent; }"
            )
            assert not any(tex in text for tex in ("\\(", "\\)", "\\[", "\\]")), text
            assert not text.lstrip().startswith("Contents"), f"the print TOC in a snippet: {text}"
        assert page.locator("#search-results li p.context mjx-container").count() > 0

    _checked(v, check)
