"""Time every notebook and the whole book build; write the table to benchmarks/notebooks.md.

    make bench                                   # all notebooks, 3 runs each, one book build
    .venv/bin/python benchmarks/bench.py --runs 5 chapters/01_what_is_the_svd.ipynb

Each run executes the notebook top to bottom in a fresh kernel (nbclient, the current
Python's ``python3`` kernel, the notebook's folder as working directory), as the book build
and nbval do. The table gives the median and the fastest run: wall time including kernel
start, and the time spent in the cells alone. A notebook whose median wall time exceeds the
budget is flagged. Exercises run unanswered, so their errors are expected and only counted.
This is a benchmark, not a test: nothing here fails on a slow machine.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_DIRS = ("chapters", "solutions", "exercises")
BUDGET_S = 15.0


def run_notebook(path: Path) -> tuple[float, float, int]:
    """Execute once in a fresh kernel; return (wall seconds, seconds inside cells, errors)."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3", allow_errors=path.parent.name == "exercises",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError:
        return time.perf_counter() - start, float("nan"), -1
    wall = time.perf_counter() - start
    in_cells = 0.0
    errors = 0
    for cell in notebook.cells:
        timing = cell.metadata.get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            began = datetime.datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
            ended = datetime.datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
            in_cells += (ended - began).total_seconds()
        errors += sum(out.output_type == "error" for out in cell.get("outputs", []))
    return wall, in_cells, errors


def build_book() -> tuple[float, bool]:
    """One clean build of the whole book (as `make book`), into a temporary folder."""
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        result = subprocess.run([str(jupyter_book), "build", str(REPO), "-W", "-n", "--keep-going", "--all", "--path-output", out],
                                cwd=REPO, capture_output=True, text=True)
        return time.perf_counter() - start, result.returncode == 0


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_cpu_seconds() -> float | None:
    """CPU seconds every process on the machine has used since boot (Linux), or None."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """CPU seconds of this process and of every child it waited for (kernels, the book build)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook of the course")
    parser.add_argument("--runs", type=int, default=3, help="runs per notebook (median reported; default 3)")
    parser.add_argument("--no-book", action="store_true", help="skip the whole-book build")
    parser.add_argument("--output", type=Path, default=REPO / "benchmarks" / "notebooks.md")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("'--runs' must be at least 1")
    notebooks = [p.resolve() for p in args.notebooks] or sorted(p for d in NOTEBOOK_DIRS for p in (REPO / d).glob("*.ipynb"))

    cores = os.cpu_count() or 1
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    load_before = os.getloadavg()[0]
    started = datetime.datetime.now(datetime.timezone.utc)
    clock, machine, own = time.perf_counter(), machine_cpu_seconds(), own_cpu_seconds()
    rows = []
    for path in notebooks:
        runs = [run_notebook(path) for _ in range(args.runs)]
        walls = [r[0] for r in runs]
        cells = [r[1] for r in runs]
        errors = max(r[2] for r in runs)
        median = statistics.median(walls)
        name = path.relative_to(REPO).as_posix()
        if errors < 0:
            note = "**failed** (a cell raised)"
        elif median > BUDGET_S:
            note = f"**over the {BUDGET_S:.0f} s budget**"
        else:
            note = "ok"
        if errors > 0:
            note += f"; {errors} errors (unanswered exercises)"
        rows.append(f"| `{name}` | {median:.1f} | {min(walls):.1f} | {statistics.median(cells):.1f} | {note} |")
        print(rows[-1], flush=True)
    book = None if args.no_book else build_book()
    # How much of the machine other jobs took meanwhile: all CPU time used minus our own.
    others = None
    if machine is not None:
        used = machine_cpu_seconds() - machine - (own_cpu_seconds() - own)
        others = max(0.0, used) / ((time.perf_counter() - clock) * usable)
    busy = others > 0.10 if others is not None else load_before > 0.5 * usable
    lines = [
        "# Notebook timings",
        "",
        "Written by `make bench` (`benchmarks/bench.py`); do not edit by hand.",
        "",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC",
        f"- Machine: {cpu_model()}, {cores} cores ({usable} usable), {platform.system()} {platform.machine()}",
        f"- Python {platform.python_version()}, torch {version('torch')}, numpy {version('numpy')}, "
        f"jupyter-book {version('jupyter-book')}",
        f"- Load average (1 min) before: {load_before:.2f}; other processes used "
        f"{'an unknown share' if others is None else f'{others:.0%}'} of the CPU while the benchmark ran",
        f"- Each notebook: {args.runs} runs, each in a fresh kernel; budget {BUDGET_S:.0f} s per notebook (median wall time).",
        "",
    ]
    if busy:
        lines += ["**Other jobs were running while these timings were taken: the times are inflated; "
                  "a quiet machine is faster.**", ""]
    lines += [
        "| notebook | median wall (s) | fastest wall (s) | median in cells (s) | |",
        "|---|---:|---:|---:|---|",
        *rows,
        "",
        "Wall time includes starting and stopping the kernel (one to two seconds); *in cells* is the time the cells ran.",
    ]
    if book is not None:
        seconds, ok = book
        lines += ["", f"Whole book, clean build (`jupyter-book build . -W -n --keep-going --all`, executes every chapter): "
                      f"{seconds:.0f} s{'' if ok else ' — **the build failed**'}."]
    over = [row for row in rows if "over the" in row or "failed" in row]
    lines += ["", f"Notebooks over budget or failing: {len(over)}."]
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
