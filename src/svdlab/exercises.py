"""Generate the student edition of the exercises (``exercises/``) from ``solutions/``.

Each solution notebook uses nbgrader's markup, so an instructor who already runs nbgrader
can take ``solutions/`` as its source:

- an **answer cell** (code, metadata ``nbgrader.solution: true``, a ``grade_id``) holds one
  or more regions between ``### BEGIN SOLUTION`` and ``### END SOLUTION``;
- a **test cell** (code, ``nbgrader.grade: true``, ``points``, ``locked: true``) starts with
  a docstring naming the exercise, runs the visible checks (:mod:`svdlab.checks`) and may
  hold grading-only asserts between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``;
- an answer cell may list typical mistakes in ``metadata.svdlab.wrong_answers`` (code
  strings): the test suite proves the checks reject them; the student edition drops them.

:func:`student_version` replaces each solution region by a stub and drops hidden tests:

- a region inside a function body becomes ``raise NotImplementedError("Write the body of
  f.")``: defining the function still works, so *Run all* goes on, and the check reports
  the exercise as not answered when it calls the function;
- a region at the top level becomes ``name = ...`` for every name it assigns (except
  scratch names that start with ``_``): the check reports ``...`` as not answered.

The output is deterministic (same input, same bytes), so a test can detect a stale
``exercises/`` by regenerating it. Introduced with the exercises of chapter 1.
"""

from __future__ import annotations

import ast
import copy
import re
import textwrap
from pathlib import Path
from typing import Any, Optional, Union

import nbformat

__all__ = [
    "BEGIN_HIDDEN",
    "BEGIN_SOLUTION",
    "END_HIDDEN",
    "END_SOLUTION",
    "generate_exercises",
    "instructor_toc",
    "notebook_text",
    "student_version",
]

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
_MARKERS = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN)
_DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+(\w+)")
# MyST label definitions: the instructor edition holds both copies of every exercise
# notebook, so a label in one would be defined twice.
_LABELS = re.compile(r"^\([^)\s]+\)=\s*$|^:(?:label|name):|\$\$\s*\([\w:-]+\)", re.M)


def _source(cell: Any) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else str(text)


def _nbgrader(cell: Any) -> dict:
    info = cell.get("metadata", {}).get("nbgrader", {})
    return info if isinstance(info, dict) else {}


def _regions(lines: list[str], begin: str, end: str, where: str) -> list[tuple[int, int]]:
    """``(begin_line, end_line)`` index pairs of the marked regions; checks they pair up."""
    regions, start = [], None
    for number, line in enumerate(lines):
        marker = line.strip()
        if marker == begin:
            if start is not None:
                raise ValueError(f"'notebook' {where}: '{begin}' inside another region (line {number + 1})")
            start = number
        elif marker == end:
            if start is None:
                raise ValueError(f"'notebook' {where}: '{end}' without '{begin}' (line {number + 1})")
            regions.append((start, number))
            start = None
    if start is not None:
        raise ValueError(f"'notebook' {where}: '{begin}' without '{end}' (line {start + 1})")
    return regions


def _bound_names(targets: list[ast.expr]) -> list[str]:
    names = []
    for target in targets:
        if isinstance(target, ast.Name):
            names.append(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            names.extend(_bound_names(list(target.elts)))
    return names


def _assigned_names(code: str, where: str) -> list[str]:
    """Answer names assigned at the top level of ``code`` (not ``_scratch``), in order."""
    try:
        tree = ast.parse(textwrap.dedent(code))
    except SyntaxError as error:
        raise ValueError(f"'notebook' {where}: the solution region is not valid Python: {error}") from None
    names: list[str] = []
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            raise ValueError(
                f"'notebook' {where}: put the `def`/`class` line and its docstring outside the solution "
                "region and only the body inside it, so the exercise keeps the signature"
            )
        if isinstance(statement, ast.Assign):
            names += _bound_names(statement.targets)
        elif isinstance(statement, ast.AnnAssign):
            names += _bound_names([statement.target])
    names = [name for name in dict.fromkeys(names) if not name.startswith("_")]  # "_name": scratch work
    if not names:
        raise ValueError(
            f"'notebook' {where}: a top-level solution region must assign the answer, e.g. `errors = [...]`"
        )
    return names


def _stub(lines: list[str], start: int, stop: int, where: str) -> list[str]:
    """The student's replacement for the solution region ``lines[start..stop]`` (markers included)."""
    indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
    if indent:
        function = None
        for line in reversed(lines[:start]):
            match = _DEF.match(line)
            if match and len(match.group(1)) < len(indent):
                function = match.group(2)
                break
        task = f"Write the body of {function}." if function else "Write the missing code here."
        return [f"{indent}# YOUR CODE HERE", f'{indent}raise NotImplementedError("{task}")']
    names = _assigned_names("\n".join(lines[start + 1 : stop]), where)
    return ["# YOUR ANSWER HERE: replace each ... with your answer.", *(f"{name} = ..." for name in names)]


class _GlobalNames(ast.NodeVisitor):
    """Collect the names a cell binds in the notebook's global namespace."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Store):
            self.names.append(node.id)

    def visit_alias(self, node: ast.alias) -> None:
        self.names.append((node.asname or node.name).split(".")[0])

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.names.append(node.name)
        self.generic_visit(node)

    def _scope(self, node: ast.AST) -> None:  # a new scope: only its own name is global
        name = getattr(node, "name", None)
        if name:
            self.names.append(name)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = _scope
    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _scope


def _top_level_names(code: str, where: str) -> list[str]:
    try:
        tree = ast.parse(code)
    except SyntaxError as error:
        raise ValueError(f"'notebook' {where}: the cell is not valid Python: {error}") from None
    visitor = _GlobalNames()
    visitor.visit(tree)
    return list(dict.fromkeys(visitor.names))


def _student_code_cell(cell: Any, where: str) -> None:
    """Rewrite one code cell in place (answer, test or plain cell) for the student edition."""
    info = _nbgrader(cell)
    wrong = cell.get("metadata", {}).pop("svdlab", {}).get("wrong_answers", [])
    if wrong and (not info.get("solution") or not all(isinstance(w, str) for w in wrong)):
        raise ValueError(f"'notebook' {where}: 'wrong_answers' must be a list of code strings on an answer cell")
    lines = _source(cell).split("\n")
    solutions = _regions(lines, BEGIN_SOLUTION, END_SOLUTION, where)
    hidden = _regions(lines, BEGIN_HIDDEN, END_HIDDEN, where)
    if info.get("solution") and info.get("grade"):
        raise ValueError(f"'notebook' {where}: a cell is an answer cell or a test cell, not both")
    if info.get("solution") or info.get("grade"):
        if not isinstance(info.get("grade_id"), str) or not info["grade_id"]:
            raise ValueError(f"'notebook' {where}: nbgrader metadata needs a 'grade_id'")
    if info.get("solution"):
        if not solutions or hidden:
            raise ValueError(f"'notebook' {where}: an answer cell needs '{BEGIN_SOLUTION}' regions and no hidden tests")
        for start, stop in reversed(solutions):
            lines[start : stop + 1] = _stub(lines, start, stop, where)
    elif info.get("grade"):
        points = info.get("points")
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
            raise ValueError(f"'notebook' {where}: a test cell needs positive 'points', got {points!r}")
        if solutions:
            raise ValueError(f"'notebook' {where}: a test cell must not hold '{BEGIN_SOLUTION}'")
        leaked = [name for name in _top_level_names("\n".join(lines), where) if not name.startswith("_")]
        if leaked:
            raise ValueError(
                f"'notebook' {where}: a test cell may only define names starting with '_' (it must not "
                f"change the student's variables), found {leaked}"
            )
        for start, stop in reversed(hidden):
            del lines[start : stop + 1]
    elif solutions or hidden:
        raise ValueError(f"'notebook' {where}: markers outside an answer or test cell (nbgrader metadata missing?)")
    cell["source"] = "\n".join(lines)
    cell["outputs"] = []
    cell["execution_count"] = None


def student_version(notebook: Any, name: str = "notebook") -> nbformat.NotebookNode:
    """Return the exercise (student) edition of a solution notebook.

    Parameters
    ----------
    notebook : nbformat.NotebookNode or dict
        A solution notebook (nbformat 4) with nbgrader markup; it is not modified.
    name : str
        The notebook's file stem, e.g. ``"01_what_is_the_svd"``; stored in the metadata
        (``metadata.svdlab.exercise``) so the grader recognises a renamed submission.

    Returns
    -------
    nbformat.NotebookNode
        Answers replaced by stubs, hidden tests removed, outputs cleared, nbgrader
        metadata kept.

    Raises
    ------
    ValueError
        If the markup is inconsistent (unpaired markers, a solution region outside an
        answer cell, a test cell without points, a MyST label, ...), naming the cell.
    """
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise TypeError(f"'notebook' must be a notebook (a dict with a list of 'cells'), got {type(notebook).__name__}")
    if not isinstance(name, str) or not name:
        raise TypeError(f"'name' must be a non-empty string, got {name!r}")
    result = nbformat.from_dict(copy.deepcopy(dict(notebook)))
    grade_ids: set[str] = set()
    for index, cell in enumerate(result.cells):
        info = _nbgrader(cell)
        where = f"{name}, cell {index}" + (f" (grade_id {info['grade_id']!r})" if "grade_id" in info else "")
        if info.get("grade_id") in grade_ids:
            raise ValueError(f"'notebook' {where}: grade_id used twice")
        if "grade_id" in info:
            grade_ids.add(info["grade_id"])
        figure = cell.get("metadata", {}).get("mystnb", {}).get("figure", {})
        if _LABELS.search(_source(cell)) or (isinstance(figure, dict) and "name" in figure):
            raise ValueError(f"'notebook' {where}: no MyST labels in exercise notebooks (both editions hold a copy)")
        if cell.get("cell_type") == "code":
            _student_code_cell(cell, where)
        elif info.get("solution") or any(marker in _source(cell) for marker in _MARKERS):
            raise ValueError(f"'notebook' {where}: only code cells can hold answers or tests")
    result.metadata["svdlab"] = {"exercise": name}
    return result


def notebook_text(notebook: Any) -> str:
    """Serialise a notebook exactly as ``nbformat.write`` does (the bytes are reproducible)."""
    if not isinstance(notebook, dict):
        raise TypeError(f"'notebook' must be a notebook, got {type(notebook).__name__}")
    text = nbformat.writes(nbformat.from_dict(notebook))
    return text if text.endswith("\n") else text + "\n"


def _folder(path: Any, name: str) -> Path:
    if not isinstance(path, (str, Path)):
        raise TypeError(f"'{name}' must be a path, got {type(path).__name__}")
    folder = Path(path)
    if not folder.is_dir():
        raise ValueError(f"'{name}' must be an existing folder, got {str(folder)!r} (run from the repository root?)")
    return folder


def _toc_with_exercises(text: str, entries: list[str]) -> str:
    """``text`` of a _toc.yml with its Exercises part listing exactly ``entries``; the rest untouched."""
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if re.fullmatch(r"\s*- caption: Exercises\s*", line)), None)
    if start is None:
        raise ValueError("'toc' has no part '- caption: Exercises': add one after the Chapters part")
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent):
        end += 1
    while lines[end - 1].strip() == "":
        end -= 1
    pad = " " * indent
    part = [f"{pad}- caption: Exercises", f"{pad}  chapters:" + ("" if entries else " []")]
    part += [f"{pad}    - file: {entry}" for entry in entries]
    return "\n".join(lines[:start] + part + lines[end:])


def generate_exercises(
    solutions: Union[str, Path] = "solutions", exercises: Union[str, Path] = "exercises", *,
    toc: Optional[Union[str, Path]] = None, check: bool = False,
) -> list[Path]:
    """Write ``exercises/NN_name.ipynb`` for every ``solutions/NN_name.ipynb``.

    Exercise notebooks whose solution is gone are deleted: ``exercises/`` is generated and
    never edited by hand. With ``toc``, the Exercises part of that ``_toc.yml`` is made to
    list exactly the exercise notebooks (nothing else in the file changes).

    Parameters
    ----------
    solutions, exercises : path
        The source folder and the generated one.
    toc : path, optional
        The book's ``_toc.yml``, which must have a part ``- caption: Exercises``.
    check : bool
        Only compare: write and delete nothing.

    Returns
    -------
    list of Path
        The files that were (with ``check``: that would be) written or deleted; empty when
        everything is up to date.
    """
    source = _folder(solutions, "solutions")
    if not isinstance(exercises, (str, Path)):
        raise TypeError(f"'exercises' must be a path, got {type(exercises).__name__}")
    if toc is not None and (not isinstance(toc, (str, Path)) or not Path(toc).is_file()):
        raise ValueError(f"'toc' must be an existing _toc.yml file, got {toc!r}")
    if not isinstance(check, bool):
        raise TypeError(f"'check' must be True or False, got {check!r}")
    target = Path(exercises)
    wanted = {}
    for path in sorted(source.glob("*.ipynb")):
        notebook = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
        wanted[target / path.name] = notebook_text(student_version(notebook, name=path.stem))
    if toc is not None:
        old = Path(toc).read_text(encoding="utf-8")
        wanted[Path(toc)] = _toc_with_exercises(old, [f"{target.name}/{path.stem}" for path in sorted(wanted)])
    stale = [path for path, text in wanted.items() if not path.is_file() or path.read_text(encoding="utf-8") != text]
    orphans = [path for path in sorted(target.glob("*.ipynb")) if path not in wanted]
    if not check:
        target.mkdir(parents=True, exist_ok=True)
        for path in stale:
            path.write_bytes(wanted[path].encode("utf-8"))
        for path in orphans:
            path.unlink()
    return sorted(stale + orphans)


def instructor_toc(toc: Union[str, Path] = "_toc.yml", solutions: Union[str, Path] = "solutions",
                   caption: str = "Solutions") -> str:
    """Return the instructor edition's table of contents: the student one plus a Solutions part.

    The part lists every solution notebook and comes right after the part captioned
    ``Exercises`` (or last). Needs PyYAML (installed with the book).

    Parameters
    ----------
    toc : path
        The student edition's ``_toc.yml``.
    solutions : path
        The folder of solution notebooks.
    caption : str
        The new part's caption.
    """
    import yaml

    if not isinstance(toc, (str, Path)) or not Path(toc).is_file():
        raise ValueError(f"'toc' must be an existing _toc.yml file, got {toc!r}")
    folder = _folder(solutions, "solutions")
    if not isinstance(caption, str) or not caption:
        raise TypeError(f"'caption' must be a non-empty string, got {caption!r}")
    content = yaml.safe_load(Path(toc).read_text(encoding="utf-8"))
    parts = content.get("parts", [])
    part = {"caption": caption, "chapters": [{"file": f"{folder.name}/{p.stem}"} for p in sorted(folder.glob("*.ipynb"))]}
    after: Optional[int] = None
    for index, existing in enumerate(parts):
        if existing.get("caption") == "Exercises":
            after = index
    parts.insert(len(parts) if after is None else after + 1, part)
    content["parts"] = parts
    header = f"# Generated by `svdlab instructor-toc` from {Path(toc).name}: do not edit.\n"
    return header + yaml.safe_dump(content, sort_keys=False, allow_unicode=True)
