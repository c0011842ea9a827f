"""The grader (svdlab.grading, `svdlab grade`): scores, reasons, and robustness to broken
submissions, on a tiny synthetic exercise (fast) and once on the real chapter-1 exercise."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import REPO, BadInput
from svdlab import grading
from svdlab.__main__ import main
from svdlab.exercises import BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION, generate_exercises, student_version
from svdlab.grading import CSV_COLUMNS, grade, write_feedback, write_grades

KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}


def _answer(grade_id: str, source: str) -> nbformat.NotebookNode:
    meta = {"grade": False, "grade_id": grade_id, "locked": False, "schema_version": 3, "solution": True}
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": meta})


def _test(grade_id: str, points: int, source: str) -> nbformat.NotebookNode:
    meta = {"grade": True, "grade_id": grade_id, "locked": True, "points": points, "schema_version": 3, "solution": False}
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": meta})


SOLUTION = nbformat.v4.new_notebook(metadata=KERNEL, cells=[
    nbformat.v4.new_markdown_cell("# Exercises 0: a demo"),
    nbformat.v4.new_code_cell("from svdlab import checks"),
    _answer("a1", f"{BEGIN_SOLUTION}\nx = 2\n{END_SOLUTION}"),
    _test("t1", 1, '"""Exercise 0.1 (1 point): x."""\nwith checks.exercise("0.1"):\n'
                   '    assert checks.answered(x) == 2, "x should be the number of ..."'),
    _answer("a2", f"def double(v):\n    {BEGIN_SOLUTION}\n    return 2 * v\n    {END_SOLUTION}"),
    _test("t2", 2, '"""Exercise 0.2 (2 points): double."""\nwith checks.exercise("0.2"):\n'
                   '    assert double(3) == 6, "double(3) should be twice 3"'),
    _answer("a3", f'{BEGIN_SOLUTION}\ny = "yes"\n{END_SOLUTION}'),
    _test("t3", 1, f'"""Exercise 0.3 (1 point): y."""\nwith checks.exercise("0.3"):\n    checks.answered(y)\n'
                   f'{BEGIN_HIDDEN}\nassert y == "yes"\n{END_HIDDEN}'),
])
RIGHT = {"a1": "x = 2", "a2": "def double(v):\n    return 2 * v", "a3": 'y = "yes"'}
WRONG = {"a1": "x = 3", "a2": "def double(v):\n    return v", "a3": 'y = "no"'}
EXERCISE = student_version(SOLUTION, name="00_demo")


def submission(answers: dict[str, str], *, drop: tuple[str, ...] = (), edit: dict[str, str] | None = None,
               extra: list | None = None) -> str:
    """The exercise notebook with answers filled in, cells dropped or edited, extra cells added."""
    nb = nbformat.from_dict(json.loads(json.dumps(EXERCISE)))
    cells = []
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in drop:
            continue
        cell.source = {**answers, **(edit or {})}.get(grade_id, cell.source)
        cells.append(cell)
    nb.cells = cells + (extra or [])
    return nbformat.writes(nb)


CASES = {  # student -> (file name, content)
    "right": ("00_demo.ipynb", submission(RIGHT)),
    "wrong": ("00_demo.ipynb", submission(WRONG)),
    "unanswered": ("00_demo.ipynb", submission({})),
    "raises": ("00_demo.ipynb", submission({**RIGHT, "a1": "x = 1 / 0"})),
    "sys_exit": ("00_demo.ipynb", submission({**RIGHT, "a1": "import sys\nsys.exit(1)"})),
    "os_exit": ("00_demo.ipynb", submission({**RIGHT, "a2": "import os\nos._exit(3)"})),
    "megabytes": ("00_demo.ipynb", submission({**RIGHT, "a1": "print('x' * 5_000_000)\nx = 2"})),
    "writes_files": ("00_demo.ipynb", submission({**RIGHT, "a1": "open('scratch.txt', 'w').write('hi')\nx = 2"})),
    "not_json": ("00_demo.ipynb", '{"cells": [ {"cell_type": "code",'),
    "empty_file": ("00_demo.ipynb", ""),
    "no_cells": ("00_demo.ipynb", json.dumps({"metadata": {}, "nbformat": 4, "nbformat_minor": 5})),
    "cells_not_a_list": ("00_demo.ipynb", json.dumps({"cells": {"a": 1}})),
    "tampered_tests": ("00_demo.ipynb", submission(WRONG, drop=("t1",), edit={"t2": "pass", "t3": "pass"})),
    "deleted_answer": ("00_demo.ipynb", submission(RIGHT, drop=("a3",))),
    "duplicate_answer": ("00_demo.ipynb", submission(RIGHT, extra=[_answer("a1", "x = 3")])),
    "renamed": ("my homework (1).ipynb", submission(RIGHT)),
    "colab_copy": ("Copy of 00_demo.ipynb", submission(RIGHT)),
    "unknown": ("notes.ipynb", json.dumps({"cells": [], "metadata": {}})),
}


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("course")
    (root / "solutions").mkdir()
    nbformat.write(SOLUTION, root / "solutions" / "00_demo.ipynb")
    for student, (name, content) in CASES.items():
        (root / "submissions" / student).mkdir(parents=True)
        (root / "submissions" / student / name).write_text(content, encoding="utf-8")
    (root / "flat").mkdir()
    (root / "flat" / "zoe_00_demo.ipynb").write_text(submission(RIGHT), encoding="utf-8")
    return root


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def graded(course) -> dict[str, grading.SubmissionResult]:
    before = snapshot(course)
    results = grade([course / "submissions", course / "flat"], solutions=course / "solutions", timeout=60, progress=False)
    assert snapshot(course) == before, "grading changed, added or removed a file next to the submissions"
    return {r.student: r for r in results}


def scores(result: grading.SubmissionResult) -> dict[str, tuple[float, str]]:
    return {q.grade_id: (q.points, q.status) for q in result.questions}


def test_every_submission_is_graded_once_and_named_by_its_folder(graded):
    assert set(graded) == set(CASES) | {"zoe"}


def test_a_right_submission_gets_every_point(graded):
    for student in ("right", "renamed", "colab_copy", "zoe"):
        assert scores(graded[student]) == {"t1": (1, "correct"), "t2": (2, "correct"), "t3": (1, "correct")}, student
        assert graded[student].notebook == "00_demo"
        assert graded[student].points == graded[student].max_points == 4


def test_wrong_answers_fail_visible_and_hidden_tests_with_reasons(graded):
    result = {q.grade_id: q for q in graded["wrong"].questions}
    assert [(q.points, q.status) for q in result.values()] == [(0, "wrong")] * 3
    assert result["t1"].reason == "x should be the number of ..."
    assert result["t2"].reason == "double(3) should be twice 3"
    assert result["t3"].reason == "failed a hidden test"


def test_unanswered_questions_score_zero_as_not_answered(graded):
    result = graded["unanswered"]
    assert {q.status for q in result.questions} == {"not answered"}
    assert result.points == 0 and result.max_points == 4
    assert "Write the body of double" in [q.reason for q in result.questions][1]


def test_an_answer_cell_that_raises_costs_only_its_question(graded):
    result = graded["raises"]
    assert scores(result) == {"t1": (0, "not answered"), "t2": (2, "correct"), "t3": (1, "correct")}
    assert "its answer cell raised ZeroDivisionError" in result.questions[0].reason


def test_sys_exit_is_an_error_of_its_cell_only(graded):
    result = graded["sys_exit"]
    assert scores(result) == {"t1": (0, "not answered"), "t2": (2, "correct"), "t3": (1, "correct")}
    assert "SystemExit" in result.questions[0].reason


def test_os_exit_keeps_the_points_earned_before(graded):
    result = graded["os_exit"]
    assert scores(result) == {"t1": (1, "correct"), "t2": (0, "not run"), "t3": (0, "not run")}
    assert "the Python process stopped" in result.questions[1].reason and "answer cell a2" in result.questions[1].reason


def test_megabytes_of_output_are_cut_and_graded(graded):
    assert graded["megabytes"].points == 4
    assert any("cut at" in note for note in graded["megabytes"].notes)


def test_code_runs_in_a_temporary_folder(graded, course):
    assert graded["writes_files"].points == 4
    assert not list(course.rglob("scratch.txt"))


@pytest.mark.parametrize("student", ["not_json", "empty_file"])
def test_a_file_that_is_not_json_gets_zero_and_a_reason(graded, student):
    result = graded[student]
    assert len(result.questions) == 3 and result.points == 0
    assert {q.status for q in result.questions} == {"invalid"}
    assert "not a valid notebook" in result.questions[0].reason


@pytest.mark.parametrize("student", ["no_cells", "cells_not_a_list"])
def test_a_notebook_without_cells_gets_zero_and_a_reason(graded, student):
    result = graded[student]
    assert [(q.points, q.status) for q in result.questions] == [(0, "not answered")] * 3
    assert "answer cell is missing" in result.questions[0].reason
    assert any("no list of cells" in note for note in result.notes)


def test_deleting_or_editing_test_cells_does_not_help(graded):
    assert scores(graded["tampered_tests"]) == {"t1": (0, "wrong"), "t2": (0, "wrong"), "t3": (0, "wrong")}


def test_a_deleted_answer_cell_loses_only_its_question(graded):
    result = graded["deleted_answer"]
    assert scores(result) == {"t1": (1, "correct"), "t2": (2, "correct"), "t3": (0, "not answered")}
    assert any("a3" in note for note in result.notes)


def test_a_duplicated_answer_cell_is_graded_by_its_last_copy(graded):
    result = graded["duplicate_answer"]
    assert scores(result)["t1"] == (0, "wrong")
    assert any("two cells carry grade_id 'a1'" in note for note in result.notes)


def test_an_unknown_notebook_is_reported_not_skipped(graded):
    result = graded["unknown"]
    assert result.notebook == "" and len(result.questions) == 1
    assert result.questions[0].status == "invalid" and "no solution notebook matches" in result.questions[0].reason


def test_an_endless_loop_is_stopped_by_the_time_limit(course, tmp_path):
    folder = tmp_path / "submissions" / "loop"
    folder.mkdir(parents=True)
    (folder / "00_demo.ipynb").write_text(submission({**RIGHT, "a2": "def double(v):\n    while True:\n        pass"}))
    [result] = grade([tmp_path / "submissions"], solutions=course / "solutions", timeout=5, progress=False)
    assert scores(result) == {"t1": (1, "correct"), "t2": (0, "not run"), "t3": (0, "not run")}
    assert "ran out of time (limit 5 s" in result.questions[1].reason
    assert "this question's check" in result.questions[1].reason


def test_an_endless_loop_in_one_answer_costs_only_that_question(course, tmp_path):
    folder = tmp_path / "submissions" / "loop"
    folder.mkdir(parents=True)
    (folder / "00_demo.ipynb").write_text(submission({**RIGHT, "a2": "while True:\n    pass"}))
    [result] = grade([tmp_path / "submissions"], solutions=course / "solutions", timeout=60, cell_timeout=3,
                     progress=False)
    assert scores(result) == {"t1": (1, "correct"), "t2": (0, "error"), "t3": (1, "correct")}
    assert "answer cell ran longer than 3 s and was stopped" in result.questions[1].reason


def test_csv_has_one_row_per_student_and_question_and_feedback_one_file_per_student(graded, tmp_path):
    results = list(graded.values())
    out = write_grades(results, tmp_path / "grades.csv")
    with out.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == sum(len(r.questions) for r in results)
    right = [row for row in rows if row["student"] == "right"]
    assert [(r["grade_id"], r["points"], r["max_points"], r["status"]) for r in right] == [
        ("t1", "1", "1", "correct"), ("t2", "2", "2", "correct"), ("t3", "1", "1", "correct")]
    assert right[0]["question"] == "Exercise 0.1 (1 point): x."
    files = write_feedback(results, tmp_path / "feedback")
    assert sorted(p.stem for p in files) == sorted(graded)
    text = (tmp_path / "feedback" / "wrong.txt").read_text(encoding="utf-8")
    assert "00_demo (00_demo.ipynb): 0 of 4 points" in text and "failed a hidden test" in text


def test_a_grader_failure_is_reported_in_the_rows_and_the_exit_status(course, tmp_path, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(grading, "_grade_notebook", broken)
    results = grade([course / "submissions" / "right"], solutions=course / "solutions", progress=False)
    assert [q.status for q in results[0].questions] == ["grader error"] * 3
    assert "simulated bug" in results[0].questions[0].reason
    status = main(["grade", str(course / "submissions" / "right"), "--solutions", str(course / "solutions"),
                   "--out", str(tmp_path / "g.csv"), "--no-progress"])
    assert status == 1 and (tmp_path / "g.csv").is_file()


def test_the_command_line_grades_and_writes_csv_and_feedback(course, tmp_path):
    out = tmp_path / "grades.csv"
    command = [sys.executable, "-m", "svdlab", "grade", str(course / "submissions" / "right"), str(course / "submissions" / "wrong"),
               "--solutions", str(course / "solutions"), "--out", str(out), "--timeout", "60"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "grading" in result.stderr  # the progress bar
    assert "graded 2 notebooks of 2 students" in result.stdout
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1 + 6
    assert sorted(p.name for p in (tmp_path / "grades_feedback").iterdir()) == ["right.txt", "wrong.txt"]


def test_the_command_line_reports_bad_arguments(tmp_path, capsys):
    assert main(["grade", str(tmp_path / "missing"), "--solutions", str(REPO / "solutions")]) == 2
    assert "'submissions'" in capsys.readouterr().err


def test_exercises_check_exits_nonzero_when_stale(tmp_path, capsys):
    solutions, exercises, toc = tmp_path / "solutions", tmp_path / "exercises", tmp_path / "_toc.yml"
    solutions.mkdir()
    nbformat.write(SOLUTION, solutions / "00_demo.ipynb")
    toc.write_text("root: intro\nparts:\n  - caption: Exercises\n    chapters: []\n", encoding="utf-8")
    arguments = ["exercises", "--solutions", str(solutions), "--exercises", str(exercises), "--toc", str(toc)]
    assert main([*arguments, "--check"]) == 1
    assert main(arguments) == 0
    assert main([*arguments, "--check"]) == 0
    assert generate_exercises(solutions, exercises, toc=toc, check=True) == []
    assert "      - file: exercises/00_demo" in toc.read_text(encoding="utf-8")


def test_the_real_chapter_1_exercise_with_right_wrong_and_broken_submissions(tmp_path):
    solution = nbformat.reads((REPO / "solutions" / "01_what_is_the_svd.ipynb").read_text(encoding="utf-8"), as_version=4)
    exercise = (REPO / "exercises" / "01_what_is_the_svd.ipynb").read_text(encoding="utf-8")
    answers = {c.metadata["nbgrader"]["grade_id"]: c for c in solution.cells if c.metadata.get("nbgrader", {}).get("solution")}

    def filled(pick) -> str:
        nb = nbformat.reads(exercise, as_version=4)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in answers:
                cell.source = pick(answers[grade_id])
        return nbformat.writes(nb)

    contents = {
        "right": filled(lambda cell: cell.source),
        "wrong": filled(lambda cell: cell.metadata["svdlab"]["wrong_answers"][0]),
        "unanswered": exercise,
        "broken": exercise[: len(exercise) // 2],
    }
    for student, content in contents.items():
        (tmp_path / student).mkdir()
        (tmp_path / student / "01_what_is_the_svd.ipynb").write_text(content, encoding="utf-8")
    results = {r.student: r for r in grade([tmp_path], solutions=REPO / "solutions", timeout=120, progress=False)}
    total = results["right"].max_points
    assert total >= 10 and results["right"].points == total
    assert {q.status for q in results["right"].questions} == {"correct"}
    assert results["wrong"].points == 0 and {q.status for q in results["wrong"].questions} == {"wrong"}
    assert results["unanswered"].points == 0 and {q.status for q in results["unanswered"].questions} == {"not answered"}
    assert results["broken"].points == 0 and {q.status for q in results["broken"].questions} == {"invalid"}


BAD_INPUTS = [
    BadInput(grade, ("submissions",), {}, TypeError, "submissions"),
    BadInput(grade, ([],), {}, TypeError, "submissions"),
    BadInput(grade, (["/nonexistent/submissions"],), {"solutions": REPO / "solutions"}, ValueError, "submissions"),
    BadInput(grade, ([REPO],), {"solutions": "/nonexistent/solutions"}, ValueError, "solutions"),
    BadInput(grade, ([REPO],), {"solutions": REPO / "solutions", "timeout": 0}, ValueError, "timeout"),
    BadInput(grade, ([REPO],), {"solutions": REPO / "solutions", "cell_timeout": -1}, ValueError, "cell_timeout"),
    BadInput(grade, ([REPO],), {"solutions": REPO / "solutions", "progress": "yes"}, TypeError, "progress"),
    BadInput(write_grades, ([1], "grades.csv"), {}, TypeError, "results"),
    BadInput(write_grades, ([], 3), {}, TypeError, "out"),
    BadInput(write_feedback, (["alice"], "feedback"), {}, TypeError, "results"),
    BadInput(write_feedback, ([], None), {}, TypeError, "folder"),
]
