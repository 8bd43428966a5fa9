# Two commands on a fresh machine (Python 3.11+ with venv; see README.md):
#   make course   set everything up and open the lessons in JupyterLab
#   make test     set everything up and run every check: lint, types, unit tests, lessons (nbval)
# Also: make lessons (re-execute every lesson in place), make setup, make clean.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NBVAL  := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: setup course test lint unit lessons clean

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=python3.11 (or newer)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	@touch $(STAMP)

setup: $(STAMP)

course: setup
	$(BIN)/jupyter lab lessons/

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest $(NBVAL) tests lessons

lessons: setup
	$(BIN)/python scripts/run_lessons.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
