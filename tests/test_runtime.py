"""Process settings applied at import: the thread count and malloc keeping freed memory."""

import os
import subprocess
import sys

import pytest

from infomorphic_core import runtime


def test_threads_default_and_override(monkeypatch):
    monkeypatch.delenv("INFOMORPHIC_THREADS", raising=False)
    assert runtime.threads() == runtime.DEFAULT_THREADS
    monkeypatch.setenv("INFOMORPHIC_THREADS", "3")
    assert runtime.threads() == 3
    for bad in ("0", "-1", "two", ""):
        monkeypatch.setenv("INFOMORPHIC_THREADS", bad)
        with pytest.raises(ValueError, match="INFOMORPHIC_THREADS"):
            runtime.threads()


def _run(code: str, **env) -> str:
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "INFOMORPHIC_THREADS",
                                "INFOMORPHIC_KEEP_MEMORY")}
    return subprocess.run([sys.executable, "-c", code], env=environment | env, capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.mark.slow
def test_import_sets_the_threads_unless_the_environment_does():
    code = "import torch, infomorphic_core; print(torch.get_num_threads())"
    assert _run(code) == str(runtime.DEFAULT_THREADS)
    assert _run(code, INFOMORPHIC_THREADS="2") == "2"
    assert _run(code, OMP_NUM_THREADS="2") == "2"  # OpenMP's own setting is respected
    assert _run(code, OMP_NUM_THREADS="2", INFOMORPHIC_THREADS="1") == "1"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
@pytest.mark.slow
def test_freed_memory_is_reused_without_page_faults(monkeypatch):
    """Training steps make several large temporaries at once. With the setting, steps after the
    first reuse the memory the first one faulted in (16 MB is 4,096 pages); without it, glibc
    returns large blocks to the system and maps them again, unless its adaptive threshold
    happens to keep them (so that side is only printed)."""
    monkeypatch.setenv("INFOMORPHIC_KEEP_MEMORY", "0")
    assert not runtime.keep_freed_memory()
    monkeypatch.delenv("INFOMORPHIC_KEEP_MEMORY")
    assert runtime.keep_freed_memory()
    code = """
import resource, torch, infomorphic_core
def step():
    a = torch.empty(4 << 20).fill_(1.0)
    b = torch.empty(4 << 20).fill_(2.0)
    return float((a + b)[0])
step(); step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""
    kept = int(_run(code, OMP_NUM_THREADS="1"))
    returned = int(_run(code, OMP_NUM_THREADS="1", INFOMORPHIC_KEEP_MEMORY="0"))
    print(f"page faults in 20 steps: {kept} kept, {returned} returned to the system")
    assert kept <= 3 * 4096 + 16  # at most one step's temporaries mapped anew
