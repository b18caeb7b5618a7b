"""Time chapters' paper profiles (never a test): each chapter is executed by
`infomorphic reproduce --profile paper --only NAME` against an empty results cache, and its wall
time, machine and outcome are written to benchmarks/results.json under "paper_profiles".

Usage: python benchmarks/paper_profile.py NAME [NAME ...] [-- REPRODUCE OPTIONS]
e.g.   python benchmarks/paper_profile.py 03_unsupervised_bars
       python benchmarks/paper_profile.py 02_supervised -- -p mnist_dir=/data/mnist
The executed notebooks are kept in benchmarks/paper-profiles/ (not versioned). A chapter that
fails is recorded as failed, with the time it ran.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from infomorphic_core import cache, runtime
from infomorphic_core.io import write_atomic

RESULTS = Path(__file__).with_name("results.json")
EXECUTED = Path(__file__).with_name("paper-profiles")
READS_MNIST = ("02_supervised", "07_trivariate")  # the chapters whose paper profile reads MNIST


def main(argv: list[str]) -> int:
    names, extra = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    if not names:
        raise SystemExit(__doc__)
    machine = cache.machine()
    described = f"{machine['cpu']}, {machine['cores']} cores, {runtime.threads()} torch thread(s)"
    failures = 0
    for name in names:
        with tempfile.TemporaryDirectory(prefix="paper-profile-") as tmp:
            command = [sys.executable, "-m", "infomorphic_core.cli", "reproduce", "--profile", "paper",
                       "--only", name, "--out", str(EXECUTED), *extra]
            env = os.environ | {"INFOMORPHIC_CACHE_DIR": str(Path(tmp) / "cache")}
            start = time.perf_counter()
            done = subprocess.run(command, env=env)
            wall = time.perf_counter() - start
        record = {"wall_s": round(wall, 1), "status": "ok" if done.returncode == 0 else "failed",
                  "machine": described, "options": " ".join(extra) or "none",
                  "date": time.strftime("%Y-%m-%d", time.gmtime())}
        if name in READS_MNIST:
            record["mnist"] = ("local folder ($INFOMORPHIC_MNIST_DIR)" if os.environ.get("INFOMORPHIC_MNIST_DIR")
                               else "download, else the 5k subset")
        failures += done.returncode != 0
        # read again before writing: other chapters may have been timed meanwhile
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        results.setdefault("paper_profiles", {})[name] = record
        write_atomic(RESULTS, (json.dumps(results, indent=2, sort_keys=True) + "\n").encode())
        print(f"{name}: {record['status']} in {wall / 60:.1f} min")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
