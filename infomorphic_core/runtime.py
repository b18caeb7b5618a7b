"""Process settings that make the core fast on a CPU, applied once when the package is imported.

- **Freed memory is kept for reuse.** glibc's malloc hands every block over its threshold back to
  the system when it is freed, so each large temporary of a training step is a fresh mapping whose
  pages fault on first touch: about a third of a three-source training step's time on a 2-core
  machine. :func:`keep_freed_memory` raises the threshold to glibc's ceiling (32 MiB) and keeps
  freed memory in the process; ``INFOMORPHIC_KEEP_MEMORY=0`` leaves malloc as it is.
- **Threads.** :func:`threads` is the number of torch threads the package uses (``INFOMORPHIC_THREADS``,
  else :data:`DEFAULT_THREADS`), set at import unless ``OMP_NUM_THREADS`` or ``MKL_NUM_THREADS``
  is set; ``torch.set_num_threads`` after the import overrides it. The sweep engine's workers
  use it too.
"""

from __future__ import annotations

import ctypes
import os
import sys

# measured on a 2-core machine (make bench, the book's Performance page): a second thread makes
# the three-source training step 1.4 times faster when it runs alone (36-37 against 50-53 ms)
# and 2 to 23 times slower when two such runs share the cores (113 ms and 1.27 s in two runs,
# against 54-55 ms with one thread each); the MNIST-sized bivariate learning step gains a few
# per cent (1.22 against 1.28 ms)
DEFAULT_THREADS = 1

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD_MAX = 32 * 1024 * 1024  # glibc's ceiling on 64-bit systems
_TRIM_THRESHOLD = 2**31 - 1


def keep_freed_memory() -> bool:
    """Ask glibc's malloc to keep freed blocks up to 32 MiB for reuse; ``True`` if applied (Linux
    with glibc, ``INFOMORPHIC_KEEP_MEMORY`` not ``0``)."""
    if not sys.platform.startswith("linux") or os.environ.get("INFOMORPHIC_KEEP_MEMORY", "1") == "0":
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # another C library
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX)) and bool(mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))


def threads() -> int:
    """The torch thread count to use: ``INFOMORPHIC_THREADS`` if set (a positive integer), else
    :data:`DEFAULT_THREADS`."""
    value = os.environ.get("INFOMORPHIC_THREADS")
    if value is None:
        return DEFAULT_THREADS
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"INFOMORPHIC_THREADS must be a positive integer, got {value!r}")
    return int(value)


def apply() -> None:
    """Apply both settings (called once by ``import infomorphic_core``)."""
    import torch

    keep_freed_memory()
    explicit = any(os.environ.get(name) for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"))
    if "INFOMORPHIC_THREADS" in os.environ or not explicit:
        torch.set_num_threads(threads())
