"""Shared fixtures: paths, and one clean, warning-free build of the book per session.

The test environment, hypothesis profile and the check of training-dependent notebook
cells live in the repository's root conftest.py, so that they apply to the notebooks too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK_DIR = ROOT / "book"
TEXT_DIR = ROOT / "chapters"
CHAPTERS = sorted(BOOK_DIR.glob("*.ipynb"))


def _build_log(cmd: list[str], what: str) -> str:
    """Run a book build; fail with the end of its log if it fails, else return the log."""
    proc = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"},
        timeout=900,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{what} failed:\n{log[-6000:]}"
    return log


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> tuple[Path, str]:
    """Build the book from scratch with warnings as errors; return (html dir, log)."""
    out = tmp_path_factory.mktemp("book")
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(ROOT), "--path-output", str(out), "-W", "-n", "--keep-going"]
    return out / "_build" / "html", _build_log(cmd, "book build")


@pytest.fixture(scope="session")
def built_zh_book(built_book) -> tuple[Path, str]:
    """The Chinese edition, built into the English site's zh/ with warnings as errors."""
    html, _ = built_book
    script = str(ROOT / "tools" / "build_book.py")
    cmd = [sys.executable, script, "html", "--lang", "zh", "-W", "--out", str(html / "zh")]
    return html / "zh", _build_log(cmd, "Chinese build")
