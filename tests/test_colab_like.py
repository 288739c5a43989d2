"""Run the chapters the way Colab does: klcourse from a wheel, no repository in sight.

A fresh virtual environment outside the repository gets the third-party packages
that Colab already has (borrowed from the test environment through a .pth file)
and klcourse installed from a freshly built wheel. Each chapter notebook is copied
alone into an empty directory and executed there. Any notebook that reads a file
from the repository, or any klcourse module missing from the wheel, fails here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import venv
from pathlib import Path

import pytest

from tests.conftest import CHAPTERS, ROOT

RUNNER = textwrap.dedent(
    """
    import sys, nbformat, klcourse
    from nbclient import NotebookClient
    print("klcourse from", klcourse.__file__)
    nb = nbformat.read(sys.argv[1], as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3").execute(cwd=sys.argv[2])
    print("ok")
    """
)


@pytest.fixture(scope="module")
def colab_python(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("colab")
    wheels = base / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        check=True,
        timeout=300,
    )
    env_dir = base / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            text=True,
        ).strip()
    )
    # The preinstalled stack (numpy, scipy, torch, jupyter...), but not the repository:
    # path entries in a .pth file are added without processing the .pth files they
    # contain, so the editable install of klcourse in the test environment is invisible.
    (site / "colab_stack.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheel = next(wheels.glob("klcourse-*.whl"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        timeout=300,
    )
    return python


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_runs_alone_from_the_wheel(colab_python, nb, tmp_path):
    work = tmp_path / "content"  # Colab's working directory holds nothing of ours
    work.mkdir()
    copy = work / nb.name
    shutil.copy(nb, copy)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["OMP_NUM_THREADS"] = "1"
    proc = subprocess.run(
        [str(colab_python), "-c", RUNNER, str(copy), str(work)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    origin = proc.stdout.splitlines()[0]
    assert str(ROOT) not in origin and "site-packages" in origin, origin
    assert sorted(p.name for p in work.iterdir()) == [nb.name], "the notebook wrote files"
