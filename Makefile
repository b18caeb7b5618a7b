# Self-bootstrapping: every target creates .venv and installs the project when pyproject.toml changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROFILE ?= quick
SANITIZE := notebooks/nbval_sanitize.cfg
# Notebooks executed (and test processes run) at a time, one math thread each: these small
# tensors gain nothing from a second thread, so processes, not threads, use the cores.
# Default: one per core, at most 8.
JOBS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); echo $$(( n < 8 ? n : 8 )))

# The spoken-digit corpus of the multimodal chapter, synthesised once by the set-up (see
# tools/spoken_digits.py: the synthesiser, espeak-ng, is GPL-3.0 and runs only as that separate
# program; the package reads its output).
CORPUS_DIR ?= $(or $(INFOMORPHIC_CORPUS_DIR),$(HOME)/.local/share/infomorphic-companion/spoken-digits)

.PHONY: setup corpus check test regression book references results readme student bench browser clean

setup: $(STAMP) corpus

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,book]'
	@touch $(STAMP)

corpus: $(STAMP)
	@$(BIN)/python -c "import espeakng_loader" 2>/dev/null || $(BIN)/python -m pip install --quiet 'espeakng-loader==0.2.4'
	@$(BIN)/python tools/spoken_digits.py --out "$(CORPUS_DIR)" > /dev/null

# The fast tier, after a change to the core: the unit tests without the slow ones (tasks trained
# end to end, processes started) and without the book's (notebooks executed, the built book).
check: setup
	$(BIN)/python -m pytest tests -m "not slow and not book" -n $(JOBS) -q

# The whole suite, CI's gate: unit tests, then the notebooks' reference outputs (nbval; trained numbers within the
# tolerances of notebooks/regression.toml); the checks of the built book (its pages in a
# browser, its executed chapters against the references) are skipped outside CI when the
# book has not been built. Every session computes against an empty results cache
# (conftest.py), shared by the test processes; loadscope keeps each notebook's cells in one
# process, in order. The notebooks come first: the student editions (tests/test_student.py),
# executed later, read the results their chapters computed.
# The browser test uses the Chromium it finds (`make browser` installs Debian's, as root) and is
# skipped, with one line in the header, where there is none.
# Tests marked `alone` time real processes; they run last, by themselves.
test: setup
	$(BIN)/python -m pytest notebooks tests --nbval --nbval-sanitize-with $(SANITIZE) -n $(JOBS) --dist loadscope -m "not alone"
	$(BIN)/python -m pytest tests -m alone

# The notebooks' regression alone, e.g. under another CPU math path:
#   ATEN_CPU_CAPABILITY=default MKL_CBWR=COMPATIBLE make regression
regression: setup
	$(BIN)/python -m pytest notebooks --nbval --nbval-sanitize-with $(SANITIZE) -n $(JOBS) --dist loadscope

book: setup
	$(BIN)/infomorphic reproduce --profile $(PROFILE) --jobs $(JOBS)
	$(BIN)/jupyter-book build book -W -n --keep-going --all
	@echo "Book: $(CURDIR)/book/_build/html/index.html"

references: setup
	$(BIN)/infomorphic reproduce --references

# The recorded paper-profile results the pages read (results/paper/NAME), refreshed with their own
# task, profile and settings: all of them, or ONLY="memory ...". A new one: .venv/bin/infomorphic
# record TASK --profile paper [--set KEY=VALUE ...] [--name NAME].
RECORDED := $(notdir $(patsubst %/metrics.json,%,$(wildcard results/paper/*/metrics.json)))
results: setup
	$(BIN)/infomorphic record --refresh $(or $(ONLY),$(RECORDED))
	$(BIN)/python benchmarks/readme_tables.py

# The README's tables of measured figures, from benchmarks/results.json and results/paper.
readme: setup
	$(BIN)/python benchmarks/readme_tables.py

# The student edition: the notebooks without the solutions of their exercises, and a zip.
student: setup
	$(BIN)/infomorphic student --out student-edition

bench: setup
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/readme_tables.py

# Debian's Chromium for the browser test, installed when missing (apt-get: needs root; only on
# request, never by another target).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser test"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "warning: could not install chromium; the browser test will be skipped" >&2; }

clean:
	rm -rf book/_build book/notebooks book/reproducibility.md .pytest_cache student-edition
