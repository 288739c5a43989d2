"""Summarise a `mutmut run` (the `mutants/` folder) per module: killed, survived, score.

    python tools/mutation_report.py [--survivors]

The score is the share of mutants the tests detect: killed, or timed out (a mutant
that makes the code loop or crawl is caught by the time limit). Mutants that no test
reaches count against the score. ``--survivors`` lists the mutants that survived, for
``mutmut show NAME``. Exit status 1 when the total is below --target (default 0.95).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DETECTED = {"killed", "timeout", "caught by type check", "segfault"}


def status(code: int | None) -> str:
    from mutmut.stats import status_by_exit_code  # mutmut reads pyproject.toml: run from ROOT

    return status_by_exit_code[code]


def collect(mutants: Path) -> dict[str, dict[str, str]]:
    out = {}
    for meta in sorted(mutants.glob("klcourse/**/*.py.meta")):
        module = str(meta.relative_to(mutants))[: -len(".meta")]
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        checked = {name: status(code) for name, code in codes.items() if code is not None}
        if checked:  # a run restricted to some mutants leaves the others unchecked
            out[module] = checked
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--survivors", action="store_true")
    parser.add_argument("--target", type=float, default=0.95)
    args = parser.parse_args()
    results = collect(ROOT / "mutants")
    if not results:
        print("no results: run `make mutation` (or `mutmut run`) first")
        return 1
    print("| module | mutants | killed | timeout | survived | no tests | other | score |")
    print("|---|---|---|---|---|---|---|---|")
    total = Counter()
    for module, by_name in results.items():
        c = Counter(by_name.values())
        total.update(c)
        print(row(module, c))
    print(row("**all**", total))
    if args.survivors:
        print()
        for by_name in results.values():
            for name, s in by_name.items():
                if s not in DETECTED:
                    print(f"{s:10s} {name}")
    n = sum(total.values())
    return 0 if n and sum(total[s] for s in DETECTED) / n >= args.target else 1


def row(module: str, c: Counter) -> str:
    n = sum(c.values())
    detected = sum(c[s] for s in DETECTED)
    known = {"killed", "timeout", "survived", "no tests"}
    other = sum(v for k, v in c.items() if k not in known)
    return (
        f"| {module} | {n} | {c['killed']} | {c['timeout']} | {c['survived']} "
        f"| {c['no tests']} | {other} | {detected / n:.1%} |"
    )


if __name__ == "__main__":
    sys.exit(main())
