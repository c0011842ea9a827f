"""Every notebook runs the way Google Colab runs it.

For each notebook: the notebook alone in an empty directory; a Python environment with only
what Colab preinstalls and *not* svdlab; ``google.colab`` imported when the kernel starts (a
stand-in package); and git configured (``url.<checkout>.insteadOf``, in a temporary global
git config) to fetch the repository URL of ``_config.yml`` from this checkout. The
notebook's own first cell must install svdlab from that URL, and the notebook must run to
the end (exercises: past the install; their unanswered cells may raise).

pip clones the repository, so a notebook here sees the *committed* svdlab (HEAD of this
checkout), as Colab sees what was pushed: commit src/ changes before this test can see them.

The environment is built once (``_build/colab-venv``, about 1 GB, rebuilt when
constraints.txt changes); after each notebook whatever its install added is uninstalled.
Installs use ``PIP_CONSTRAINT=constraints.txt`` so that the test does not change with PyPI's
newest releases; Colab itself installs the newest versions allowed by pyproject.toml.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from conftest import REPO, all_notebooks

NOTEBOOKS = all_notebooks()
COLAB_VENV = REPO / "_build" / "colab-venv"
CONSTRAINTS = REPO / "constraints.txt"
# What Colab preinstalls that the course uses, and what runs its notebooks.
COLAB_PACKAGES = ["torch", "numpy", "matplotlib", "scikit-learn", "pillow", "ipykernel", "ipywidgets"]
BASELINE = COLAB_VENV / "colab-packages.txt"


def venv_python() -> Path:
    return COLAB_VENV / "bin" / "python"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed(python: Path) -> set[str]:
    """The distributions installed in `python`'s environment (faster than pip list)."""
    probe = "import importlib.metadata as m\nfor d in m.distributions():\n    print(d.metadata['Name'])"
    out = subprocess.run([str(python), "-c", probe], check=True, capture_output=True, text=True).stdout
    return {canonical(name) for name in out.split()}


@contextlib.contextmanager
def colab_venv_lock():
    """One simulated-Colab user of the shared environment at a time (across pytest sessions)."""
    COLAB_VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(COLAB_VENV.parent / "colab-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_colab_venv() -> None:
    """Create the Colab-like environment unless the cached one matches constraints.txt."""
    key = hashlib.sha256(
        CONSTRAINTS.read_bytes() + " ".join(COLAB_PACKAGES).encode() + sys.version.encode()
    ).hexdigest()
    stamp = COLAB_VENV / "colab-key.txt"
    if stamp.is_file() and stamp.read_text() == key and venv_python().is_file():
        return
    shutil.rmtree(COLAB_VENV, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(COLAB_VENV)], check=True)
    pip = [str(venv_python()), "-m", "pip", "install", "--quiet", "-c", str(CONSTRAINTS)]
    # torch first and pinned, as in the Makefile: the CPU wheel on disk, not a CUDA download.
    subprocess.run([*pip, "torch"], check=True)
    subprocess.run([*pip, *COLAB_PACKAGES], check=True)
    BASELINE.write_text("\n".join(sorted(installed(venv_python()))) + "\n")
    stamp.write_text(key)


def restore_colab_venv() -> None:
    """Uninstall what a notebook installed (svdlab and the dependencies Colab lacks)."""
    added = installed(venv_python()) - {canonical(name) for name in BASELINE.read_text().split()}
    if added:
        subprocess.run([str(venv_python()), "-m", "pip", "uninstall", "--quiet", "-y", *sorted(added)], check=True)


@pytest.fixture(scope="session")
def colab(tmp_path_factory, book_config) -> dict:
    """The kernelspec, git configuration and stand-in google.colab shared by every notebook."""
    root = tmp_path_factory.mktemp("colab")
    fake = root / "site" / "google" / "colab"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('"""Stand-in for Colab\'s google.colab (tests/test_colab.py)."""\n')
    gitconfig = root / "gitconfig"
    url = book_config["repository"]["url"]
    gitconfig.write_text(
        f'[url "file://{REPO}"]\n\tinsteadOf = {url}\n'
        f"[safe]\n\tdirectory = {REPO}\n\tdirectory = {REPO}/.git\n"
    )
    kernels = root / "kernels"
    (kernels / "colab").mkdir(parents=True)
    (kernels / "colab" / "kernel.json").write_text(json.dumps({
        "argv": [str(venv_python()), "-m", "ipykernel_launcher", "-f", "{connection_file}",
                 # Colab has google.colab imported before the first cell runs.
                 "--IPKernelApp.exec_lines=import google.colab as _colab; del _colab"],
        "display_name": "Python 3 (simulated Colab)",
        "language": "python",
    }))
    dropped = {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "MPLBACKEND", "JUPYTER_PATH", "IPYTHONDIR"}
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith(("GIT_", "PIP_"))}
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and Path(p).resolve() != Path(sys.executable).parent.resolve()]
    env.update({
        "PATH": os.pathsep.join([str(COLAB_VENV / "bin"), *path]),
        "PYTHONPATH": str(root / "site"),
        "PYTHONNOUSERSITE": "1",
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "PIP_CONSTRAINT": str(CONSTRAINTS),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_INPUT": "1",
    })
    # Keep pip's own settings for where packages come from (mirrors, local wheels).
    env.update({k: v for k, v in os.environ.items() if k in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CERT")})
    return {"kernels": kernels, "env": env, "url": url}


def errors(notebook) -> list[tuple[int, str, str]]:
    return [(i, out.ename, out.evalue) for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"
            for out in cell.get("outputs", []) if out.output_type == "error"]


def svdlab_origin() -> str | None:
    """The URL pip recorded for the installed svdlab, or None when svdlab is not installed."""
    probe = ("import importlib.metadata as m, json\n"
             "try:\n    print(json.loads(m.distribution('svdlab').read_text('direct_url.json'))['url'])\n"
             "except m.PackageNotFoundError:\n    print('')\n")
    out = subprocess.run([str(venv_python()), "-c", probe], check=True, capture_output=True, text=True).stdout.strip()
    return out or None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(REPO)) for p in NOTEBOOKS])
def test_notebook_runs_in_a_simulated_colab(path, colab, tmp_path):
    notebook = nbformat.read(path, as_version=4)
    workdir = tmp_path / "content"
    workdir.mkdir()
    shutil.copy(path, workdir / path.name)
    exercise = path.parent.name == "exercises"
    failure = None
    with colab_venv_lock():
        ensure_colab_venv()
        restore_colab_venv()
        assert svdlab_origin() is None, "svdlab is preinstalled in the simulated Colab"
        try:
            km = KernelManager(kernel_name="colab", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(colab["kernels"])]))
            # Unanswered exercises raise by design: run them to the end and judge the errors below.
            client = NotebookClient(notebook, km=km, timeout=600, allow_errors=exercise,
                                    resources={"metadata": {"path": str(workdir)}})
            try:
                client.execute(env=colab["env"])
            except CellExecutionError as error:
                failure = error
            origin = svdlab_origin()
        finally:
            restore_colab_venv()
    hint = " (pip clones the committed HEAD of this checkout: are the svdlab changes it needs committed?)"
    assert origin == colab["url"], f"the first cell did not install svdlab from {colab['url']} (installed: {origin}){hint}"
    assert failure is None, f"{path.name} failed in the simulated Colab{hint}:\n{failure}"
    if exercise:
        first_code = next(i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code")
        bad = [f for f in errors(notebook) if f[0] == first_code or f[1] in ("ImportError", "ModuleNotFoundError")]
        assert not bad, f"{path.name} failed in the simulated Colab{hint}: {bad}"
