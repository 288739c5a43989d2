"""Small build tweaks for the klcourse book.

* Drop sphinx-thebe's scripts and stylesheet. Jupyter Book always loads the
  extension; this book does not use live code cells, and the scripts refer to
  a CDN and are added twice under Sphinx 7.4 (a page error "THEBE_JS_URL has
  already been declared"). The book must load nothing from another host.
* A bibliography style whose labels are "Author, Year", matching the
  author-year citations in the text (pybtex's default labels are alpha codes
  such as "KL51", which read as a second citation system).
* MathJax on every page, so that the search page can typeset the formulas in
  its result snippets (_static/klcourse.js does that).
* A link to the whole book as one PDF (``make pdf`` writes ``klcourse.pdf``
  at the root of the site) in every page's footer.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from pathlib import Path

from docutils import nodes
from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting import BaseSortingStyle
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
from sphinx.util.i18n import docname_to_domain

from klcourse_search import ChineseSearch

PDF_NAME = "klcourse.pdf"


def _is_thebe(asset) -> bool:
    text = f"{getattr(asset, 'filename', asset)} {getattr(asset, 'attributes', {})}"
    return "thebe" in text.lower()


def _drop_thebe(app, pagename, templatename, context, doctree) -> None:
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [a for a in context[key] if not _is_thebe(a)]


def _surname(person, particle: bool = True) -> str:
    names = (person.prelast_names if particle else []) + person.last_names
    return Text.from_latex(" ".join(names)).render_as("text")


class AuthorYearLabels(BaseLabelStyle):
    """Labels "Kelly, 1956", "Kullback and Leibler, 1951", "Hinton et al., 2015".

    They read exactly like the citations in the text (sphinxcontrib-bibtex's
    author_year style), so a reader finds "[Kelly, 1956]" under that label.

    Labels that would repeat get a, b, ... after the year.
    """

    def format_labels(self, sorted_entries):
        labels = [self._label(entry) for entry in sorted_entries]
        total, seen = Counter(labels), Counter()
        for label in labels:
            if total[label] > 1:
                seen[label] += 1
                label = f"{label}{'abcdefghijklmnopqrstuvwxyz'[seen[label] - 1]}"
            yield label

    @staticmethod
    def _label(entry, particle: bool = True) -> str:
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [_surname(p, particle) for p in people]
        if not names:
            who = Text.from_latex(entry.fields.get("title", entry.key)).render_as("text")
        elif len(names) == 1:
            who = names[0]
        elif len(names) == 2:
            who = f"{names[0]} and {names[1]}"
        else:
            who = f"{names[0]} et al."
        return f"{who}, {entry.fields.get('year', 'n.d.')}"


class LabelOrder(BaseSortingStyle):
    """Alphabetical by the label a reader sees, "van Erven" under E, accents ignored.

    (pybtex's author_year_title puts corporate authors such as {The SciPy
    community} after everyone else.)"""

    def sorting_key(self, entry):
        label = AuthorYearLabels._label(entry, particle=False)
        plain = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
        return plain.lower()


class AuthorYearStyle(UnsrtStyle):
    """The unsrt entry format, in label order, with author-year labels."""

    default_label_style = AuthorYearLabels
    default_sorting_style = LabelOrder


def _is_chinese(app) -> bool:
    return (app.config.language or "en").startswith("zh")


def _footer_pdf_link(app, pagename, templatename, context, doctree) -> None:
    href = context["pathto"](PDF_NAME, 1)
    text = "下载整本书的 PDF" if _is_chinese(app) else "Download the whole book as a PDF"
    link = f'<p class="klc-pdf-link"><a href="{href}" download>{text}</a></p>'
    context["theme_extra_footer"] = (context.get("theme_extra_footer") or "") + link


def other_edition_url(pagename: str, chinese: bool) -> str:
    """The same page in the other edition, relative to ``pagename``'s HTML file.

    The English edition lies at the root of the site and the Chinese one in
    ``zh/`` (tools/build_book.py), with the same page names.

    >>> other_edition_url("book/03_dice", chinese=False)
    '../zh/book/03_dice.html'
    >>> other_edition_url("index", chinese=True)
    '../index.html'
    """
    up = "../" * pagename.count("/")
    return f"{up}../{pagename}.html" if chinese else f"{up}zh/{pagename}.html"


def _language_switch(app, pagename, templatename, context, doctree) -> None:
    chinese = _is_chinese(app)
    context["klc_other"] = {
        "url": other_edition_url(pagename, chinese),
        "code": "en" if chinese else "zh-CN",
        "label": "English" if chinese else "中文",
        "title": "Read this page in English" if chinese else "阅读本页的中文版",
    }


class KeepDisplayMath(SphinxTransform):
    """Leave display formulas out of translation.

    A display formula has no prose to translate, and Sphinx would re-parse a
    translated one as reStructuredText (``::`` and an indented block), which
    MyST prints as text. Runs before Sphinx's translation (priority 20).
    """

    default_priority = 10

    def apply(self, **kwargs) -> None:
        for node in self.document.findall(nodes.math_block):
            node["translatable"] = False


class TablesInDivsAreTranslatable(SphinxTransform):
    """Give the cells of a table inside a MyST ``{div}`` their page as source.

    MyST's ``div`` leaves the table's nodes without ``source``, and Sphinx
    only translates nodes that have one (kl_knobs.md's tables were left out
    of the catalogs). Runs before Sphinx's translation (priority 20).
    """

    default_priority = 10

    def apply(self, **kwargs) -> None:
        for table in self.document.findall(nodes.table):
            ancestor = table.parent
            while ancestor is not None and not ancestor.source:
                ancestor = ancestor.parent
            source = ancestor.source if ancestor is not None else self.document["source"]
            line = ancestor.line if ancestor is not None else None
            for node in table.findall(nodes.TextElement):
                if not node.source:
                    node.source, node.line = source, line


class TranslateTocCaptions(SphinxTransform):
    """Translate the captions of the table of contents ("Start here", ...).

    sphinx-external-toc inserts the toctrees (priority 100) after Sphinx has
    translated the page (priority 20), so their captions would stay English
    in the sidebar. The gettext builder puts them in the root page's catalog.
    """

    default_priority = 110

    def apply(self, **kwargs) -> None:
        language = self.config.language or "en"
        if language == "en" or not self.config.locale_dirs:
            return
        dirs = [str(Path(self.env.srcdir, d)) for d in self.config.locale_dirs]
        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        catalog, found = init_locale(dirs, language, domain)
        if not found:
            return
        for toctree in self.document.findall(addnodes.toctree):
            if toctree.get("caption"):
                toctree["caption"] = catalog.gettext(toctree["caption"])


def setup(app: Sphinx) -> dict:
    register_plugin("pybtex.style.formatting", "klcourse_author_year", AuthorYearStyle)
    app.set_html_assets_policy("always")
    app.connect("html-page-context", _drop_thebe, priority=900)
    app.connect("html-page-context", _footer_pdf_link)
    app.connect("html-page-context", _language_switch)
    app.add_transform(KeepDisplayMath)
    app.add_transform(TablesInDivsAreTranslatable)
    app.add_transform(TranslateTocCaptions)
    app.add_search_language(ChineseSearch)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
