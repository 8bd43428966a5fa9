# Two commands on a fresh machine (Python 3.11+ with venv; see README.md):
#   make course   set everything up and open the lessons in JupyterLab (prints the URL)
#   make test     set everything up and run every check: lint, types, unit tests, lessons (nbval)
# Also: make lessons (re-execute every lesson in place), make site (the course website, offline,
# into build/site), make lowest (the lowest versions pyproject.toml allows), make dist (the wheel and sdist,
# checked), make setup, make clean.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NBVAL  := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg
PORT   ?= 8888
# JupyterLab refuses to run as root without --allow-root (containers, CI machines).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: setup course test lint unit lessons site lowest dist clean

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=python3.11 (or newer)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	@touch $(STAMP)

setup: $(STAMP)

# JUPYTER_ARGS passes more options, e.g. JUPYTER_ARGS="--no-browser --ip=0.0.0.0".
course: setup
	@token=$$($(BIN)/python -c 'import secrets; print(secrets.token_hex(16))'); \
	echo "JupyterLab is starting: open http://127.0.0.1:$(PORT)/lab?token=$$token (Ctrl-C stops it)"; \
	exec $(BIN)/python -m jupyterlab --port=$(PORT) --ServerApp.port_retries=0 \
		--IdentityProvider.token=$$token --ServerApp.root_dir=lessons $(ALLOW_ROOT) $(JUPYTER_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Everything the tests and lessons build (models, ONNX exports, bundles) goes to a fresh, empty
# cache made for this run, so a warm machine cannot hide a failure of a fresh one. The lessons
# run without network (scripts/without_network): they must need nothing from outside.
test: lint
	@cache=$$(mktemp -d) && trap 'rm -rf "$$cache"' EXIT && \
	export COMPANION_CACHE="$$cache/companion" HF_HOME="$$cache/huggingface" HF_HUB_OFFLINE=1 && \
	echo "empty caches for this run: $$cache" && \
	$(BIN)/python -m pytest --durations=25 tests && \
	scripts/without_network $(BIN)/python -m pytest $(NBVAL) lessons

lessons: setup
	$(BIN)/python scripts/run_lessons.py

# The course website from the committed lessons and their outputs (nothing is re-executed),
# into build/site, which any static host can serve; the build needs no network (tests/test_site.py
# builds it inside scripts/without_network, then checks every page in headless Chromium).
# Preview it with `python -m http.server -d build/site`.
site: setup
	$(BIN)/python scripts/build_site.py

# Not part of `make test`: a virtual environment with the lowest version of every direct
# dependency that pyproject.toml allows, running the unit tests (results in tests/data/).
lowest: setup
	$(BIN)/python scripts/lowest_versions.py

# The distribution run-ml-for-pennies (import package: companion), built offline from this
# checkout into dist/ and checked by twine. tests/test_distribution.py installs such a wheel
# into a clean virtual environment.
dist: setup
	rm -rf dist
	$(BIN)/python -m build --no-isolation --outdir dist .
	$(BIN)/twine check --strict dist/*

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache dist
