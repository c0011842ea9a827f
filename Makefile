# svdlab: two commands on a fresh machine (Python 3.11 and pip):
#   make book   build the student edition of the book into _build/html/
#   make test   install everything and run the whole test suite
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
BOOK_FLAGS := -W -n --keep-going --all

.PHONY: help install book test clean browser bench

help:
	@echo "make book   build the book into _build/html (installs what it needs)"
	@echo "make book-instructor  the same plus the solutions, into _build/instructor/_build/html"
	@echo "make test   run every test: svdlab unit tests, nbval on every notebook, a clean -W book build,"
	@echo "            its pages in Chromium, every notebook in a simulated Colab (installs Chromium if root)"
	@echo "make clean  remove _build and the virtual environment"
	@echo "make bench  time every notebook and a clean book build into benchmarks/notebooks.md"

$(INSTALLED): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	# torch first, pinned: the CPU build that lies on this machine's disk.
	$(BIN)/python -m pip install --quiet -c constraints.txt torch
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[book,test]"
	touch $@

install: $(INSTALLED)

book: $(INSTALLED)
	$(BIN)/jupyter-book build . $(BOOK_FLAGS)
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"

# The instructor edition: the student edition plus a Solutions part (keep it private). Its
# table of contents is generated from _toc.yml, so the two never drift apart.
.PHONY: book-instructor
book-instructor: $(INSTALLED)
	$(BIN)/python -m svdlab instructor-toc --out _build/_toc_instructor.yml
	$(BIN)/jupyter-book build . $(BOOK_FLAGS) --toc _build/_toc_instructor.yml --path-output _build/instructor
	@echo "The instructor edition is at file://$(CURDIR)/_build/instructor/_build/html/index.html"

# Unit tests, static notebook checks and a clean -W build (tests/), then nbval executing
# every notebook top to bottom.
NOTEBOOKS = $(wildcard chapters/*.ipynb solutions/*.ipynb)

test: $(INSTALLED) browser
	$(BIN)/python -m pytest tests $(NOTEBOOKS) --nbval-lax --nbval-current-env

# tests/test_browser.py opens the built pages in Chromium (Debian's package): installed here
# when running as root (CI), otherwise say how. CHROMIUM=/path/to/chrome uses another one.
browser:
	@command -v chromium >/dev/null || command -v "$$CHROMIUM" >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "The browser tests need Chromium: sudo apt-get install chromium (or set CHROMIUM=/path/to/chrome)" >&2; exit 1; \
	  fi; }

# A benchmark, not a test: median of 3 fresh-kernel runs per notebook and one clean book build.
bench: $(INSTALLED)
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf _build $(VENV) .pytest_cache .hypothesis
