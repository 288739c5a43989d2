"""A Colab-like Python for the notebooks: klcourse from a wheel, no repository in sight.

Usage: python tools/colab_env.py [DIR]   (default: .colab)

Builds a wheel of klcourse and a virtual environment DIR/venv that has Colab's
preinstalled stack (numpy, scipy, torch, jupyter, ...: borrowed from the running
environment through a .pth file) and klcourse from that wheel only. Registers it as
the Jupyter kernel ``klcourse-colab`` under DIR/share/jupyter. `make test` points
JUPYTER_PATH there and runs nbval with that kernel, so each notebook is executed once,
the way Colab would run it: a module missing from the wheel, or a notebook that imports
the repository's files, fails the test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KERNEL_NAME = "klcourse-colab"


def site_packages(python: Path) -> Path:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return Path(subprocess.check_output([str(python), "-c", code], text=True).strip())


def build(target: Path) -> Path:
    """Create (afresh) the environment and kernel under ``target``; return its python."""
    if target.exists():
        shutil.rmtree(target)
    wheels = target / "wheels"
    pip = [sys.executable, "-m", "pip"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)], check=True, timeout=300
    )
    env_dir = target / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = site_packages(python)
    # The preinstalled stack, but not the repository: path entries in a .pth file are
    # added without processing the .pth files they contain, so the editable install of
    # klcourse in the running environment stays invisible.
    (site / "colab_stack.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheel = next(wheels.glob("klcourse-*.whl"))
    subprocess.run(
        [*pip, "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        timeout=300,
    )
    spec_dir = target / "share" / "jupyter" / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (Colab-like, klcourse from a wheel)",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n")
    return python


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / ".colab"
    print(f"Colab-like kernel {KERNEL_NAME!r}: {build(out.resolve())}")
