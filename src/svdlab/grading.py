"""Grade submitted exercise notebooks: ``svdlab grade SUBMISSIONS... --out grades.csv``.

For each submitted notebook the grader

1. finds its solution notebook: by file name (the name contains the solution's stem, as in
   ``Copy of 01_what_is_the_svd.ipynb``) or by the ``metadata.svdlab.exercise`` that
   :func:`svdlab.exercises.student_version` writes;
2. rebuilds the notebook from the solution: every cell comes from ``solutions/`` (so test
   cells, hidden tests included, cannot be deleted or edited) except the answer cells,
   which come from the submission, matched by nbgrader ``grade_id``;
3. executes it in a fresh kernel (nbclient), in a temporary folder, with a time limit for
   the whole notebook, capped output, and ``SVDLAB_CHECKS=strict`` so that failed checks
   raise;
4. scores each test cell: its points when it ran without an error, else zero and a reason.

It writes one CSV row per student and question, and one feedback file per student. A
submission that is not valid JSON, has no cells, raises, loops forever, exits the kernel
or prints megabytes gets the points it earned and a reason; no submission is skipped or
modified. Student code runs with the grader's permissions: run it in a container or a
throwaway virtual machine. Introduced with the exercises of chapter 1.
"""

from __future__ import annotations

import ast
import copy
import csv
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from tqdm.auto import tqdm

from ._validation import check_positive
from .checks import MODE_VARIABLE
from .exercises import student_version

__all__ = ["CSV_COLUMNS", "QuestionResult", "SubmissionResult", "grade", "write_feedback", "write_grades"]

CSV_COLUMNS = ("student", "file", "notebook", "grade_id", "question", "points", "max_points", "status", "reason")
OUTPUT_LIMIT = 100_000  # characters of output kept per cell; the rest is dropped
_REASON_LIMIT = 300


@dataclass(frozen=True)
class QuestionResult:
    """The score of one test cell (one question) of one submission."""

    grade_id: str
    question: str
    points: float
    max_points: float
    status: str  # correct, wrong, not answered, error, not run, invalid, grader error
    reason: str = ""


@dataclass
class SubmissionResult:
    """Everything the grader found out about one submitted notebook."""

    student: str
    path: Path
    notebook: str  # the solution's stem, or "" when no solution matches
    questions: list[QuestionResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def points(self) -> float:
        return sum(q.points for q in self.questions)

    @property
    def max_points(self) -> float:
        return sum(q.max_points for q in self.questions)


@dataclass(frozen=True)
class _Question:
    index: int  # of the test cell in the solution notebook
    grade_id: str
    title: str
    points: float
    answers: tuple[int, ...]  # the answer cells it tests: those since the test cells before it


@dataclass(frozen=True)
class _Solution:
    stem: str
    notebook: nbformat.NotebookNode
    stubs: dict[str, str]  # answer grade_id -> the exercise edition's stub
    questions: tuple[_Question, ...]


def _source(cell: Any) -> str:
    text = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(text, list):
        return "".join(part for part in text if isinstance(part, str))
    return text if isinstance(text, str) else ""


def _nbgrader(cell: Any) -> dict:
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    info = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return info if isinstance(info, dict) else {}


def _title(source: str, fallback: str) -> str:
    try:
        docstring = ast.get_docstring(ast.parse(source))
    except SyntaxError:
        docstring = None
    return docstring.strip().splitlines()[0] if docstring else fallback


def _load_solution(path: Path) -> _Solution:
    notebook = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    exercise = student_version(notebook, name=path.stem)  # also validates the markup
    stubs, questions, answers, tested = {}, [], [], False
    for index, (cell, stub) in enumerate(zip(notebook.cells, exercise.cells)):
        info = _nbgrader(cell)
        if cell.cell_type != "code":
            continue
        if info.get("solution"):
            stubs[info["grade_id"]] = stub.source
            answers, tested = ([index] if tested else answers + [index]), False
        elif info.get("grade"):
            title = _title(cell.source, info["grade_id"])
            questions.append(_Question(index, info["grade_id"], title, float(info["points"]), tuple(answers)))
            tested = True
    return _Solution(path.stem, notebook, stubs, tuple(questions))


def _load_solutions(folder: Path) -> dict[str, _Solution]:
    solutions = {path.stem: _load_solution(path) for path in sorted(folder.glob("*.ipynb"))}
    if not solutions:
        raise ValueError(f"'solutions' holds no notebook: {str(folder)!r}")
    return solutions


# ----------------------------------------------------------------------------------------
# Which submissions, which student, which solution.


def _match_name(filename: str, solutions: dict[str, _Solution]) -> Optional[str]:
    found = [stem for stem in solutions if stem in filename]
    return max(found, key=len) if found else None


def _student(path: Path, root: Optional[Path], stem: Optional[str]) -> str:
    """``root/<student>/.../x.ipynb``; else a prefix of the name (``alice_01_x.ipynb``); else the folder."""
    if root is not None and path.parent != root:
        return path.relative_to(root).parts[0]
    prefix = path.name.split(stem)[0].strip(" _-.") if stem else ""
    return prefix or path.parent.resolve().name


def _find(submissions: Sequence[Union[str, Path]], solutions: dict[str, _Solution]) -> list[tuple[str, Path]]:
    found: dict[Path, tuple[str, Path]] = {}
    for given in submissions:
        root = Path(given)
        if root.is_dir():
            paths = [p for p in sorted(root.rglob("*.ipynb")) if ".ipynb_checkpoints" not in p.parts]
        elif root.is_file():
            paths, root = [root], None
        else:
            raise ValueError(f"'submissions' must name notebooks or folders, {str(given)!r} does not exist")
        for path in paths:
            found.setdefault(path.resolve(), (_student(path, root, _match_name(path.name, solutions)), path))
    return sorted(found.values(), key=lambda item: (item[0], str(item[1])))


# ----------------------------------------------------------------------------------------
# Running the rebuilt notebook.


class _CappedClient(NotebookClient):
    """An nbclient that keeps at most ``OUTPUT_LIMIT`` characters of output per cell."""

    def __init__(self, nb: nbformat.NotebookNode, **kwargs: Any) -> None:
        super().__init__(nb, **kwargs)
        self.used: dict[int, int] = {}
        self.truncated: set[int] = set()

    def output(self, outs: list, msg: dict, display_id: Optional[str], cell_index: int) -> Any:
        if msg["msg_type"] == "error":  # keep errors, but not megabytes of them
            content = msg["content"]
            content["evalue"] = str(content.get("evalue", ""))[:_REASON_LIMIT * 4]
            content["traceback"] = [str(line)[:2000] for line in content.get("traceback", [])[-30:]]
        else:
            content = msg.get("content", {})
            size = len(content.get("text", "")) + sum(len(str(v)) for v in content.get("data", {}).values())
            self.used[cell_index] = self.used.get(cell_index, 0) + size
            if self.used[cell_index] > OUTPUT_LIMIT:
                self.truncated.add(cell_index)
                return None
        return super().output(outs, msg, display_id, cell_index)


@dataclass
class _Run:
    executed: set[int] = field(default_factory=set)
    interrupted: set[int] = field(default_factory=set)
    stopped_at: Optional[int] = None
    stop_reason: str = ""
    truncated: set[int] = field(default_factory=set)


class _CellTooLong(Exception):
    """A cell ran past the per-cell limit (the run starts again without it)."""


def _execute_once(notebook: nbformat.NotebookNode, run: _Run, deadline: float, cell_timeout: float,
                  folder: Path, out_of_time: str) -> None:
    """Run the code cells not in ``run.interrupted`` once, in a fresh kernel."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    run.executed, run.stopped_at, run.stop_reason = set(), None, ""
    client = _CappedClient(
        notebook, timeout=int(math.ceil(cell_timeout)), kernel_name="python3", allow_errors=True,
        shutdown_kernel="immediate", resources={"metadata": {"path": str(folder)}},
    )
    env = {**os.environ, MODE_VARIABLE: "strict", "MPLBACKEND": "Agg"}
    code = [index for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    try:
        with client.setup_kernel(env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
            for index in code:
                if index in run.interrupted:
                    continue
                run.stopped_at = index
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    run.stop_reason = out_of_time
                    break
                limit = min(remaining, cell_timeout)
                client.timeout = int(math.ceil(limit))
                try:
                    client.execute_cell(notebook.cells[index], index)
                except CellTimeoutError:
                    if limit < cell_timeout:  # the whole notebook's time is up
                        raise
                    raise _CellTooLong from None
                run.executed.add(index)
            else:
                run.stopped_at = None
    except CellTimeoutError:
        run.stop_reason = out_of_time
    except DeadKernelError:
        run.stop_reason = "the Python process stopped (os._exit, a crash, or running out of memory)"
    except _CellTooLong:
        raise
    except Exception as error:  # the kernel did not start, or nbclient failed
        run.stopped_at = run.stopped_at if run.stopped_at is not None else (code[0] if code else 0)
        run.stop_reason = f"the notebook could not be run: {type(error).__name__}: {error}"
    finally:
        run.truncated = set(client.truncated)


def _execute(notebook: nbformat.NotebookNode, timeout: float, cell_timeout: float, folder: Path) -> _Run:
    """Run the notebook with ``timeout`` seconds in all and ``cell_timeout`` per cell.

    A cell that runs past ``cell_timeout`` (an endless loop in one answer) is left out and
    the notebook runs again from the start in a fresh kernel, so the loop costs only the
    questions that depend on that cell. The whole run stops at ``timeout``.
    """
    run = _Run()
    deadline = time.monotonic() + timeout
    out_of_time = f"the notebook ran out of time (limit {timeout:g} s; an endless loop?)"
    while True:
        try:
            _execute_once(notebook, run, deadline, cell_timeout, folder, out_of_time)
        except _CellTooLong:
            run.interrupted.add(run.stopped_at)
            continue
        return run


# ----------------------------------------------------------------------------------------
# Grading one submission.


def _clip(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= _REASON_LIMIT else text[: _REASON_LIMIT - 1] + "…"


def _first_error(cell: nbformat.NotebookNode) -> Optional[dict]:
    return next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)


def _failure(error: dict) -> tuple[str, str]:
    name = error.get("ename", "")
    value = re.sub(r"^Exercise [^:]*: (not answered yet|not yet right)\.\s*", "", error.get("evalue", ""))
    if name == "NotAnsweredError":
        return "not answered", _clip(value)
    if name == "WrongAnswerError":
        return "wrong", _clip(value)
    if name == "AssertionError":
        return "wrong", "failed a hidden test"
    return "error", _clip(f"{name}: {value}")


def _where(notebook: nbformat.NotebookNode, stopped: Optional[int], question: int) -> str:
    """Where the run stopped, in words a student recognises."""
    if stopped is None or stopped == question:
        return "in this question's check"
    info = _nbgrader(notebook.cells[stopped])
    if info.get("solution"):
        return f"in the answer cell {info['grade_id']}"
    if info.get("grade"):
        return f"in the check {info['grade_id']}"
    return f"in cell {stopped} of the notebook"


def _all(solution: _Solution, status: str, reason: str) -> list[QuestionResult]:
    return [QuestionResult(q.grade_id, q.title, 0.0, q.points, status, reason) for q in solution.questions]


def _answers(notebook: Any) -> tuple[dict[str, str], list[str]]:
    """The submission's answer cells by grade_id, and notes about what looked odd."""
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        return {}, ["the file has no list of cells"]
    answers, notes = {}, []
    for cell in cells:
        grade_id = _nbgrader(cell).get("grade_id")
        if not isinstance(grade_id, str) or not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        if grade_id in answers:
            notes.append(f"two cells carry grade_id {grade_id!r}; the last one was graded")
        answers[grade_id] = _source(cell)
    return answers, notes


def _grade_notebook(
    data: bytes, solution: _Solution, timeout: float, cell_timeout: float, folder: Path
) -> tuple[list[QuestionResult], list[str]]:
    try:
        submitted = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return _all(solution, "invalid", _clip(f"the file is not a valid notebook (not JSON: {error})")), []
    answers, notes = _answers(submitted)
    graded = copy.deepcopy(solution.notebook)
    missing = set()
    for cell in graded.cells:
        grade_id = _nbgrader(cell).get("grade_id")
        if cell.cell_type == "code" and _nbgrader(cell).get("solution"):
            if grade_id in answers:
                cell.source = answers[grade_id]
            else:
                cell.source = solution.stubs[grade_id]
                missing.add(grade_id)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    if missing:
        notes.append(f"answer cells missing (deleted, or their metadata removed): {', '.join(sorted(missing))}")
    run = _execute(graded, timeout, cell_timeout, folder)
    too_long = f"ran longer than {cell_timeout:g} s and was stopped (an endless loop?)"
    if run.truncated:
        notes.append(f"some output was cut at {OUTPUT_LIMIT:,} characters per cell")
    if run.stop_reason:
        notes.append(run.stop_reason)
    results = []
    for question in solution.questions:
        cell = graded.cells[question.index]
        answer_ids = [_nbgrader(graded.cells[i]).get("grade_id") for i in question.answers]
        if any(grade_id in missing for grade_id in answer_ids):
            status, reason = "not answered", "its answer cell is missing from the submission"
        elif question.index in run.interrupted:
            status, reason = "error", f"its check {too_long}"
        elif question.index not in run.executed:
            status, reason = "not run", f"{run.stop_reason}, {_where(graded, run.stopped_at, question.index)}"
        elif (error := _first_error(cell)) is None:
            results.append(QuestionResult(question.grade_id, question.title, question.points, question.points, "correct"))
            continue
        else:
            status, reason = _failure(error)
            for index in question.answers:
                answer_error = _first_error(graded.cells[index])
                if index in run.interrupted:
                    status, reason = "error", f"its answer cell {too_long}"
                elif answer_error is not None:
                    reason += f" (its answer cell raised {answer_error['ename']}: {answer_error['evalue']})"
        results.append(QuestionResult(question.grade_id, question.title, 0.0, question.points, status, _clip(reason)))
    return results, notes


def _grade_file(
    student: str, path: Path, solutions: dict[str, _Solution], timeout: float, cell_timeout: float
) -> SubmissionResult:
    stem = _match_name(path.name, solutions)
    result = SubmissionResult(student, path, stem or "")
    with tempfile.TemporaryDirectory(prefix="svdlab-grade-") as work:
        folder = Path(work)
        copied = folder / "submission.ipynb"
        shutil.copyfile(path, copied)  # the grader reads only this copy
        data = copied.read_bytes()
        if stem is None:  # not recognised by its name: try the metadata the exercise edition carries
            try:
                stem = json.loads(data.decode("utf-8"))["metadata"]["svdlab"]["exercise"]
            except Exception:
                stem = None
            stem = stem if isinstance(stem, str) and stem in solutions else None
            result.notebook = stem or ""
        if stem is None:
            reason = f"no solution notebook matches this file (name it like one of: {', '.join(solutions)})"
            result.questions.append(QuestionResult("", "", 0.0, 0.0, "invalid", reason))
            return result
        result.questions, result.notes = _grade_notebook(data, solutions[stem], timeout, cell_timeout, folder)
    return result


def grade(
    submissions: Sequence[Union[str, Path]],
    *,
    solutions: Union[str, Path] = "solutions",
    timeout: float = 120.0,
    cell_timeout: float = 30.0,
    progress: bool = True,
) -> list[SubmissionResult]:
    """Grade submitted notebooks against the solution notebooks.

    Students are identified by folder: ``SUBMISSIONS/<student>/…/NN_name.ipynb`` (any depth
    below the student's folder). A notebook that lies directly in a folder you name, or a
    file you name, belongs to the prefix of its name (``alice_01_what_is_the_svd.ipynb``),
    or else to the folder that holds it.

    Parameters
    ----------
    submissions : sequence of paths
        Folders (searched recursively for ``*.ipynb``) and notebook files.
    solutions : path
        The folder of solution notebooks (the source of every test cell).
    timeout : float
        Seconds each notebook may run in all; a notebook that runs out keeps the points of
        the questions that ran before.
    cell_timeout : float
        Seconds one cell may run. A cell that runs longer is left out and the notebook runs
        again from the start, so an endless loop costs only the questions that need it.
    progress : bool
        Show a progress bar (tqdm) on standard error.

    Returns
    -------
    list of SubmissionResult
        One per notebook found, sorted by student. A grader failure on one notebook
        is reported in its rows (status ``grader error``) and does not stop the run.
    """
    if isinstance(submissions, (str, Path)) or not isinstance(submissions, Sequence) or not submissions:
        raise TypeError(f"'submissions' must be a non-empty list of paths, got {submissions!r}")
    if not isinstance(solutions, (str, Path)) or not Path(solutions).is_dir():
        raise ValueError(f"'solutions' must be an existing folder, got {solutions!r} (run from the repository root?)")
    timeout = check_positive(timeout, "timeout")
    cell_timeout = check_positive(cell_timeout, "cell_timeout")
    if not isinstance(progress, bool):
        raise TypeError(f"'progress' must be True or False, got {progress!r}")
    known = _load_solutions(Path(solutions))
    found = _find(submissions, known)
    results = []
    for student, path in tqdm(found, desc="grading", unit="notebook", disable=not progress, file=sys.stderr):
        try:
            results.append(_grade_file(student, path, known, timeout, cell_timeout))
        except Exception as error:  # a bug of the grader must not cost the other students
            stem = _match_name(path.name, known)
            reason = _clip(f"the grader failed: {type(error).__name__}: {error}")
            if stem:
                rows = _all(known[stem], "grader error", reason)
            else:
                rows = [QuestionResult("", "", 0.0, 0.0, "grader error", reason)]
            results.append(SubmissionResult(student, path, stem or "", rows))
    return results


def write_grades(results: Sequence[SubmissionResult], out: Union[str, Path]) -> Path:
    """Write one CSV row per student and question (columns: :data:`CSV_COLUMNS`).

    Parameters
    ----------
    results : sequence of SubmissionResult
        What :func:`grade` returned.
    out : path
        The CSV file to write.
    """
    if not isinstance(results, Sequence) or not all(isinstance(r, SubmissionResult) for r in results):
        raise TypeError("'results' must be a list of SubmissionResult, as grade() returns")
    if not isinstance(out, (str, Path)):
        raise TypeError(f"'out' must be a path, got {type(out).__name__}")
    out = Path(out)
    with out.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(CSV_COLUMNS)
        for result in results:
            for q in result.questions:
                writer.writerow([result.student, str(result.path), result.notebook, q.grade_id, q.question,
                                 f"{q.points:g}", f"{q.max_points:g}", q.status, q.reason])
    return out


_SYMBOL = {"correct": "✓", "not answered": "…"}


def write_feedback(results: Sequence[SubmissionResult], folder: Union[str, Path]) -> list[Path]:
    """Write ``folder/<student>.txt``: each notebook's score, question by question, with reasons.

    Parameters
    ----------
    results : sequence of SubmissionResult
        What :func:`grade` returned.
    folder : path
        Where the feedback files go (created if needed).
    """
    if not isinstance(results, Sequence) or not all(isinstance(r, SubmissionResult) for r in results):
        raise TypeError("'results' must be a list of SubmissionResult, as grade() returns")
    if not isinstance(folder, (str, Path)):
        raise TypeError(f"'folder' must be a path, got {type(folder).__name__}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    by_student: dict[str, list[SubmissionResult]] = {}
    for result in results:
        by_student.setdefault(result.student, []).append(result)
    written = []
    for student, own in by_student.items():
        lines = [f"Feedback for {student}", ""]
        for result in own:
            name = result.notebook or "an unrecognised notebook"
            lines.append(f"{name} ({result.path.name}): {result.points:g} of {result.max_points:g} points")
            for q in result.questions:
                lines.append(f"  {_SYMBOL.get(q.status, '✗')} {q.points:g}/{q.max_points:g}  {q.question or q.status}")
                if q.reason:
                    lines.append(f"      {q.status}: {q.reason}")
            lines += [f"  Note: {note}" for note in result.notes]
            lines.append("")
        safe = re.sub(r"[^\w.-]+", "_", student).strip("._") or "student"
        path = folder / f"{safe}.txt"
        path.write_text("\n".join(lines), encoding="utf-8")
        written.append(path)
    return written
