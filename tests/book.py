"""The built book, as the tests that check it find it."""

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "book" / "_build" / "html"
EXECUTED = ROOT / "book" / "notebooks"  # the chapters as `make book` executed them


def chromium() -> str | None:
    """The Chromium the browser test drives: ``$CHROMIUM``, else one on the PATH (never installed
    by the tests: `make browser` installs Debian's, as root)."""
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    return found if found and Path(found).exists() else None


def require(condition, reason):
    """Skip on a developer machine; in CI (CI=true) a missing prerequisite is a failure."""
    if not condition:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
