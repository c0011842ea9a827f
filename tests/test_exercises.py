"""Exercises: the generator (svdlab.exercises), every solution/exercise notebook pair, and
the two editions of the book (no solution text in the student edition).

Everything here runs over every notebook in solutions/, so a new chapter's exercises are
tested as soon as its solution notebook exists.
"""

from __future__ import annotations

import ast
import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from nbclient import NotebookClient

from conftest import REPO, BadInput
from svdlab.checks import MODE_VARIABLE
from svdlab.exercises import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_HIDDEN,
    END_SOLUTION,
    generate_exercises,
    instructor_toc,
    notebook_text,
    student_version,
)

SOLUTIONS = sorted((REPO / "solutions").glob("*.ipynb"))
IDS = [p.stem for p in SOLUTIONS]


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)


def info(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def execute(notebook: nbformat.NotebookNode, *, strict: bool) -> nbformat.NotebookNode:
    """Run a copy of ``notebook`` in a fresh kernel, errors allowed, in report or strict mode."""
    notebook = nbformat.from_dict(json.loads(json.dumps(notebook)))
    env = {**os.environ, MODE_VARIABLE: "strict" if strict else "report", "MPLBACKEND": "Agg"}
    client = NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(REPO)}})
    client.execute(env=env, stderr=subprocess.DEVNULL)
    return notebook


def errors(cell) -> list[str]:
    return [o["ename"] for o in cell.get("outputs", []) if o["output_type"] == "error"]


def stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o["output_type"] == "stream")


# ---- the generator on small synthetic notebooks ---------------------------------------------------


def notebook(*cells) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=list(cells), metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


def answer(source: str, grade_id: str = "a1", **extra) -> nbformat.NotebookNode:
    meta = {"nbgrader": {"grade": False, "grade_id": grade_id, "locked": False, "schema_version": 3, "solution": True}, **extra}
    return nbformat.v4.new_code_cell(source, metadata=meta)


def check_cell(source: str, grade_id: str = "t1", points=1) -> nbformat.NotebookNode:
    meta = {"nbgrader": {"grade": True, "grade_id": grade_id, "locked": True, "points": points, "schema_version": 3, "solution": False}}
    return nbformat.v4.new_code_cell(source, metadata=meta)


FUNCTION = f"def f(x):\n    \"\"\"Double x.\"\"\"\n    {BEGIN_SOLUTION}\n    y = 2 * x\n    return y\n    {END_SOLUTION}\n"
VALUES = f"# Exercise: your answer\n{BEGIN_SOLUTION}\n# worked: 2 + 2\n_scratch = 2\nanswer, (b, c) = _scratch + 2, (1, 2)\nanswer: int = 4\n{END_SOLUTION}"
TEST = f'"""Exercise 0.1 (1 point): f."""\nassert f(2) == 4\n{BEGIN_HIDDEN}\nassert f(3) == 6\n{END_HIDDEN}'


def test_student_version_stubs_answers_and_drops_hidden_tests():
    source = notebook(answer(FUNCTION), answer(VALUES, "a2", svdlab={"wrong_answers": ["answer = 5"]}), check_cell(TEST))
    source.cells[0].outputs = [nbformat.v4.new_output("stream", text="hi")]
    source.cells[0].execution_count = 3
    before = json.dumps(source, sort_keys=True)
    student = student_version(source, name="00_demo")
    assert json.dumps(source, sort_keys=True) == before, "the solution notebook must not change"
    assert student.cells[0].source == (
        'def f(x):\n    """Double x."""\n    # YOUR CODE HERE\n    raise NotImplementedError("Write the body of f.")\n'
    )
    assert student.cells[1].source == (
        "# Exercise: your answer\n# YOUR ANSWER HERE: replace each ... with your answer.\nanswer = ...\nb = ...\nc = ..."
    )
    assert student.cells[2].source == '"""Exercise 0.1 (1 point): f."""\nassert f(2) == 4'
    assert student.cells[0].outputs == [] and student.cells[0].execution_count is None
    assert [c.metadata["nbgrader"] for c in student.cells] == [c.metadata["nbgrader"] for c in source.cells]
    assert "svdlab" not in student.cells[1].metadata
    assert student.metadata["svdlab"] == {"exercise": "00_demo"}
    assert notebook_text(student) == notebook_text(student_version(source, name="00_demo"))


def test_a_stubbed_function_is_still_defined_and_raises_when_called():
    namespace = {}
    exec(student_version(notebook(answer(FUNCTION))).cells[0].source, namespace)
    with pytest.raises(NotImplementedError, match="Write the body of f"):
        namespace["f"](1)


BAD_SOLUTIONS = [
    ("unpaired begin", [answer(f"{BEGIN_SOLUTION}\nx = 1")], "without"),
    ("unpaired end", [answer(f"x = 1\n{END_SOLUTION}")], "without"),
    ("nested regions", [answer(f"{BEGIN_SOLUTION}\n{BEGIN_SOLUTION}\nx = 1\n{END_SOLUTION}")], "inside another"),
    ("answer cell without region", [answer("x = 1")], "needs"),
    ("def inside a top-level region", [answer(f"{BEGIN_SOLUTION}\ndef f():\n    return 1\n{END_SOLUTION}")], "outside the solution"),
    ("top-level region assigns nothing", [answer(f"{BEGIN_SOLUTION}\nprint(1)\n{END_SOLUTION}")], "must assign"),
    ("only scratch names", [answer(f"{BEGIN_SOLUTION}\n_x = 1\n{END_SOLUTION}")], "must assign"),
    ("region not Python", [answer(f"{BEGIN_SOLUTION}\nx = (\n{END_SOLUTION}")], "not valid Python"),
    ("test without points", [check_cell("assert True", points=0)], "positive 'points'"),
    ("test cell changes a variable", [check_cell("x = 1\nassert x")], "only define names starting with '_'"),
    ("test cell imports a name", [check_cell("import numpy as np")], "['np']"),
    ("solution in a test cell", [check_cell(f"{BEGIN_SOLUTION}\nx = 1\n{END_SOLUTION}")], "must not hold"),
    ("hidden tests in a plain cell", [nbformat.v4.new_code_cell(f"{BEGIN_HIDDEN}\nassert 1\n{END_HIDDEN}")], "outside"),
    ("markdown answer", [nbformat.v4.new_markdown_cell(f"{BEGIN_SOLUTION}\ntext\n{END_SOLUTION}")], "only code cells"),
    ("MyST label", [nbformat.v4.new_markdown_cell("(ex-label)=\n# Title")], "no MyST labels"),
    ("equation label", [nbformat.v4.new_markdown_cell("$$ x $$ (eq-x)")], "no MyST labels"),
    ("duplicate grade_id", [answer(FUNCTION, "a"), answer(FUNCTION, "a")], "used twice"),
    ("missing grade_id", [answer(FUNCTION, "")], "needs a 'grade_id'"),
    ("wrong answers on a test cell", [nbformat.v4.new_code_cell("x", metadata={"svdlab": {"wrong_answers": ["x"]}})], "wrong_answers"),
]


@pytest.mark.parametrize(("cells", "message"), [(c, m) for _, c, m in BAD_SOLUTIONS], ids=[i for i, _, _ in BAD_SOLUTIONS])
def test_inconsistent_markup_is_rejected_naming_the_cell(cells, message):
    with pytest.raises(ValueError, match=re.escape(message)) as raised:
        student_version(notebook(*cells), name="00_bad")
    assert "00_bad, cell " in str(raised.value)


def test_generate_exercises_writes_checks_and_removes_orphans(tmp_path):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    nbformat.write(notebook(answer(FUNCTION), check_cell(TEST)), solutions / "00_demo.ipynb")
    assert generate_exercises(solutions, exercises, check=True) == [exercises / "00_demo.ipynb"]
    assert not exercises.exists()
    assert generate_exercises(solutions, exercises) == [exercises / "00_demo.ipynb"]
    written = (exercises / "00_demo.ipynb").read_bytes()
    assert generate_exercises(solutions, exercises) == []
    assert (exercises / "00_demo.ipynb").read_bytes() == written
    (exercises / "00_demo.ipynb").write_text("{}", encoding="utf-8")  # edited by hand
    (exercises / "99_orphan.ipynb").write_text("{}", encoding="utf-8")  # its solution is gone
    assert generate_exercises(solutions, exercises, check=True) == [exercises / "00_demo.ipynb", exercises / "99_orphan.ipynb"]
    generate_exercises(solutions, exercises)
    assert (exercises / "00_demo.ipynb").read_bytes() == written
    assert not (exercises / "99_orphan.ipynb").exists()


def test_generate_exercises_updates_only_the_exercises_part_of_the_toc(tmp_path):
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    for name in ("02_b", "01_a"):
        nbformat.write(notebook(answer(FUNCTION), check_cell(TEST)), solutions / f"{name}.ipynb")
    toc = tmp_path / "_toc.yml"
    before = (
        "# a comment\nformat: jb-book\nroot: intro\nparts:\n  - caption: Chapters\n    chapters:\n"
        "      - file: chapters/01_a\n  - caption: Exercises\n    chapters:\n      - file: exercises/00_gone\n\n"
        "  - caption: Reference\n    chapters:\n      - file: notation\n"
    )
    toc.write_text(before, encoding="utf-8")
    generate_exercises(solutions, tmp_path / "exercises", toc=toc)
    assert toc.read_text(encoding="utf-8") == before.replace(
        "      - file: exercises/00_gone\n", "      - file: exercises/01_a\n      - file: exercises/02_b\n")
    assert generate_exercises(solutions, tmp_path / "exercises", toc=toc, check=True) == []


def test_instructor_toc_adds_the_solutions_part_after_the_exercises(tmp_path):
    toc = tmp_path / "_toc.yml"
    toc.write_text(
        "format: jb-book\nroot: intro\nparts:\n- caption: Chapters\n  chapters:\n  - file: chapters/01_a\n"
        "- caption: Exercises\n  chapters:\n  - file: exercises/01_a\n- caption: Reference\n  chapters:\n  - file: notation\n",
        encoding="utf-8",
    )
    (tmp_path / "solutions").mkdir()
    for name in ("02_b", "01_a"):
        (tmp_path / "solutions" / f"{name}.ipynb").write_text("{}", encoding="utf-8")
    parts = yaml.safe_load(instructor_toc(toc, tmp_path / "solutions"))["parts"]
    assert [p["caption"] for p in parts] == ["Chapters", "Exercises", "Solutions", "Reference"]
    assert parts[2]["chapters"] == [{"file": "solutions/01_a"}, {"file": "solutions/02_b"}]


BAD_INPUTS = [
    BadInput(student_version, ("not a notebook",), {}, TypeError, "notebook"),
    BadInput(student_version, ({"cells": []},), {"name": ""}, TypeError, "name"),
    BadInput(student_version, (notebook(answer("x = 1")),), {}, ValueError, "notebook"),
    BadInput(notebook_text, ([],), {}, TypeError, "notebook"),
    BadInput(generate_exercises, (), {"solutions": "/nonexistent/solutions"}, ValueError, "solutions"),
    BadInput(generate_exercises, (), {"solutions": REPO / "solutions", "exercises": 3}, TypeError, "exercises"),
    BadInput(generate_exercises, (), {"solutions": REPO / "solutions", "check": "yes"}, TypeError, "check"),
    BadInput(generate_exercises, (), {"solutions": REPO / "solutions", "toc": "/nonexistent/_toc.yml"}, ValueError, "toc"),
    BadInput(instructor_toc, ("/nonexistent/_toc.yml",), {}, ValueError, "toc"),
    BadInput(instructor_toc, (REPO / "_toc.yml", "/nonexistent"), {}, ValueError, "solutions"),
    BadInput(instructor_toc, (REPO / "_toc.yml", REPO / "solutions"), {"caption": ""}, TypeError, "caption"),
]


# ---- every solution notebook and its exercise notebook --------------------------------------------


def test_exercises_and_their_toc_entries_are_not_stale():
    stale = generate_exercises(REPO / "solutions", REPO / "exercises", toc=REPO / "_toc.yml", check=True)
    assert not stale, f"stale: {[p.name for p in stale]}: run `svdlab exercises` and commit the result"


def test_there_are_solutions_for_chapter_1():
    assert "01_what_is_the_svd" in IDS


def exercise_labels(nb) -> dict[str, tuple[str, float]]:
    """grade_id -> (label, points) of every test cell, checked against its docstring and check call."""
    found = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and info(cell).get("grade"):
            docstring = ast.get_docstring(ast.parse(cell.source)) or ""
            match = re.match(r"Exercise (\S+) \((\d+) points?\): \S", docstring)
            assert match, f"test cell {info(cell)['grade_id']}: docstring must read 'Exercise N.k (P points): what'"
            label, points = match.group(1), float(match.group(2))
            assert points == info(cell)["points"], f"{label}: docstring and metadata disagree on points"
            assert f'checks.exercise("{label}")' in cell.source, f"{label}: the check must use checks.exercise({label!r})"
            found[info(cell)["grade_id"]] = (label, points)
    return found


@pytest.mark.parametrize("path", SOLUTIONS, ids=IDS)
def test_solution_has_five_exercises_with_consistent_labels_points_and_progress(path):
    nb = read(path)
    labels = exercise_labels(nb)
    bases = {re.sub(r"[a-z]$", "", label) for label, _ in labels.values()}
    assert len(bases) >= 5, f"{path.name}: at least five exercises"
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for base in bases:
        heading = re.search(rf"^## Exercise {re.escape(base)}: .* \((\d+) points?\)$", markdown, flags=re.M)
        assert heading, f"{path.name}: no heading '## Exercise {base}: ... (P points)'"
        total = sum(points for label, points in labels.values() if re.sub(r"[a-z]$", "", label) == base)
        assert float(heading.group(1)) == total, f"{path.name}: heading of {base} says {heading.group(1)} points, checks give {total:g}"
    progress = [c for c in nb.cells if c.cell_type == "code" and "checks.progress(" in c.source]
    assert progress, f"{path.name}: the last cell should call checks.progress([...])"
    listed = ast.literal_eval(progress[-1].source.split("checks.progress(", 1)[1].rsplit(")", 1)[0])
    assert listed == [label for label, _ in labels.values()]


def answer_groups(nb) -> dict[int, list[int]]:
    """Answer cell index -> the test cells that follow it, up to the next answer cell."""
    groups, current = {}, None
    for index, cell in enumerate(nb.cells):
        if info(cell).get("solution"):
            current = index
            groups[current] = []
        elif info(cell).get("grade") and current is not None:
            groups[current].append(index)
    return groups


@pytest.mark.parametrize("path", SOLUTIONS, ids=IDS)
def test_every_answer_has_a_check_and_known_wrong_answers(path):
    nb = read(path)
    for index, tests in answer_groups(nb).items():
        grade_id = info(nb.cells[index])["grade_id"]
        assert tests, f"{path.name}: answer cell {grade_id} has no test cell after it"
        wrong = nb.cells[index].metadata.get("svdlab", {}).get("wrong_answers", [])
        assert wrong, f"{path.name}: answer cell {grade_id} needs metadata svdlab.wrong_answers (known-wrong answers)"


@pytest.mark.parametrize("path", SOLUTIONS, ids=IDS)
def test_solution_passes_every_check_in_strict_mode(path):
    executed = execute(read(path), strict=True)
    failed = [(i, errors(c)) for i, c in enumerate(executed.cells) if errors(c)]
    assert not failed, f"{path.name}: cells failed: {failed}"


@pytest.mark.parametrize("path", SOLUTIONS, ids=IDS)
def test_exercise_runs_unanswered_with_only_not_answered_failures(path):
    exercise = read(REPO / "exercises" / path.name)
    strict = execute(exercise, strict=True)
    for index, cell in enumerate(strict.cells):
        expected = ["NotAnsweredError"] if info(cell).get("grade") else []
        assert errors(cell) == expected, f"{path.name} cell {index}: {errors(cell)}"
    report = execute(exercise, strict=False)  # what a student sees after Run all
    for index, cell in enumerate(report.cells):
        assert not errors(cell), f"{path.name} cell {index} raised in report mode: Run all would stop there"
        if info(cell).get("grade"):
            assert re.fullmatch(r"… Exercise \S+: not answered yet\. .+\n", stdout(cell)), stdout(cell)
    assert "Your progress: 0 of" in stdout(report.cells[-1])


def wrong_sets(nb) -> list[dict[int, str]]:
    """The k-th known-wrong answer of every answer cell that has one, for k = 0, 1, ..."""
    wrong = {i: nb.cells[i].metadata.get("svdlab", {}).get("wrong_answers", []) for i in answer_groups(nb)}
    return [{i: answers[k] for i, answers in wrong.items() if k < len(answers)} for k in range(max(map(len, wrong.values()), default=0))]


@pytest.mark.parametrize("path", SOLUTIONS, ids=IDS)
def test_checks_fail_against_known_wrong_answers(path):
    """Each known-wrong answer, put in the solution notebook as the grader would, fails a test
    cell of its exercise (and no other); each visible check fails for at least one of them."""
    solution = read(path)
    groups = answer_groups(solution)
    caught = set()
    for number, replaced in enumerate(wrong_sets(solution)):
        submitted = read(path)
        for index, source in replaced.items():
            submitted.cells[index].source = source
        executed = execute(submitted, strict=True)
        for index, tests in groups.items():
            grade_id = info(solution.cells[index])["grade_id"]
            outcomes = [errors(executed.cells[t]) for t in tests]
            assert not errors(executed.cells[index]), f"wrong answer {number} of {grade_id} raised in its own cell"
            if index not in replaced:
                assert not any(outcomes), f"{path.name}: {grade_id} has no wrong answer {number}, yet its check failed"
                continue
            assert any(outcomes), f"{path.name}: wrong answer {number} of {grade_id} passed every check"
            assert all(o in ([], ["WrongAnswerError"], ["AssertionError"]) for o in outcomes), (grade_id, number, outcomes)
            caught |= {t for t, o in zip(tests, outcomes) if o == ["WrongAnswerError"]}
    never = [info(solution.cells[t])["grade_id"] for tests in groups.values() for t in tests if t not in caught]
    assert not never, f"{path.name}: no known-wrong answer makes these visible checks fail: {never}"


def secret_lines(nb) -> set[str]:
    """Lines of solution regions and hidden tests, as they would appear in any rendering."""
    found = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        inside = False
        for line in cell.source.split("\n"):
            marker = line.strip()
            if marker in (BEGIN_SOLUTION, BEGIN_HIDDEN, END_SOLUTION, END_HIDDEN):
                inside = marker in (BEGIN_SOLUTION, BEGIN_HIDDEN)
            elif inside and len(marker) >= 12:
                found.add(" ".join(marker.split()))
    return found


def public_text() -> str:
    """Everything the student edition shows anyway: chapters, exercises, pages."""
    sources = [c.source for d in ("chapters", "exercises") for p in sorted((REPO / d).glob("*.ipynb")) for c in read(p).cells]
    sources += [p.read_text(encoding="utf-8") for p in sorted(REPO.glob("*.md"))]
    return " ".join(" ".join(sources).split())


def secrets_of(path: Path) -> set[str]:
    """Solution lines that appear nowhere in the student edition's sources (a common line such
    as ``U, s, Vt = np.linalg.svd(A)`` in a chapter gives nothing away)."""
    public = public_text()
    return {line for line in secret_lines(read(path)) if line not in public}


@pytest.mark.parametrize("path", SOLUTIONS, ids=IDS)
def test_exercise_notebook_holds_no_solution_text(path):
    secrets = secrets_of(path)
    assert len(secrets) >= 10, "too few distinctive solution lines to test for leaks"
    raw = " ".join((REPO / "exercises" / path.name).read_text(encoding="utf-8").split())
    leaked = [line for line in secrets if json.dumps(line, ensure_ascii=False)[1:-1] in raw]
    assert not leaked, f"solution text in exercises/{path.name}: {leaked}"


def test_toc_lists_every_exercise_after_the_chapters_and_no_solution():
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    captions = [part["caption"] for part in toc["parts"]]
    assert captions.index("Exercises") == captions.index("Chapters") + 1
    exercises = toc["parts"][captions.index("Exercises")]["chapters"]
    assert exercises == [{"file": f"exercises/{path.stem}"} for path in SOLUTIONS]
    assert "solutions/" not in json.dumps(toc)


# ---- the two editions of the book -----------------------------------------------------------------


def page_text(path: Path) -> str:
    """The text a reader (or a search) sees: tags dropped, entities decoded, whitespace collapsed."""
    raw = path.read_text(encoding="utf-8", errors="ignore")
    if path.suffix == ".html":
        raw = html.unescape(re.sub(r"<[^>]+>", "", raw))
    return " ".join(raw.split())


def visible_check_lines(nb) -> set[str]:
    return {" ".join(line.split()) for cell in nb.cells if info(cell).get("grade")
            for line in cell.source.split("\n") if line.strip().startswith("checks.")}


def test_student_edition_has_exercises_and_no_solution_text(student_book):
    assert not (student_book / "solutions").exists()
    secrets = set().union(*(secrets_of(p) for p in SOLUTIONS))
    files = [p for p in student_book.rglob("*") if p.is_file() and p.suffix in {".html", ".ipynb", ".txt", ".js", ".json", ".md", ".py"}]
    for path in files:
        text = page_text(path)
        leaked = [line for line in secrets if line in text]
        assert not leaked, f"{path.relative_to(student_book)} shows solution text: {leaked[:3]}"
    for path in SOLUTIONS:
        page = student_book / "exercises" / f"{path.stem}.html"
        assert page.is_file(), f"no page for exercises/{path.stem}"
        # The scan above would have seen solution code: the checks' code does show up this way.
        text = page_text(page)
        assert all(line in text for line in visible_check_lines(read(path)))
        download = student_book / "_sources" / "exercises" / path.name
        assert download.read_bytes() == (REPO / "exercises" / path.name).read_bytes()


@pytest.fixture(scope="session")
def instructor_book(student_book, tmp_path_factory) -> Path:
    """The instructor edition, built with -W from a copy of the book in which the chapters are
    the notebooks the student build executed (so figures and their references exist) and
    nothing is executed again: what this edition adds is its table of contents and pages."""
    work = tmp_path_factory.mktemp("instructor")
    source = work / "book"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".git", ".venv", "_build", ".pytest_cache", ".hypothesis"))
    for path in (REPO / "chapters").glob("*.ipynb"):
        shutil.copy(student_book.parent / "jupyter_execute" / "chapters" / path.name, source / "chapters" / path.name)
    config = yaml.safe_load((source / "_config.yml").read_text(encoding="utf-8"))
    config["execute"]["execute_notebooks"] = "off"
    (source / "_config.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (work / "_toc.yml").write_text(instructor_toc(source / "_toc.yml", source / "solutions"), encoding="utf-8")
    command = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(source), "-W", "-n", "--keep-going",
               "--all", "--toc", str(work / "_toc.yml"), "--path-output", str(work / "out")]
    result = subprocess.run(command, cwd=source, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, f"instructor edition failed:\n{result.stdout[-5000:]}\n{result.stderr[-5000:]}"
    return work / "out" / "_build" / "html"


def test_instructor_edition_adds_the_solutions(instructor_book):
    for path in SOLUTIONS:
        page = instructor_book / "solutions" / f"{path.stem}.html"
        assert page.is_file() and (instructor_book / "exercises" / f"{path.stem}.html").is_file()
        text = page_text(page)
        missing = [line for line in secrets_of(path) if line not in text]
        assert not missing, f"the leak scan would miss these solution lines: {missing[:3]}"
