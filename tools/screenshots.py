"""Take the README's screenshots of the built book (desktop and phone).

    python tools/screenshots.py _build/html     # writes docs/screenshot-*.png

Uses the same headless Chromium as the browser tests and make pdf.
"""

from __future__ import annotations

import sys
from pathlib import Path

from make_pdf import CHROMIUM_ARGS, ROOT, find_chromium, serve

SHOTS = {
    # name: (page, element to scroll to, viewport width, height, device scale)
    "desktop": ("book/04_forward_reverse.html", "#the-reverse-fit-seeks-a-mode", 1280, 800, 1),
    "phone": ("book/03_dice.html", "#fig-stein img", 390, 844, 2),
    # the Chinese edition (built by `make html` into zh/)
    "zh-desktop": (
        "zh/book/04_forward_reverse.html",
        "#the-reverse-fit-seeks-a-mode",
        1280,
        800,
        1,
    ),
    "zh-phone": ("zh/book/03_dice.html", "#fig-stein img", 390, 844, 2),
}


def main(html: Path) -> int:
    from playwright.sync_api import sync_playwright

    with serve(html) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        for name, (path, anchor, width, height, scale) in SHOTS.items():
            page = browser.new_page(
                viewport={"width": width, "height": height}, device_scale_factor=scale
            )
            page.goto(f"{base}/{path}", wait_until="networkidle")
            page.evaluate("async () => { await MathJax.startup.promise; }")
            # scroll the element just below the page's header
            page.evaluate(
                "(sel) => { const e = document.querySelector(sel);"
                " window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - 90); }",
                anchor,
            )
            page.wait_for_timeout(2000)
            out = ROOT / "docs" / f"screenshot-{name}.png"
            page.screenshot(path=str(out))
            print(out)
            page.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "_build" / "html")))
