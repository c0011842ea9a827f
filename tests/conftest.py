"""Shared paths and facts about the repository, for every test module."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typing import Any, Callable, NamedTuple

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_DIRS = ("chapters", "solutions", "exercises")


def all_notebooks() -> list[Path]:
    """Every notebook of the course, in a stable order."""
    return sorted(p for d in NOTEBOOK_DIRS for p in (REPO / d).glob("*.ipynb"))


def read_notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def book_config() -> dict:
    return yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))


def jupyter_book_build(*extra: str) -> subprocess.CompletedProcess:
    """Build the book from scratch with warnings as errors; return the finished process."""
    command = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(REPO), "-W", "-n", "--keep-going", "--all", *extra]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=1800)


@pytest.fixture(scope="session")
def student_book() -> Path:
    """The student edition, built once per test session into _build/html."""
    result = jupyter_book_build()
    assert result.returncode == 0, f"book build failed:\n{result.stdout[-5000:]}\n{result.stderr[-5000:]}"
    return REPO / "_build" / "html"


class BadInput(NamedTuple):
    """One row of a bad-input table: calling ``function(*args, **kwargs)`` must raise
    ``error`` with a message naming ``parameter`` (quoted, as in ``'A'``)."""

    function: Callable[..., Any]
    args: tuple
    kwargs: dict
    error: type
    parameter: str

    @property
    def id(self) -> str:
        return f"{self.function.__qualname__}-{self.parameter}-{self.error.__name__}"
