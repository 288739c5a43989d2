"""Small build tweaks for the klcourse book.

* Drop sphinx-thebe's scripts and stylesheet. Jupyter Book always loads the
  extension; this book does not use live code cells, and the scripts refer to a
  CDN and are added twice under Sphinx 7.4 (a page error "THEBE_JS_URL has already
  been declared"). The book must load nothing from another host.
"""

from __future__ import annotations

from sphinx.application import Sphinx


def _is_thebe(asset) -> bool:
    text = f"{getattr(asset, 'filename', asset)} {getattr(asset, 'attributes', {})}"
    return "thebe" in text.lower()


def _drop_thebe(app, pagename, templatename, context, doctree) -> None:
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [a for a in context[key] if not _is_thebe(a)]


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", _drop_thebe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
