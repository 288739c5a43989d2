"""Test-session set-up that applies to every test, notebooks (nbval) included.

- Notebook kernels inherit this environment: no progress bars, one BLAS thread, and a
  claim about a training run (klcourse.claim) that fails raises instead of printing.
- Hypothesis runs without a wall-clock deadline (a busy machine is not a failure), and
  derandomized in CI.
- With KLCOURSE_TRAIN_SEED shifted, a notebook cell declared training-dependent must
  change (see pytest_runtest_call).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from tests.training_cells import TRAINING_TAG, declared_but_unchanged, seed_shifted

# Notebook kernels inherit this environment: no progress bars, one BLAS thread, and a
# claim about a training run that fails raises instead of printing a note.
os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("KLCOURSE_STRICT_CLAIMS", "1")
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

# No wall-clock deadline: a busy machine (CI, two workers on two cores) is not a failure.
# Locally every run explores new examples; in CI (CI=true) the examples are derandomized,
# so that a CI result can be reproduced exactly (set HYPOTHESIS_PROFILE to override).
settings.register_profile("klcourse", deadline=None, print_blob=True)
settings.register_profile("ci", parent=settings.get_profile("klcourse"), derandomize=True)
_default_profile = "ci" if os.environ.get("CI", "").lower() in ("1", "true") else "klcourse"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", _default_profile))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """With KLCOURSE_TRAIN_SEED shifted, a cell declared training-dependent must change.

    nbval already proves the other half: every cell *not* declared is compared exactly
    with its stored output, so a shifted seed that changed it fails the run. Together
    they show the declaration is exactly the set of cells that depend on training.
    """
    result = yield
    cell = getattr(item, "cell", None)
    fresh = getattr(item, "test_outputs", None)
    if cell is None or fresh is None or not seed_shifted():
        return result
    if declared_but_unchanged(cell, fresh):
        raise AssertionError(
            f"cell {item.name} is tagged {TRAINING_TAG!r}, but with "
            f"KLCOURSE_TRAIN_SEED={os.environ['KLCOURSE_TRAIN_SEED']} its output is "
            "identical to the stored one: it does not depend on training (remove the tag "
            "and nbval-ignore-output), or it does not use klcourse.train_seed"
        )
    return result


_BOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "book")


def _book_files() -> set[str]:
    return {os.path.relpath(os.path.join(d, f), _BOOK) for d, _, fs in os.walk(_BOOK) for f in fs}


def pytest_sessionstart(session):
    session.config._klcourse_book_files = _book_files()


def pytest_sessionfinish(session, exitstatus):
    """Notebooks run with book/ as their working directory: they must write nothing there."""
    if hasattr(session.config, "workerinput") or not session.config.getoption("nbval", False):
        return
    new = sorted(_book_files() - session.config._klcourse_book_files)
    new = [f for f in new if "__pycache__" not in f]
    if new:
        session.config.get_terminal_writer().line(
            f"FAILED: executing the notebooks wrote files into book/: {new}", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
