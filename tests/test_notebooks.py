"""Static checks on every notebook: how it is stored and how it starts.

(Executing the notebooks is nbval's job: `make test` runs it over chapters/,
solutions/ and exercises/.)
"""

from __future__ import annotations

import ast
import re

import pytest
import yaml

from conftest import REPO, all_notebooks, read_notebook

NOTEBOOKS = all_notebooks()
IDS = [str(p.relative_to(REPO)) for p in NOTEBOOKS]

COLAB_CELL = '''\
# Colab: install the course's helper package from the repository (does nothing elsewhere).
import subprocess
import sys

if "google.colab" in sys.modules:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "git+{url}"],
        check=True,
    )'''


def code_cells(notebook: dict) -> list[dict]:
    return [c for c in notebook["cells"] if c["cell_type"] == "code"]


def source(cell: dict) -> str:
    text = cell["source"]
    return text if isinstance(text, str) else "".join(text)


def test_there_are_chapters():
    assert any(p.parent.name == "chapters" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_stored_without_outputs(path):
    for cell in code_cells(read_notebook(path)):
        assert cell.get("outputs") == [], f"{path.name}: a code cell has stored outputs"
        assert cell.get("execution_count") is None, f"{path.name}: a code cell has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_first_code_cell_installs_svdlab_from_the_configured_repository(path, book_config):
    first = code_cells(read_notebook(path))[0]
    assert source(first) == COLAB_CELL.format(url=book_config["repository"]["url"])
    assert "remove-cell" in first["metadata"].get("tags", [])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_kernel_is_python3(path):
    assert read_notebook(path)["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_code_is_plain_python_and_reads_no_repository_file(path):
    """Every cell parses as Python (no %magics) and opens no file by a relative path."""
    for cell in code_cells(read_notebook(path)):
        code = source(cell)
        ast.parse(code)
        assert not re.search(r"""(open|read_csv|imread|load|Path)\(\s*["'](\.\.?/|data/|[\w-]+/)""", code), (
            f"{path.name} reads a file by relative path; in Colab only the notebook is there"
        )


def _toc_files(toc: dict) -> set[str]:
    files = set()
    for part in toc.get("parts", []):
        for chapter in part.get("chapters", []):
            files.add(chapter["file"])
    return files


def test_every_chapter_is_in_the_table_of_contents():
    toc = _toc_files(yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8")))
    for path in (REPO / "chapters").glob("*.ipynb"):
        assert f"chapters/{path.stem}" in toc


def test_colab_launch_button_is_configured(book_config):
    assert book_config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert book_config["repository"]["url"].startswith("https://github.com/")
