"""Build the book's editions and its translation catalogs with one config.

    python tools/build_book.py html            # English, into _build/html
    python tools/build_book.py html --lang zh  # Chinese, into _build/html/zh
    python tools/build_book.py catalogs        # refresh locales/zh_CN/*.po

The English pages and notebooks are the source of both editions. The Chinese
edition is the same Sphinx build with ``language = "zh_CN"``: Sphinx replaces
every message it finds in ``locales/zh_CN/LC_MESSAGES`` (one catalog per
page, ``gettext_compact: false`` in ``_config.yml``). ``catalogs`` extracts
the messages of the current English text (Sphinx's gettext builder, into
``_build/gettext``) and merges them into the catalogs with sphinx-intl: new
text arrives untranslated, changed text arrives fuzzy, and the translator
fills in ``msgstr`` (see ``locales/zh_CN/TERMINOLOGY.md``).

Both builds go through Jupyter Book's own entry point, with the overrides its
command line would pass, so ``_config.yml`` and ``_toc.yml`` stay the only
configuration.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po
from jupyter_book.sphinx import build_sphinx

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
LOCALES = ROOT / "locales"
# The Chinese edition's language code and its place inside the English site.
LANGUAGES = {"en": ("en", "html"), "zh": ("zh_CN", "html/zh")}
# What gettext cannot translate: the title (in <title> and the navigation bar)
# comes from _config.yml, and myst-nb's buttons on hidden code from settings.
SETTINGS = {
    "zh": {
        "html_title": "KL 散度：算出来的讲义",
        "nb_code_prompt_show": "显示代码",
        "nb_code_prompt_hide": "隐藏代码",
    }
}


def output_dir(lang: str) -> Path:
    """Where ``html`` writes the edition in ``lang`` ("en" or "zh")."""
    return BUILD / LANGUAGES[lang][1]


def sphinx_build(builder: str, out: Path, lang: str = "en", strict: bool = False) -> int:
    """Run Sphinx through Jupyter Book with ``_config.yml``; returns its exit code."""
    code = LANGUAGES[lang][0]
    overrides = {
        "external_toc_path": (ROOT / "_toc.yml").as_posix(),
        "latex_individualpages": False,
        "nitpicky": True,
        "language": code,
    }
    overrides.update(SETTINGS.get(lang, {}))
    return build_sphinx(
        ROOT,
        out,
        noconfig=True,
        path_config=str(ROOT / "_config.yml"),
        confoverrides=overrides,
        builder=builder,
        # beside the site, never inside it (the Chinese site lies in the English one)
        doctreedir=(out.parent.parent if lang != "en" else out.parent)
        / f".doctrees-{builder}-{code}",
        warningiserror=strict,
        keep_going=strict,
        quiet=True,
    )


def drop_docstrings(pot: Path) -> None:
    """Remove the API reference's docstrings from the template ``pot``.

    The API page stays English (it says so), so that editing a docstring does
    not need a translation; its headings and introductions are translated.
    """
    with pot.open("rb") as handle:
        catalog = read_po(handle)
    for message in list(catalog):
        # babel splits "path:docstring of name" at the spaces: a message from
        # a page has a location that ends in .md or .ipynb, a docstring has none
        pages = [f for f, _ in message.locations if f.endswith((".md", ".ipynb"))]
        if message.id and not pages:
            del catalog[message.id]
    with pot.open("wb") as handle:
        write_po(handle, catalog, width=0)


def update_catalogs(
    lang: str = "zh", pot: Path = BUILD / "gettext", locales: Path = LOCALES
) -> int:
    """Extract the English messages into ``pot`` and merge them into ``locales/<code>``."""
    status = sphinx_build("gettext", pot)
    if status:
        return status
    for path in pot.rglob("*.pot"):
        drop_docstrings(path)
    code = LANGUAGES[lang][0]
    cmd = [sys.executable, "-m", "sphinx_intl", "update", "-p", str(pot), "-d", str(locales)]
    cmd += ["-l", code, "-w", "0"]
    return subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["html", "catalogs"])
    parser.add_argument("--lang", choices=sorted(LANGUAGES), default="en")
    parser.add_argument("--out", type=Path, help="where the site goes (default: _build/html[/zh])")
    parser.add_argument("-W", dest="strict", action="store_true", help="warnings are errors")
    args = parser.parse_args(argv)
    if args.what == "catalogs":
        return update_catalogs("zh")
    out = args.out or output_dir(args.lang)
    return sphinx_build("html", out.resolve(), args.lang, args.strict)


if __name__ == "__main__":
    sys.exit(main())
