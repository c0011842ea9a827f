"""The ``svdlab`` command (also ``python -m svdlab``), for instructors.

- ``svdlab exercises [--check]``: regenerate ``exercises/`` from ``solutions/`` and the
  Exercises part of ``_toc.yml``; with ``--check``, change nothing and exit 1 when either
  is stale.
- ``svdlab grade SUBMISSIONS... --out grades.csv``: grade submitted notebooks; writes the
  CSV and one feedback file per student (in ``grades_feedback/`` next to the CSV unless
  ``--feedback`` says otherwise).
- ``svdlab instructor-toc --out FILE``: write the instructor edition's table of contents.

Run it from the repository root (or pass the folders). Introduced with the exercises of
chapter 1.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Optional, Sequence

from .exercises import generate_exercises, instructor_toc
from .grading import grade, write_feedback, write_grades


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="svdlab", description="Exercise and grading tools of the svdlab course.")
    commands = parser.add_subparsers(dest="command", required=True)

    exercises = commands.add_parser("exercises", help="regenerate exercises/ from solutions/")
    exercises.add_argument("--solutions", default="solutions", help="folder of solution notebooks (default: solutions)")
    exercises.add_argument("--exercises", default="exercises", help="folder to generate (default: exercises)")
    exercises.add_argument("--toc", default="_toc.yml", help="table of contents whose Exercises part to update")
    exercises.add_argument("--check", action="store_true", help="change nothing; exit 1 if exercises/ is stale")

    grading = commands.add_parser("grade", help="grade submitted notebooks")
    grading.add_argument("submissions", nargs="+", help="folders (one sub-folder per student) or notebook files")
    grading.add_argument("--out", default="grades.csv", help="CSV file to write (default: grades.csv)")
    grading.add_argument("--feedback", help="folder for the feedback files (default: <out>_feedback next to the CSV)")
    grading.add_argument("--solutions", default="solutions", help="folder of solution notebooks (default: solutions)")
    grading.add_argument("--timeout", type=float, default=120.0, help="seconds each notebook may run (default: 120)")
    grading.add_argument(
        "--cell-timeout", type=float, default=30.0,
        help="seconds one cell may run; a longer one is left out and the notebook rerun (default: 30)",
    )
    grading.add_argument("--no-progress", action="store_true", help="no progress bar")

    toc = commands.add_parser("instructor-toc", help="write the instructor edition's table of contents")
    toc.add_argument("--toc", default="_toc.yml", help="the student edition's table of contents")
    toc.add_argument("--solutions", default="solutions", help="folder of solution notebooks")
    toc.add_argument("--out", required=True, help="file to write")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; return the exit status (0: success)."""
    if argv is not None and (isinstance(argv, str) or not all(isinstance(a, str) for a in argv)):
        raise TypeError(f"'argv' must be a list of strings, got {argv!r}")
    args = _parser().parse_args(argv)
    try:
        if args.command == "exercises":
            changed = generate_exercises(args.solutions, args.exercises, toc=args.toc, check=args.check)
            for path in changed:
                print(f"{'stale' if args.check else 'wrote' if path.exists() else 'deleted'}: {path}")
            if args.check and changed:
                print("stale: run `svdlab exercises` and commit the result.", file=sys.stderr)
                return 1
            if not changed:
                print(f"{args.exercises}/ and {args.toc} are up to date.")
            return 0
        if args.command == "instructor-toc":
            out = Path(args.out)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(instructor_toc(args.toc, args.solutions), encoding="utf-8")
            return 0
        results = grade(args.submissions, solutions=args.solutions, timeout=args.timeout,
                        cell_timeout=args.cell_timeout, progress=not args.no_progress)
        out = write_grades(results, args.out)
        feedback = Path(args.feedback) if args.feedback else out.with_name(out.stem + "_feedback")
        write_feedback(results, feedback)
    except (ValueError, TypeError) as error:
        print(f"svdlab {args.command}: {error}", file=sys.stderr)
        return 2
    counts = Counter(q.status for r in results for q in r.questions)
    students = len({r.student for r in results})
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    print(f"graded {len(results)} notebooks of {students} students ({summary}); wrote {out} and {feedback}/")
    return 1 if counts["grader error"] else 0


if __name__ == "__main__":
    sys.exit(main())
