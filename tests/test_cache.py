from pathlib import Path

import pytest
import torch

from infomorphic_core import cache, io


def test_cache_hit_and_no_cache(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"value": len(calls)}

    assert cache.cached({"a": 1}, compute, tmp_path) == {"value": 1}
    assert cache.cached({"a": 1}, compute, tmp_path) == {"value": 1}
    assert len(calls) == 1
    assert cache.cached({"a": 2}, compute, tmp_path) == {"value": 2}
    assert cache.cached({"a": 1}, compute, tmp_path, use_cache=False) == {"value": 3}
    assert not list(tmp_path.glob(".*tmp"))


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_corrupt_entry_is_recomputed(tmp_path, damage):
    cache.cached({"k": 1}, lambda: list(range(1000)), tmp_path)
    (entry,) = tmp_path.glob("*.pkl")
    data = entry.read_bytes()
    if damage == "truncate":
        entry.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        entry.write_bytes(data[:-10] + bytes([data[-10] ^ 0xFF]) + data[-9:])
    else:
        entry.write_bytes(b"not a cache entry")
    with pytest.warns(UserWarning, match="recomputing"):
        assert cache.cached({"k": 1}, lambda: "fresh", tmp_path) == "fresh"
    assert cache.cached({"k": 1}, lambda: "again", tmp_path) == "fresh"


def test_key_depends_on_core_source(monkeypatch):
    key = cache.cache_key({"a": 1})
    monkeypatch.setattr(cache, "core_hash", lambda: "other")
    assert cache.cache_key({"a": 1}) != key


def test_key_depends_on_torch_version_and_math_path(monkeypatch):
    key = cache.cache_key({"a": 1})
    monkeypatch.setattr(torch, "__version__", "0.0.0")
    assert cache.cache_key({"a": 1}) != key
    monkeypatch.undo()
    assert cache.cache_key({"a": 1}) == key
    monkeypatch.setenv("MKL_CBWR", "COMPATIBLE")
    assert cache.cache_key({"a": 1}) != key


def test_key_depends_on_the_kernels_path(monkeypatch):
    """The fused and the eager sx-PID and learning step agree only to float rounding: results
    of one are not served to the other."""
    from infomorphic_core import fused

    monkeypatch.setattr(fused, "library", lambda: object())
    key = cache.cache_key({"a": 1})
    monkeypatch.setattr(fused, "library", lambda: None)
    assert cache.cache_key({"a": 1}) != key


def test_core_hash_covers_the_kernel_source(tmp_path):
    """A change to the C kernel invalidates cached results as a change to Python code does (on a
    copy of the package, whose cache module hashes its own folder)."""
    import importlib.util
    import shutil

    root = Path(cache.__file__).resolve().parent
    copy = tmp_path / "infomorphic_core"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("__pycache__"))
    spec = importlib.util.spec_from_file_location("copied_io", copy / "io.py")
    copied = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(copied)
    before = copied.core_hash()
    assert before == cache.core_hash()
    (copy / "sx_pid.c").write_text((copy / "sx_pid.c").read_text() + "\n/* changed */\n")
    copied.core_hash.cache_clear()
    assert copied.core_hash() != before


def test_cache_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(io.ENV_DIR, str(tmp_path / "x"))
    assert io.default_dir() == tmp_path / "x"
