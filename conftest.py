"""Test-session set-up shared by the unit tests and the notebooks' regression (nbval).

- Every session computes against its own empty results cache, so no test ever checks a result
  read from disk instead of the code (notebook kernels inherit the variable).
- nbval compares each notebook cell's output exactly, except the cells that
  ``notebooks/regression.toml`` names: those are compared by ``tests/regression/compare.py``
  (trained numbers within a measured tolerance, chaotic ones by their words only).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.regression.compare import load_rules, mismatch

_CACHE = tempfile.TemporaryDirectory(prefix="infomorphic-test-cache-")


def pytest_configure(config):
    os.environ["INFOMORPHIC_CACHE_DIR"] = _CACHE.name


def pytest_unconfigure(config):
    _CACHE.cleanup()


def _flatten(item, outputs) -> dict[str, list[str]]:
    """nbval's view of a cell's outputs: MIME type or stream name -> sanitised texts."""
    from nbval.plugin import transform_streams_for_comparison

    flat: dict[str, list[str]] = {}
    skip = item.parent.skip_compare
    for output in transform_streams_for_comparison(outputs):
        for key, value in output.items():
            if key in skip:
                continue
            values = value.items() if key == "data" else [(key, value)]
            for sub_key, text in values:
                if sub_key not in skip:
                    flat.setdefault(sub_key, []).append(item.sanitize(text))
    return flat


def _rule_comparison(rule):
    def compare_outputs(self, test, ref, skip_compare=None):
        self.comparison_traceback = []
        got, want = _flatten(self, test), _flatten(self, ref)
        if rule.mode == "none":
            return True
        if set(got) != set(want) or any(len(got[k]) != len(want[k]) for k in want):
            self.comparison_traceback.append(f"output kinds differ: {sorted(want)} != {sorted(got)}")
            return False
        for key in want:
            for reference, output in zip(want[key], got[key]):
                problem = mismatch(str(reference), str(output), rule)
                if problem:
                    self.comparison_traceback.append(
                        f"{key}: {problem}\n(rule: {rule.mode}, {rule.why})\n"
                        f"<<< reference\n{reference}\n=== now\n{output}\n>>>")
                    return False
        return True
    return compare_outputs


def pytest_collection_modifyitems(session, config, items):
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:
        return
    cells = [item for item in items if isinstance(item, IPyNbCell)]
    if not cells:
        return
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
