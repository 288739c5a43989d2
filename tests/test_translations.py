"""The Chinese edition: catalogs complete for the current English, a clean build.

The catalogs are merged afresh from the English pages and notebooks here (in a
temporary copy), so English text added or changed since the last translation
shows up as untranslated or fuzzy and fails the test: translate it before it
lands (README, "Adding a chapter").
"""

from __future__ import annotations

import re
import shutil

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from tests.conftest import ROOT
from tools import build_book, po_blocks, translations
from tools.translations import message_problems

CATALOGS = ROOT / "locales" / "zh_CN" / "LC_MESSAGES"


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    """The catalogs after merging the current English text into a copy of them."""
    tmp = tmp_path_factory.mktemp("i18n")
    shutil.copytree(ROOT / "locales", tmp / "locales")
    status = build_book.update_catalogs("zh", pot=tmp / "pot", locales=tmp / "locales")
    assert status == 0
    return tmp / "locales" / "zh_CN" / "LC_MESSAGES"


def test_every_message_of_the_current_english_is_translated(merged):
    paths = sorted(merged.rglob("*.po"))
    problems = [p for path in paths for p in translations.catalog_problems(path)]
    assert problems == [], f"{len(problems)} problems, e.g.\n" + "\n".join(problems[:20])


def test_a_catalog_for_every_page_and_no_stale_one(merged):
    pages = {p.relative_to(merged).with_suffix("").as_posix() for p in merged.rglob("*.po")}
    stored = {p.relative_to(CATALOGS).with_suffix("").as_posix() for p in CATALOGS.rglob("*.po")}
    assert pages == stored
    assert sum(translations.message_count(p) for p in merged.rglob("*.po")) > 900


def test_the_api_docstrings_stay_out_of_the_catalogs():
    text = (CATALOGS / "book" / "api.po").read_text(encoding="utf-8")
    assert "docstring of" not in text
    assert 'msgid "API reference"' in text


@pytest.mark.parametrize(
    ("msgid", "msgstr", "problem"),
    [
        ("The die is fair.", "", "untranslated"),
        ("The die is fair.", "The die is fair.", "no Chinese"),
        ("It is $\\frac16$ each.", "每面 $\\frac{1}{6}$。", "changed formulas"),
        ("Use `kl_terms` here.", "这里用 kl_terms。", "changed formulas"),
        ("See {cite}`kullback1951`.", "见 Kullback。", "changed formulas"),
        ("Read [the page](notation.md).", "读[那页](intro.md)。", "changed formulas"),
        ("It is 0.2426 nats.", "它是 0.2462 奈特。", "numbers"),
    ],
)
def test_a_bad_translation_is_caught(msgid, msgstr, problem):
    assert any(p.startswith(problem) for p in message_problems(msgid, msgstr)), problem


@pytest.mark.parametrize(
    ("msgid", "msgstr"),
    [
        ("It is $\\frac16$, or 0.2426 nats.", "它是 $\\frac16$，即 0.2426 奈特。"),
        ("See {ref}`the proof <prf-gibbs>`.", "见{ref}`证明 <prf-gibbs>`。"),
        ("Kullback–Leibler", "Kullback–Leibler"),  # names alone may stay
        ("TRL, OpenRLHF", "TRL, OpenRLHF"),
        ("$D_{\\mathrm{KL}}(p\\,\\Vert\\,q)$", "$D_{\\mathrm{KL}}(p\\,\\Vert\\,q)$"),
        # a display formula is a message of its own, without dollar signs
        ("\n\\begin{aligned}\nH &= -\\sum_x p\\log p\n\\end{aligned}\n",) * 2,
    ],
)
def test_a_good_translation_passes(msgid, msgstr):
    assert message_problems(msgid, msgstr) == []


def test_a_fuzzy_translation_is_not_done():
    assert message_problems("The die.", "骰子。", fuzzy=True) == ["fuzzy"]


def test_blocks_round_trip_through_a_catalog(tmp_path):
    catalog = Catalog(locale="zh_CN")
    catalog.add('Say "hi" with $\\frac12$.', locations=[("book/x.md", 1)])
    catalog.add("Second.", locations=[("book/x.md", 2)])
    path = tmp_path / "x.po"
    with path.open("wb") as handle:
        write_po(handle, catalog)
    dumped = po_blocks.dump(path)
    assert dumped == '=== 1 ===\nSay "hi" with $\\frac12$.\n=== 2 ===\nSecond.\n'
    po_blocks.fill(path, po_blocks.parse_blocks('=== 1 ===\n说 "hi"，$\\frac12$。\n'))
    assert po_blocks.dump(path, todo=True) == "=== 2 ===\nSecond.\n"
    with pytest.raises(ValueError, match="block 3"):
        po_blocks.fill(path, {3: "三"})


def test_zh_build_has_zero_warnings_and_chinese_pages(built_zh_book):
    html, log = built_zh_book
    assert not re.search(r"WARNING|ERROR", log), log[-4000:]
    page = (html / "book" / "01_entropy.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN"' in page
    assert "熵" in page


def test_straight_quotes_in_chinese_become_chinese_quotes_outside_code():
    text = '说"是 a 吗？"，`x="s"` 与 $a$ 和 {cite}`a"b` "b"'
    assert translations.chinese_quotes(text) == '说“是 a 吗？”，`x="s"` 与 $a$ 和 {cite}`a"b` “b”'
    problems = message_problems('Say "yes".', '说"是"。')
    assert any(p.startswith("straight quotes") for p in problems)
    assert message_problems('Say "yes".', "说“是”。") == []
