"""On-disk cache of task results, keyed by the config, a hash of the code the task runs (its
module and every package module it imports, :func:`~infomorphic_core.io.source_hash`) and the
computing environment (library versions, CPU math path).

Entries are written to a temporary file and renamed, so an interrupted write never leaves a
half entry; each entry carries a SHA-256 of its payload, and one that fails the check (truncated,
corrupt) is recomputed and overwritten, never loaded. A cache that cannot be written (read-only
folder, full disk) costs a warning, never the result. Each entry keeps its provenance: when and
on what machine it was computed, and how long the computation took.

Entries are data (:mod:`infomorphic_core.plain`: JSON and ``.npy`` arrays, no pickle), so a
cache folder shared with others, or a file planted in it, can at worst give a wrong number,
never run code. The unkeyed SHA-256 guards against damage, not against a writer: a shared
cache trusts everyone who can write to it with its results (not with code; the compiled
kernels live in a folder only their user can write, :mod:`infomorphic_core.fused`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import time
import warnings
from pathlib import Path
from typing import Callable, TypeVar

from . import fused, plain
from .io import core_hash, default_dir, source_hash, write_atomic

T = TypeVar("T")
MAGIC = b"INFOMORPHIC-CACHE-3\n"  # 2 held pickles, which a planted entry could make run code
# When set, every cached() call appends one JSON line of provenance to this file
# (``infomorphic reproduce`` reads it to report what each notebook computed).
ENV_LOG = "INFOMORPHIC_PROVENANCE_LOG"


def environment() -> dict[str, str]:
    """What besides the source moves a trained number: library versions and the CPU math path
    (ATen's vectorised kernels and MKL's code path, which change the last bits of sums) and
    whether the fused kernels run (:mod:`infomorphic_core.fused`: the sx-PID, the learning step)
    or the eager path."""
    import numpy
    import torch

    return {"torch": torch.__version__, "numpy": numpy.__version__,
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "MKL_CBWR": os.environ.get("MKL_CBWR", ""),
            "kernels": "fused" if fused.active() else "eager"}


def machine() -> dict:
    """The computing machine, for provenance: CPU, cores, threads and the math path."""
    import torch

    return {"platform": platform.platform(), "cpu": _cpu_name(), "cores": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), **environment()}


def _cpu_name() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def cache_key(config: dict, sources: tuple[str, ...] = ()) -> str:
    """Key of a result: the config, the source the computation runs (the package modules
    ``sources`` and what they import, see :func:`~infomorphic_core.io.source_hash`; the whole
    package when empty) and the computing :func:`environment`."""
    text = json.dumps({"config": config, "environment": environment()}, sort_keys=True, default=repr)
    code = source_hash(*sources) if sources else core_hash()
    return hashlib.sha256((text + code).encode()).hexdigest()[:32]


def _read(path: Path):
    data = path.read_bytes()
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 32:
        raise ValueError("not a cache entry")
    digest, payload = data[len(MAGIC):len(MAGIC) + 32], data[len(MAGIC) + 32:]
    if hashlib.sha256(payload).digest() != digest:
        raise ValueError("checksum mismatch")
    return plain.loads(payload)


def _write(path: Path, obj) -> None:
    payload = plain.dumps(obj)
    write_atomic(path, MAGIC + hashlib.sha256(payload).digest() + payload)


def checkpoint_path(config: dict, cache_dir=None, sources: tuple[str, ...] = ()) -> Path:
    """Where an interrupted computation of ``config`` keeps its checkpoint (same key as the
    result, so a checkpoint is only ever resumed by the same config, code and environment)."""
    return Path(cache_dir or default_dir()) / "checkpoints" / f"{cache_key(config, sources)}.pt"


def _log(provenance: dict) -> None:
    target = os.environ.get(ENV_LOG)
    if target:
        with contextlib.suppress(OSError), open(target, "a") as handle:
            handle.write(json.dumps(provenance) + "\n")


def cached_with_provenance(config: dict, compute: Callable[[], T], cache_dir=None,
                           use_cache: bool = True, earlier_s: float = 0.0,
                           sources: tuple[str, ...] = ()) -> tuple[T, dict]:
    """``(result, provenance)``: ``compute()`` or its stored result for the same ``config``,
    core source and environment. ``provenance`` says whether the result was ``computed`` now
    or read from the ``cache`` (and which entry), when and on what machine it was computed,
    and the computation's own wall time, with ``earlier_s`` of an interrupted earlier attempt
    that this one resumed (``resumed_after_s``). ``use_cache=False`` neither reads nor writes.
    ``sources`` narrows the key's source to the modules the computation runs (see :func:`cache_key`)."""
    key = cache_key(config, sources)
    path = Path(cache_dir or default_dir()) / f"{key}.pkl"
    if use_cache and path.exists():
        try:
            entry = _read(path)
            provenance = dict(entry["provenance"], source="cache", cache_entry=str(path))
            _log(dict(provenance, task=config.get("task"), profile=config.get("profile")))
            return entry["result"], provenance
        except Exception as error:  # any unreadable entry is recomputed, never trusted
            warnings.warn(f"cache entry {path.name} is unreadable ({error}); recomputing",
                          stacklevel=2)
    start = time.perf_counter()
    result = compute()
    provenance = {"source": "computed", "computed_at": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
                  "wall_time_s": round(earlier_s + time.perf_counter() - start, 2), "machine": machine(),
                  "cache_key": key, "cache_entry": None}
    if earlier_s:
        provenance["resumed_after_s"] = round(earlier_s, 2)
    if use_cache:
        try:
            _write(path, {"result": result, "provenance": provenance})
            provenance["cache_entry"] = str(path)
        except Exception as error:  # full disk, read-only folder, a value not plain data: keep it
            reason = getattr(error, "strerror", None) or error
            warnings.warn(f"could not write the cache entry {path} ({reason}); "
                          f"the result is kept but not cached", stacklevel=2)
    _log(dict(provenance, task=config.get("task"), profile=config.get("profile")))
    return result, provenance


def cached(config: dict, compute: Callable[[], T], cache_dir=None, use_cache: bool = True) -> T:
    """``compute()``, or its stored result (see :func:`cached_with_provenance`)."""
    return cached_with_provenance(config, compute, cache_dir, use_cache)[0]
