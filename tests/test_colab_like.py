"""The Colab-like kernel that `make test` runs the notebooks in (tools/colab_env.py).

nbval executes every notebook once, in the kernel ``klcourse-colab``: a Python with
Colab's preinstalled stack and klcourse from a freshly built wheel, never from the
repository. These tests check that environment itself: klcourse comes from the wheel,
every module of the package made it into the wheel, and the notebooks need nothing
from the repository but what they import. (Before, each notebook was executed a second
time here; now the single nbval execution is the Colab-like one.)
"""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import klcourse
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
from colab_env import KERNEL_NAME, build


def jupyter_paths() -> list[Path]:
    return [Path(p) for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]


@pytest.fixture(scope="module")
def colab_python(tmp_path_factory) -> Path:
    """The kernel's python that `make test` prepared; built here when pytest runs alone."""
    for path in jupyter_paths():
        spec = path / "kernels" / KERNEL_NAME / "kernel.json"
        if spec.exists():
            return Path(json.loads(spec.read_text())["argv"][0])
    return build(tmp_path_factory.mktemp("colab"))


def run(python: Path, code: str, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [str(python), "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def test_klcourse_comes_from_the_wheel(colab_python, tmp_path):
    origin = run(colab_python, "import klcourse; print(klcourse.__file__)", tmp_path).strip()
    assert not origin.startswith(str(ROOT / "klcourse")), origin  # not the repository's copy
    assert str(colab_python.parents[1]) in origin and "site-packages" in origin, origin


def test_every_module_is_in_the_wheel(colab_python, tmp_path):
    modules = sorted(
        m.name for m in pkgutil.walk_packages(klcourse.__path__, "klcourse.") if "._" not in m.name
    )
    assert "klcourse.lm.models" in modules and "klcourse.claims" in modules
    code = f"import importlib\nfor m in {modules!r}: importlib.import_module(m)\nprint('ok')"
    assert run(colab_python, code, tmp_path).strip() == "ok"


def test_make_test_runs_nbval_in_the_colab_kernel():
    makefile = (ROOT / "Makefile").read_text()
    assert f"--nbval-kernel-name {KERNEL_NAME}" in makefile
    assert "tools/colab_env.py" in makefile and "JUPYTER_PATH" in makefile
