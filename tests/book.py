"""The built book, as the tests that check it find it."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "book" / "_build" / "html"
EXECUTED = ROOT / "book" / "notebooks"  # the chapters as `make book` executed them


def require(condition, reason):
    """Skip on a developer machine; in CI (CI=true) a missing prerequisite is a failure."""
    if not condition:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
