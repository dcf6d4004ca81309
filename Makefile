# Everything installs into .venv from pyproject.toml; nothing comes from apt.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Jupyter refuses to run as root without being told (containers, CI machines).
JUPYTER_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root)
PYTEST_ARGS ?=

.PHONY: setup lab test release demo clean sandbox-tool browser-tool

setup: $(STAMP)

## The grader confines student code with bubblewrap where it can be had (Debian/Ubuntu as
## root); elsewhere it runs with resource limits only and says so.
sandbox-tool:
	@command -v bwrap >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { apt-get install -y -qq bubblewrap >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq bubblewrap >/dev/null 2>&1; }; }; } || \
	  echo "note: bubblewrap is not installed; grading runs student code with resource limits only"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

## Open the student notebooks in JupyterLab.
lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=labs $(JUPYTER_ARGS)

## Run the whole test suite (unit tests, notebooks executed, real nbgrader grading).
## The browser tests drive Debian's Chromium (never a downloaded browser); without it they are skipped.
browser-tool:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1; }; }; } || \
	  echo "note: chromium is not installed; the browser tests will be skipped"

test: $(STAMP) sandbox-tool browser-tool
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Regenerate labs/ from solutions/ with nbgrader.
release: $(STAMP)
	$(BIN)/grader release

## Grade example submissions built from the solutions and print the table.
demo: $(STAMP) sandbox-tool
	$(BIN)/grader demo --out demo-output

clean:
	rm -rf demo-output build dist *.egg-info gradebook.db .nbgrader.log
