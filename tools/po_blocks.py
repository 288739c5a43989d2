"""Translate a catalog as plain text blocks, with no PO escaping to get wrong.

    python tools/po_blocks.py dump FILE.po [--todo] > english.txt
    python tools/po_blocks.py fill FILE.po chinese.txt

``dump`` prints each message as a block: a line ``=== N ===`` and then the
English text exactly as the reader's source has it (one backslash in
``\\frac``, plain quotes). ``--todo`` prints only messages without a
translation. ``fill`` reads blocks in the same format, whose text is the
translation of message N, and writes them into the catalog as ``msgstr``
(clearing a fuzzy mark; straight double quotes in Chinese prose become “ ”);
blocks may come in any order and any number, so a catalog can be filled in
several steps. Run ``tools/translations.py FILE.po``
afterwards.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

sys.path.insert(0, str(Path(__file__).resolve().parent))
from translations import chinese_quotes

BLOCK = re.compile(r"^=== (\d+) ===\n", re.M)


def load(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def messages(catalog) -> list:
    return [m for m in catalog if m.id]


def dump(path: Path, todo: bool = False) -> str:
    out = []
    for n, message in enumerate(messages(load(path)), 1):
        if todo and message.string and not message.fuzzy:
            continue
        out.append(f"=== {n} ===\n{message.id}\n")
    return "".join(out)


def parse_blocks(text: str) -> dict[int, str]:
    parts = BLOCK.split(text)
    return {
        int(n): body.strip()
        for n, body in zip(parts[1::2], parts[2::2], strict=True)
        if body.strip()
    }


def fill(path: Path, blocks: dict[int, str]) -> int:
    catalog = load(path)
    listed = messages(catalog)
    for n, text in blocks.items():
        if not 1 <= n <= len(listed):
            raise ValueError(f"block {n}: the catalog has messages 1..{len(listed)}")
        listed[n - 1].string = chinese_quotes(text)
        listed[n - 1].flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=0)
    return len(blocks)


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "dump":
        sys.stdout.write(dump(Path(argv[1]), "--todo" in argv))
        return 0
    if len(argv) == 3 and argv[0] == "fill":
        blocks = parse_blocks(Path(argv[2]).read_text(encoding="utf-8"))
        print(f"filled {fill(Path(argv[1]), blocks)} messages")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
