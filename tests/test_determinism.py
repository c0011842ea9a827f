"""A chapter run twice prints the same text, numbers included.

The first run is the one the book build made (``_build/jupyter_execute/chapters/``, from
the ``student_book`` fixture); the second runs here, in a fresh kernel. Cell by cell, the
stdout text and the ``text/plain`` results must be identical. Cells tagged
``nondeterministic`` (measured timings) are skipped; memory addresses in reprs
(``<... at 0x7f...>``) are not numbers of the course and are masked.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import REPO

CHAPTERS = sorted((REPO / "chapters").glob("*.ipynb"))
ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")


def text_outputs(notebook) -> list[tuple[int, str]]:
    """(cell index, stdout text + text/plain results) of every code cell not tagged nondeterministic."""
    texts = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or "nondeterministic" in cell.metadata.get("tags", []):
            continue
        # Printed text and results apart: how they interleave depends on when stdout is flushed.
        printed, results = [], []
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and output.name == "stdout":
                printed.append(output.text)
            elif output.output_type in ("execute_result", "display_data") and "text/plain" in output.get("data", {}):
                results.append("[" + ADDRESS.sub("0x…", output.data["text/plain"]) + "]")
            elif output.output_type == "error":
                results.append(f"[error {output.ename}: {output.evalue}]")
        texts.append((index, "".join(printed) + "\n".join(results)))
    return texts


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_a_second_run_prints_the_same_text(path, student_book):
    built = student_book.parent / "jupyter_execute" / "chapters" / path.name
    assert built.is_file(), f"the book build left no executed copy of {path.name}"
    first = nbformat.read(built, as_version=4)
    second = nbformat.read(path, as_version=4)
    # As the book build runs it: the notebook's own folder as working directory.
    NotebookClient(second, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    before, after = text_outputs(first), text_outputs(second)
    assert [i for i, _ in before] == [i for i, _ in after], "the two runs have different cells"
    assert any(text.strip() for _, text in before), f"{path.name} printed nothing to compare"
    for (index, one), (_, two) in zip(before, after):
        assert one == two, f"{path.name}, cell {index}: the output changed between two runs\nfirst:\n{one}\nsecond:\n{two}"
