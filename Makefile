# Everything installs into .venv from pyproject.toml; nothing comes from apt.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JUPYTER_ARGS ?=
PYTEST_ARGS ?=

.PHONY: setup lab test release demo clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

## Open the student notebooks in JupyterLab.
lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=labs $(JUPYTER_ARGS)

## Run the whole test suite (unit tests, notebooks executed, real nbgrader grading).
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Regenerate labs/ from solutions/ with nbgrader.
release: $(STAMP)
	$(BIN)/grader release

## Grade bundled example submissions and print the table.
demo: $(STAMP)
	$(BIN)/grader demo --out demo-output

clean:
	rm -rf demo-output build dist *.egg-info gradebook.db .nbgrader.log
