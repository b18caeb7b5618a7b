# Self-bootstrapping: every target creates .venv and installs the project when pyproject.toml changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROFILE ?= quick

.PHONY: setup test book references bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,book]'
	@touch $(STAMP)

test: setup
	$(BIN)/python -m pytest

book: setup
	@echo "The book is not built yet: see the book issue. 'make test' runs the core tests." >&2
	@exit 1

references: setup
	@echo "No notebooks yet: nothing to re-record." >&2

bench: setup
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf book/_build .pytest_cache
