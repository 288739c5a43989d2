"""Turn the chapters' text (chapters/NAME.md) into executed notebooks (book/NAME.ipynb).

Usage: python tools/run_notebooks.py [NAME ...]   (default: every chapter; NAME as in
chapters/NAME.md, or a path to either file of the pair)

For each chapter: read the MyST text with jupytext, write the notebook, format its code
with ruff, execute it with the book's seeds (KLCOURSE_TRAIN_SEED is removed), merge
consecutive prints into one output, and write the notebook with its outputs. The text
is then rewritten from the notebook, so that both files hold exactly the same cells
(ruff may have reformatted code). `make test` checks that the pairs match and that a
fresh execution reproduces the stored outputs. Prints each chapter's execution time.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
TEXT_DIR = ROOT / "chapters"
BOOK_DIR = ROOT / "book"
# The same options as jupytext.toml, given explicitly so that the library calls match the CLI.
TEXT_FORMAT = {
    "extension": ".md",
    "format_name": "myst",
    "notebook_metadata_filter": "-all",
    "cell_metadata_filter": "-execution",
}
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
# One thread for BLAS and torch (no oversubscription), no progress bars in stored outputs,
# the book's own training seeds, and claims about training runs checked strictly.
ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "TQDM_DISABLE": "1",
    "KLCOURSE_STRICT_CLAIMS": "1",
}


def read_text(path: Path) -> nbformat.NotebookNode:
    """The chapter's text as an (unexecuted) notebook with stable cell ids."""
    nb = jupytext.read(path, fmt=TEXT_FORMAT)
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    seen: dict[str, int] = {}
    for cell in nb.cells:
        digest = hashlib.sha1(cell.source.encode()).hexdigest()[:10]
        seen[digest] = seen.get(digest, 0) + 1
        cell.id = f"c{digest}-{seen[digest]}"
    return nb


def merge_streams(outputs: list) -> list:
    """Consecutive stdout (or stderr) outputs of a cell become one output, as one block."""
    merged: list = []
    for out in outputs:
        last = merged[-1] if merged else None
        if (
            out.get("output_type") == "stream"
            and last is not None
            and last.get("output_type") == "stream"
            and last.get("name") == out.get("name")
        ):
            last["text"] += out["text"]
        else:
            merged.append(out)
    return merged


def build(name: str) -> float:
    text, notebook = TEXT_DIR / f"{name}.md", BOOK_DIR / f"{name}.ipynb"
    formatted = subprocess.run(  # ruff reads the project's settings for this path
        [sys.executable, "-m", "ruff", "format", "-q", "--stdin-filename", str(notebook), "-"],
        input=nbformat.writes(read_text(text)),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    nb = nbformat.reads(formatted, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(BOOK_DIR)}},
    )
    client.execute()
    elapsed = time.perf_counter() - start
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = merge_streams(cell.outputs)
    nbformat.write(nb, notebook)
    jupytext.write(nb, text, fmt=TEXT_FORMAT)
    return elapsed


def chapter_name(arg: str) -> str:
    name = Path(arg).stem
    if not (TEXT_DIR / f"{name}.md").exists():
        raise SystemExit(f"no chapter text {TEXT_DIR / (name + '.md')} for argument {arg!r}")
    return name


def main(argv: list[str]) -> None:
    os.environ.update(ENV)
    os.environ.pop("KLCOURSE_TRAIN_SEED", None)
    names = [chapter_name(a) for a in argv] or sorted(p.stem for p in TEXT_DIR.glob("*.md"))
    for name in names:
        print(f"{name:32s} {build(name):6.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
