"""The built book in a real browser (headless Chromium), served from 127.0.0.1.

Checks what a reader would notice: console errors, failed or off-site requests,
unrendered math, broken images, solutions that are not hidden, a wrong Colab link,
a search that finds nothing. On failure a screenshot of the page is saved in
test-artifacts/ to look at.

Needs Debian's chromium (`sudo apt-get install -y chromium`). Without it the tests
are skipped locally, but fail when CI=true or KLCOURSE_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

from tests.conftest import CHAPTERS, ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
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


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(built_book):
    """Serve the built HTML on an ephemeral loopback port."""
    html, _ = built_book
    handler = functools.partial(_QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", html
    server.shutdown()


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


def test_search_finds_gibbs(visit):
    v = visit("search.html?q=Gibbs")
    page = v.page

    def check():
        page.wait_for_selector("#search-results li", timeout=20_000)
        links = page.locator("#search-results li a").all_text_contents()
        assert any("KL divergence" in t for t in links), links
        assert v.errors == []

    _checked(v, check)


def test_repository_urls_come_from_config(site):
    _, html = site
    import yaml

    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    text = (html / "book" / "01_entropy.html").read_text()
    assert f'href="{url}"' in text
    assert Path(html / "_static" / "mathjax" / "tex-chtml.js").exists()
