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


def copied_io(tmp_path):
    """The io module of a copy of the package, which hashes its own folder."""
    import importlib.util
    import shutil

    root = Path(cache.__file__).resolve().parent
    copy = tmp_path / "infomorphic_core"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("__pycache__"))
    spec = importlib.util.spec_from_file_location("copied_io", copy / "io.py")
    copied = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(copied)
    return copy, copied


def touch(path: Path) -> None:
    """A change of code (not of a comment) to a source file."""
    path.write_text(path.read_text() + "\n_CHANGED = 1\n" if path.suffix == ".py" else path.read_text() + "\n/* changed */\n")


def test_core_hash_covers_the_kernel_source(tmp_path):
    """A change to the C kernel invalidates cached results as a change to Python code does."""
    copy, copied = copied_io(tmp_path)
    before = copied.core_hash()
    assert before == cache.core_hash()
    touch(copy / "sx_pid.c")
    copied.core_hash.cache_clear()
    assert copied.core_hash() != before


@pytest.mark.parametrize("changed, same", [("three_source.py", True), ("cli.py", True), ("tasks/bars.py", True),
                                           ("layer.py", False), ("tasks/memory.py", False), ("sx_pid.c", False),
                                           ("tasks/common.py", False), ("io.py", False)])
def test_source_hash_follows_what_a_task_runs(tmp_path, changed, same):
    """The memory task does not run the three-source step, the command line or another task; it
    runs the layer, its own module, the runner and (through the fused path) the C kernels."""
    copy, copied = copied_io(tmp_path)
    modules = ("tasks.memory", "tasks.common")
    before, whole = copied.source_hash(*modules), copied.core_hash()
    assert before == io.source_hash(*modules) != whole
    touch(copy / changed)
    for function in (copied.source_hash, copied.core_hash, copied.import_graph):
        function.cache_clear()
    assert (copied.source_hash(*modules) == before) is same
    assert copied.core_hash() != whole


@pytest.mark.parametrize("edit, same", [
    (lambda t: t.replace('"""Atoms', '"""The atoms', 1), True),  # a docstring
    (lambda t: t + "\n\n# a note\n", True),  # a comment
    (lambda t: t.replace("def ", "def  ", 1), False),  # code, even only its spacing
    (lambda t: t + "X = 1\n", False),
])
def test_source_hash_ignores_docstrings_and_comments_only(tmp_path, edit, same):
    """Results stay current through an edit of the documentation; any edit of code moves the
    hash (spacing included: the hash reads the text, not a syntax tree that another Python
    version would print otherwise)."""
    copy, copied = copied_io(tmp_path)
    before = copied.source_hash("pid")
    path = copy / "pid.py"
    text = path.read_text()
    assert '"""Atoms' in text or not same
    path.write_text(edit(text))
    copied.source_hash.cache_clear()
    assert (copied.source_hash("pid") == before) is same


def test_source_hash_names_what_it_does_not_know():
    with pytest.raises(ValueError, match="tasks.nothing"):
        io.source_hash("tasks.nothing")
    assert io.source_hash() == io.core_hash()


def test_a_task_result_is_keyed_by_the_source_it_runs():
    from infomorphic_core.tasks import bars, common

    assert common.runs_sources(bars._run) == ("tasks.bars", "tasks.common")
    assert common.runs_sources(lambda c, _: c) == ()  # code outside the package: the whole package
    assert cache.cache_key({"a": 1}, ("tasks.bars", "tasks.common")) != cache.cache_key({"a": 1})


def test_cache_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(io.ENV_DIR, str(tmp_path / "x"))
    assert io.default_dir() == tmp_path / "x"
