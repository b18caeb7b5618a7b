# Self-bootstrapping: every target creates .venv and installs the project when pyproject.toml changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROFILE ?= quick
SANITIZE := notebooks/nbval_sanitize.cfg

.PHONY: setup test regression book references bench browser clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,book]'
	@touch $(STAMP)

# Unit tests, then the notebooks' reference outputs (nbval; trained numbers within the
# tolerances of notebooks/regression.toml), then the browser check of the built book
# (book/_build/html; skipped outside CI when the book has not been built). Every session
# computes against an empty results cache (conftest.py).
test: setup browser
	$(BIN)/python -m pytest tests notebooks --nbval --nbval-sanitize-with $(SANITIZE)

# The notebooks' regression alone, e.g. under another CPU math path:
#   ATEN_CPU_CAPABILITY=default MKL_CBWR=COMPATIBLE make regression
regression: setup
	$(BIN)/python -m pytest notebooks --nbval --nbval-sanitize-with $(SANITIZE)

book: setup
	$(BIN)/infomorphic reproduce --profile $(PROFILE)
	$(BIN)/jupyter-book build book -W -n --keep-going --all
	@echo "Book: $(CURDIR)/book/_build/html/index.html"

references: setup
	$(BIN)/infomorphic reproduce --references

bench: setup
	$(BIN)/python benchmarks/run.py

# Debian's Chromium for the browser test; installed when missing and when apt-get may run.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser test"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "warning: could not install chromium; the browser test will be skipped" >&2; }

clean:
	rm -rf book/_build book/notebooks book/reproducibility.md .pytest_cache
