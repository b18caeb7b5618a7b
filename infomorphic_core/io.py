"""Files, below everything else of the package: the source hash that keys every result, the cache root, atomic writes, plain JSON, and
the ``--out`` folder of a run (checked before the computation, written whole or not at all).

Every writer here writes to a temporary file (or folder) beside its target and renames it, so
an interrupted write never leaves a half file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

ENV_DIR = "INFOMORPHIC_CACHE_DIR"
OUTPUTS = ("metrics.json", "history.csv")  # what ``infomorphic run`` writes into --out


@lru_cache(maxsize=1)
def core_hash() -> str:
    """SHA-256 over the source files of ``infomorphic_core`` (a change invalidates the cache)."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for path in sorted([*root.rglob("*.py"), *root.rglob("*.c")]):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def default_dir() -> Path:
    """The results cache: ``$INFOMORPHIC_CACHE_DIR``, else ``~/.cache/infomorphic-companion``."""
    return Path(os.environ.get(ENV_DIR) or Path.home() / ".cache" / "infomorphic-companion")


def check_dir(path) -> Path:
    """``path`` as a folder that exists (created if needed) and can be written, or a
    ``ValueError`` that says why not (checked before any computation)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{path} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise ValueError(f"{path} cannot be written ({error.strerror or error})") from None
    return path


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):  # never hide the error that got us here
            tmp.unlink(missing_ok=True)


def json_safe(value):
    """Plain JSON: NaN and infinities become null (JSON has no such numbers)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def write_json(path: Path, value) -> None:
    """``value`` as indented plain JSON (:func:`json_safe`), written atomically."""
    write_atomic(path, (json.dumps(json_safe(value), indent=2, allow_nan=False) + "\n").encode())


def check_out(path: Path) -> Path:
    """``--out``: a folder that is new or holds only a previous run's outputs (it is replaced
    as a whole), in a parent that can be written."""
    if path.exists() and not path.is_dir():
        raise ValueError(f"--out {path} is a file, not a folder")
    if path.is_dir():
        others = sorted(p.name for p in path.iterdir() if p.name not in OUTPUTS)
        if others:
            raise ValueError(f"--out {path} holds other files ({', '.join(others[:3])}); "
                             f"choose a new folder or one with only {' and '.join(OUTPUTS)}")
    try:
        check_dir(path.parent)
    except ValueError as error:
        raise ValueError(f"--out {path}: {error}") from None
    return path


def write_folder(out: Path, write) -> None:
    """``write(folder)`` fills a temporary folder beside ``out``, which then takes the place of
    ``out``: its files appear together or not at all."""
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.new-"))
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp's folder is private; the outputs are not
    try:
        write(tmp)
        if out.exists():
            os.replace(out, old)
        os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


def write_outputs(out: Path, metrics: dict, history) -> None:
    """metrics.json and history.csv appear together or not at all (:func:`write_folder`)."""

    def write(folder: Path) -> None:
        history.to_csv(folder / "history.csv", index=False)
        (folder / "metrics.json").write_text(json.dumps(json_safe(metrics), indent=2, allow_nan=False) + "\n")

    write_folder(out, write)
