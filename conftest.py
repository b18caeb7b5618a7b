"""Test-session set-up shared by the unit tests and the notebooks' regression (nbval).

- Every session computes against its own empty results cache, so no test ever checks a result
  read from disk instead of the code (notebook kernels inherit the variable). With
  pytest-xdist the workers share it (entries are written whole, by rename): the student
  editions, executed after the chapters, read the results their chapters computed.
- nbval compares each notebook cell's output exactly, except the cells that
  ``notebooks/regression.toml`` names: those are compared by ``tests/regression/compare.py``
  (trained numbers within a measured tolerance, chaotic ones by their words only).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.regression.compare import compare_cell, load_rules

SESSION_CACHE = "INFOMORPHIC_TEST_SESSION_CACHE"  # set by the first process, inherited by workers
_CACHE = None


def pytest_configure(config):
    global _CACHE
    shared = os.environ.get(SESSION_CACHE)
    if shared is None:  # the controlling process, or a run without workers
        _CACHE = tempfile.TemporaryDirectory(prefix="infomorphic-test-cache-")
        shared = os.environ[SESSION_CACHE] = _CACHE.name
    os.environ["INFOMORPHIC_CACHE_DIR"] = shared
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # one of several test processes (make test: -n JOBS): one math thread each, for the
        # tests and the notebook kernels they start, so that the processes share the cores
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[name] = "1"
        import torch

        torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _session_cache_kept(monkeypatch):
    """`infomorphic run --cache-dir` makes its folder the process's cache (the kernels and
    downloads follow it): a test that calls the CLI in-process must not leave it set."""
    monkeypatch.setenv("INFOMORPHIC_CACHE_DIR", os.environ["INFOMORPHIC_CACHE_DIR"])


def pytest_report_header(config):
    from tests.book import chromium

    found = chromium()
    return (f"browser test: {found}" if found else
            "browser test: skipped, no Chromium found (set CHROMIUM, or `make browser` installs Debian's as root)")


def pytest_unconfigure(config):
    if _CACHE is not None:
        os.environ.pop(SESSION_CACHE, None)
        _CACHE.cleanup()


def _rule_comparison(rule):
    def compare_outputs(self, test, ref, skip_compare=None):
        problem = compare_cell(ref, test, rule, self.sanitize, self.parent.skip_compare)
        self.comparison_traceback = [problem] if problem else []
        return problem is None
    return compare_outputs


def pytest_collection_modifyitems(session, config, items):
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:
        return
    cells = [item for item in items if isinstance(item, IPyNbCell)]
    if not cells:
        return
    for item in cells:
        item.add_marker(pytest.mark.book)
    rules = load_rules()
    used = set()
    for item in cells:
        notebook = Path(str(item.fspath)).stem
        matching = [r for r in rules if r.applies_to(notebook, item.cell.source)]
        if len(matching) > 1:
            raise pytest.UsageError(f"{notebook} cell {item.cell_num}: more than one rule in "
                                    f"regression.toml matches it")
        if matching:
            used.add(matching[0])
            item.compare_outputs = _rule_comparison(matching[0]).__get__(item)
    checked = {Path(str(item.fspath)).stem for item in cells}
    stale = [r for r in rules if r.notebook in checked and r not in used]
    if stale:
        raise pytest.UsageError("regression.toml rules that match no cell: "
                                + "; ".join(f"{r.notebook} {r.source!r}" for r in stale))
