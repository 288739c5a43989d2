"""Print the built HTML book as one PDF: `make pdf` (after `make html`).

    python tools/make_pdf.py _build/html     # writes _build/html/klcourse.pdf

The pages are joined, in the order of the book's table of contents, into one
temporary HTML document inside the built site (so its stylesheets, images and
offline MathJax load as usual); links between pages become links inside the
PDF. Headless Chromium (the Debian package the browser tests use, driven by
Playwright) prints it with the book's print stylesheet, page numbers and PDF
bookmarks made from the headings: one per chapter, with its sections under it.
The PDF lies at the root of the site, where every page's footer links to it.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import logging
import os
import shutil
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import tomllib
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
PDF_NAME = "klcourse.pdf"
PRINT_PAGE = "book/_klcourse_print.html"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# Whatever only makes sense on a screen is left out of the printed document.
SCREEN_ONLY = [
    ".bd-header",
    ".bd-sidebar-primary",
    ".bd-sidebar-secondary",
    ".bd-header-article",
    ".prev-next-area",
    ".bd-footer",
    ".bd-footer-article",
    "#pst-back-to-top",
    ".search-button-field",
    "a.headerlink",
    "#jb-print-docs-body",  # the theme's printed table of contents of one page
]


def find_chromium() -> str | None:
    """The browser to print with: $KLCOURSE_CHROMIUM, else chromium on the PATH."""
    env = os.environ.get("KLCOURSE_CHROMIUM")
    if env:
        return env
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    return None


def page_order(html: Path) -> list[str]:
    """The book's pages (paths relative to book/), root first, as the sidebar lists them."""
    soup = BeautifulSoup((html / "book" / "intro.html").read_text(), "html.parser")
    pages = ["intro.html"]
    for a in soup.select("nav.bd-docs-nav a.reference.internal"):
        href = a["href"].split("#")[0]
        if href and href not in pages:
            pages.append(href)
    return pages


def _stem(page: str) -> str:
    return page.removesuffix(".html")


def _drop_screen_only(soup) -> None:
    for selector in SCREEN_ONLY:
        for el in soup.select(selector):
            el.decompose()


def _relink(article, stem: str, pages: set[str]) -> None:
    """Make ids unique across the joined pages and point links inside the PDF."""
    for el in article.select("[id]"):
        el["id"] = f"{stem}--{el['id']}"
    for a in article.select("a[href]"):
        href = a["href"]
        parts = urlsplit(href)
        if parts.scheme or href.startswith("mailto:"):
            continue  # a link to another site stays as it is
        target = parts.path or f"{stem}.html"
        if target in pages:
            a["href"] = f"#{_stem(target)}--{parts.fragment or 'top'}"
        else:  # a file of the site (a notebook, the index): no use on paper
            del a["href"]


# The cover's words, by the language of the built pages (<html lang>).
COVER = {
    "en": (
        "klcourse {version}: the course as one document, printed from the HTML book."
        " The notebooks, and the book itself, are at the repository named in the README.",
        "Contents",
    ),
    "zh": (
        "klcourse {version}：整门课程合为一份文档，由 HTML 版打印而成。"
        "笔记本和本书的源文件都在 README 所说的代码仓库中。",
        "目录",
    ),
}


def _version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def combined_document(html: Path, pages: list[str]) -> tuple[str, list[str], list[tuple[int, str]]]:
    """One HTML document holding the articles of `pages` (from :func:`page_order`).

    Returns the document, the chapter titles, and (level, text) of every
    heading below the chapter titles, in order.
    """
    template = BeautifulSoup((html / "book" / pages[0]).read_text(), "html.parser")
    _drop_screen_only(template)
    body = template.select_one("article.bd-article")
    body.clear()
    title = template.title.string.split("—")[-1].strip() if template.title else "klcourse"
    cover = template.new_tag("section", attrs={"class": "klc-print-cover", "id": "cover"})
    body.append(cover)
    titles, headings, known = [], [], set(pages)
    for page in pages:
        soup = BeautifulSoup((html / "book" / page).read_text(), "html.parser")
        article = soup.select_one("article.bd-article")
        _drop_screen_only(article)
        _relink(article, _stem(page), known)
        h1 = article.find("h1")
        titles.append(h1.get_text(" ", strip=True) if h1 else page)
        headings.extend(
            (int(h.name[1]), h.get_text(" ", strip=True))
            for h in article.find_all(["h2", "h3", "h4", "h5", "h6"])
        )
        chapter = template.new_tag(
            "section", attrs={"class": "klc-print-chapter", "id": f"{_stem(page)}--top"}
        )
        chapter.extend(list(article.children))
        body.append(chapter)
    contents = "".join(
        f'<li><a href="#{_stem(p)}--top">{t}</a></li>' for p, t in zip(pages, titles, strict=True)
    )
    lang = (template.html.get("lang") or "en")[:2] if template.html else "en"
    about, contents_title = COVER.get(lang, COVER["en"])
    cover.append(
        BeautifulSoup(
            f"<p class='klc-print-title'>{title}</p>"
            f"<p>{about.format(version=_version())}</p>"
            f"<p class='klc-print-contents'>{contents_title}</p>"
            f"<ul class='klc-print-toc'>{contents}</ul>",
            "html.parser",
        )
    )
    if template.title:
        template.title.string = title
    return str(template), titles, headings


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(directory: Path):
    """Serve `directory` on an ephemeral loopback port; yields the base URL.

    (Opened from file://, the theme logs a console error: it has no localStorage.)
    """
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def print_pdf(html: Path, out: Path | None = None) -> dict:
    """Write the PDF; returns {"path", "pages", "seconds"}."""
    from playwright.sync_api import sync_playwright

    chromium = find_chromium()
    if chromium is None:
        raise SystemExit(
            "make pdf needs Chromium: sudo apt-get install -y chromium "
            "(or set KLCOURSE_CHROMIUM to a Chrome/Chromium binary)"
        )
    html = html.resolve()
    out = out or html / PDF_NAME
    start = time.perf_counter()
    pages = page_order(html)
    document, titles, headings = combined_document(html, pages)
    temp = html / PRINT_PAGE
    temp.write_text(document)
    try:
        with serve(html) as base, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(
                f"{base}/{PRINT_PAGE}",
                wait_until="networkidle",
                timeout=120_000,
            )
            page.wait_for_function("() => window.MathJax?.startup?.promise", timeout=60_000)
            page.evaluate("async () => { await MathJax.startup.promise; }")
            page.emulate_media(media="print")
            footer = (
                '<div style="font-size:8px;width:100%;text-align:center;color:#666">'
                f"{titles[0]} · <span class='pageNumber'></span> / "
                "<span class='totalPages'></span></div>"
            )
            page.pdf(
                path=str(out),
                format="A4",
                margin={"top": "16mm", "bottom": "18mm", "left": "15mm", "right": "15mm"},
                print_background=True,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=footer,
                outline=True,
                tagged=True,
            )
            browser.close()
    finally:
        temp.unlink(missing_ok=True)
    count = bookmark_chapters(out, pages, titles, headings)
    return {"path": out, "pages": count, "seconds": time.perf_counter() - start}


def bookmark_chapters(
    pdf: Path, pages: list[str], titles: list[str], headings: list[tuple[int, str]]
) -> int:
    """One top-level bookmark per chapter, with Chromium's section bookmarks under it.

    Chromium makes bookmarks from the headings, but it drops the space at each
    line break of a heading ("the largestentropy"). Each chapter's start is a
    named destination (the cover's contents link to it); the outline is rebuilt
    from those, with Chromium's section bookmarks (their pages) nested by level
    and titled as in the HTML. Returns the number of pages.
    """
    from pypdf import PdfReader, PdfWriter

    # Chromium's PDFs declare a trailer size one object short; pypdf reads them fine
    # but says so on every run
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(str(pdf))
    destinations = reader.named_destinations
    starts = []
    for page in pages:
        name = f"/{_stem(page)}--top"
        if name not in destinations:
            raise RuntimeError(f"chapter {page} has no destination {name} in the PDF")
        starts.append(reader.get_destination_page_number(destinations[name]))
    if starts != sorted(starts):
        raise RuntimeError(f"chapters out of order in the PDF: {starts}")
    sections = []  # (page, title) of every heading below a chapter title, in order

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            elif depth > 0:  # depth 0: the chapters' own titles
                sections.append((reader.get_destination_page_number(item), item.title))

    walk(reader.outline, 0)
    if len(sections) == len(headings):  # Chromium's bookmarks are the headings, in order
        sections = [
            (n, level, text) for (n, _), (level, text) in zip(sections, headings, strict=True)
        ]
    else:
        sections = [(n, 2, text) for n, text in sections]
    writer = PdfWriter(clone_from=reader)
    writer._root_object.pop("/Outlines", None)
    ends = [*starts[1:], len(reader.pages)]
    for title, first, end in zip(titles, starts, ends, strict=True):
        parents = {1: writer.add_outline_item(title=title, page_number=first)}
        for number, level, text in sections:
            if first <= number < end:
                parent = parents[max(k for k in parents if k < level)]
                parents[level] = writer.add_outline_item(
                    title=text, page_number=number, parent=parent
                )
                for deeper in [k for k in parents if k > level]:
                    del parents[deeper]
    writer.add_metadata({"/Title": titles[0], "/Author": "The klcourse contributors"})
    writer.page_mode = "/UseOutlines"
    with open(pdf, "wb") as f:
        writer.write(f)
    return len(reader.pages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path, nargs="?", default=ROOT / "_build" / "html")
    parser.add_argument(
        "--skip-without-browser",
        action="store_true",
        help="say so and succeed, instead of failing, when Chromium is not installed",
    )
    args = parser.parse_args(argv)
    if args.skip_without_browser and find_chromium() is None:
        print("No Chromium here: skipped the PDF (sudo apt-get install -y chromium; make pdf)")
        return 0
    if not (args.html / "book" / "intro.html").exists():
        print(f"{args.html} holds no built book: run `make html` first", file=sys.stderr)
        return 2
    result = print_pdf(args.html)
    print(f"{result['path']}: {result['pages']} pages in {result['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
