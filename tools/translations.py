"""Check the translation catalogs: ``python tools/translations.py [FILE.po ...]``.

A message passes when it is translated, not fuzzy, not a copy of its English
(formulas, code and names aside) and keeps everything that must not change:
its formulas, inline code, cross-references, citations, link targets and every
number of the English text. Prints one line per problem and exits 1 if any;
with no files it checks every catalog under ``locales``. ``make test`` runs
the same checks on catalogs freshly merged from the current English text
(tests/test_translations.py), so English text that changed since the last
translation fails there.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = ROOT / "locales" / "zh_CN" / "LC_MESSAGES"

MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+\$", re.S)
ROLE = re.compile(r"\{([\w:.-]+)\}`([^`]*)`")
CODE = re.compile(r"(`+)(.+?)\1")
TEX = re.compile(r"\\(?:begin|end)\{[^}]*\}|\\[A-Za-z]+")
LINK = re.compile(r"\]\(([^)\s]+)\)")
NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")
# An English word: three or more lower-case letters (names and acronyms are
# capitalised, so a message made of names alone may stay as it is).
WORD = re.compile(r"(?<![A-Za-z])[a-z]{3,}(?![A-Za-z])")
CJK = re.compile(r"[\u3400-\u9fff]")


def _role_target(content: str) -> str:
    """The part of a role that must not change: ``<label>`` or all of it."""
    match = re.search(r"<([^<>]+)>\s*$", content)
    return match.group(1) if match else content


def _prose(text: str) -> str:
    """``text`` without formulas, roles, code, link targets and TeX commands.

    A display formula is a message of its own, without dollar signs; its TeX
    commands (``\\log``, ``\\begin{aligned}``) are not English words.
    """
    for pattern in (MATH, ROLE, CODE, LINK, TEX):
        text = pattern.sub(" ", text)
    return re.sub(r"https?://\S+", " ", text)


# formulas, roles, inline code and link targets, without groups (CODE's
# back-reference would point at another group inside one combined pattern)
PROTECTED = re.compile(
    r"\$\$.+?\$\$|\$[^$]+\$|\{[\w:.-]+\}`[^`]*`|``.+?``|`[^`]+`|\]\([^)\s]+\)", re.S
)


def chinese_quotes(text: str) -> str:
    """Straight double quotes in the prose of ``text`` become “ and ”, in turn.

    Formulas, code, roles and link targets are left as they are. (Docutils'
    smart quotes cannot tell an opening quote after a Chinese character.)
    """
    out, pos, opening = [], 0, True
    for match in [*PROTECTED.finditer(text), None]:
        end = match.start() if match else len(text)
        for char in text[pos:end]:
            if char == '"':
                char, opening = ("“" if opening else "”"), not opening
            out.append(char)
        if match:
            out.append(match.group(0))
            pos = match.end()
    return "".join(out)


def fixed_parts(text: str) -> Counter:
    """What a translation must keep: formulas, code, references, links, numbers."""
    parts: Counter = Counter()
    for math in MATH.findall(text):
        # words inside \text{...} are prose and may be translated
        parts["math:" + ("\\text" if "\\text" in math else math)] += 1
    for role, content in ROLE.findall(text):
        translatable = role in {"ref", "numref", "doc", "prf:ref", "eq"}
        target = _role_target(content) if translatable else content
        parts[f"role:{role}:{target}"] += 1
    rest = ROLE.sub(" ", MATH.sub(" ", text))
    for _, code in CODE.findall(rest):
        parts["code:" + code] += 1
    for url in LINK.findall(text):
        parts["link:" + url] += 1
    return parts


def numbers(text: str) -> Counter:
    """The numbers written in the prose of ``text``."""
    return Counter(NUMBER.findall(_prose(text)))


def message_problems(msgid: str, msgstr: str, fuzzy: bool = False) -> list[str]:
    """Why the translation ``msgstr`` of ``msgid`` is not acceptable (empty: it is)."""
    if not msgstr:
        return ["untranslated"]
    problems = ["fuzzy"] if fuzzy else []
    english = WORD.findall(_prose(msgid))
    if english and not CJK.search(msgstr):
        problems.append("no Chinese in a message with English words " + repr(english[:3]))
    want, got = fixed_parts(msgid), fixed_parts(msgstr)
    if want != got:
        lost, added = want - got, got - want
        problems.append(
            f"changed formulas/code/references: lost {sorted(lost)}, added {sorted(added)}"
        )
    if CJK.search(msgstr) and '"' in PROTECTED.sub(" ", msgstr):
        problems.append("straight quotes in Chinese text: use “ and ” (po_blocks fill does)")
    missing = numbers(msgid) - numbers(msgstr)
    if missing:
        problems.append(f"numbers of the English text missing: {sorted(missing)}")
    return problems


def catalog_problems(path: Path) -> list[str]:
    """One line per problem in the catalog at ``path``."""
    with path.open("rb") as handle:
        catalog = read_po(handle)
    lines = []
    for message in catalog:
        if not message.id:
            continue
        for problem in message_problems(message.id, message.string, message.fuzzy):
            where = message.locations[0] if message.locations else ("?", 0)
            lines.append(f"{path.name}:{where[1]}: {problem}: {message.id[:70]!r}")
    return lines


def message_count(path: Path) -> int:
    """How many messages the catalog at ``path`` holds."""
    with path.open("rb") as handle:
        return sum(1 for message in read_po(handle) if message.id)


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(CATALOGS.rglob("*.po"))
    lines = [line for path in paths for line in catalog_problems(path)]
    print("\n".join(lines) if lines else f"{len(paths)} catalogs: no problems")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
