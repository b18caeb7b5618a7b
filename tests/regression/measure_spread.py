"""Measure how far each printed number of the notebooks moves across CPU math paths and seeds.

    python tests/regression/measure_spread.py run --out DIR        # execute every variant (slow)
    python tests/regression/measure_spread.py table --out DIR      # DIR/spread.json, DIR/spread_table.md

Each variant executes every notebook with ``infomorphic reproduce`` against its own empty
results cache. Math paths are switched with the environment variables PyTorch and MKL read at
start-up (``ATEN_CPU_CAPABILITY`` picks ATen's vectorised kernels, ``MKL_CBWR`` MKL's code
path); seed variants pass ``-p seed=N`` to the notebooks that declare a seed. The table step
compares every number in every code cell's text output with the native run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.regression.compare import split  # noqa: E402

MATH_PATHS = {
    "native": {},
    "aten-avx2": {"ATEN_CPU_CAPABILITY": "avx2"},
    "aten-default": {"ATEN_CPU_CAPABILITY": "default"},
    "mkl-compatible": {"MKL_CBWR": "COMPATIBLE"},
    "mkl-avx2+aten-avx2": {"MKL_CBWR": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"},
    "aten-default+mkl-compatible": {"ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE"},
    # the eager learning step and sx-PID, as on a machine where the kernels cannot be built
    "eager": {"INFOMORPHIC_FUSED": "0"},
}
SEEDS = (1,)
SEEDED = ("02_supervised", "03_unsupervised_bars", "04_memory", "05_error_neuron", "06_redundancy_memory",
          "07_trivariate", "08_correlation_goals", "09_multimodal", "10_deep")


def variants():
    for name, env in MATH_PATHS.items():
        yield name, env, []
    for seed in SEEDS:
        yield f"seed-{seed}", {}, ["--only", *SEEDED, "-p", f"seed={seed}"]


def run(out: Path, only: list[str] | None) -> None:
    for name, env, extra in variants():
        if only and name not in only:
            continue
        target = out / name / "notebooks"
        with tempfile.TemporaryDirectory() as cache:
            full_env = os.environ | env | {"INFOMORPHIC_CACHE_DIR": cache}
            print(f"[{name}] {env or 'default math path'} {' '.join(extra)}", flush=True)
            subprocess.run([sys.executable, "-m", "infomorphic_core.cli", "reproduce",
                            "--out", str(target), *extra], env=full_env, check=True, cwd=ROOT)
        (out / name / "machine.json").write_text(json.dumps(
            {"env": env, "cpu": platform.processor() or platform.machine()}, indent=2))


def code_cells(path: Path) -> list[tuple[str, str]]:
    """(first source line, text output) of every code cell, in order."""
    import nbformat

    cells = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        texts = []
        for output in cell.outputs:
            if output.output_type == "stream":
                texts.append(output.text)
            elif "data" in output and "text/plain" in output.data:
                if not output.data["text/plain"].startswith("<Figure size"):
                    texts.append(output.data["text/plain"])
        first = next((line for line in cell.source.splitlines() if line.strip()
                      and not line.startswith("#")), "")
        cells.append((first, "".join(texts)))
    return cells


def spread(reference: str, others: list[str]) -> dict:
    """Largest absolute and relative change of any number, and whether the words changed."""
    ref_words, ref_numbers = split(reference)
    worst_abs, worst_rel, words_differ = 0.0, 0.0, False
    for text in others:
        words, numbers = split(text)
        if words != ref_words:
            words_differ = True
            continue
        for a, b in zip(ref_numbers, numbers):
            if a != b and not (math.isnan(a) and math.isnan(b)):
                worst_abs = max(worst_abs, abs(a - b))
                worst_rel = max(worst_rel, abs(a - b) / max(abs(a), 1e-12))
    return {"abs": worst_abs, "rel": worst_rel, "words_differ": words_differ,
            "n_numbers": len(ref_numbers)}


def table(out: Path) -> None:
    """spread.json and spread.md: per notebook cell with numbers, the largest change across
    math paths and across seeds, relative to the native run with seed 0."""
    groups = {"math paths": [n for n in MATH_PATHS if n != "native"],
              "seeds": [f"seed-{s}" for s in SEEDS]}
    rows = []
    for path in sorted((out / "native" / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        native = code_cells(path)
        variants = {name: code_cells(out / name / "notebooks" / path.name)
                    for names in groups.values() for name in names
                    if (out / name / "notebooks" / path.name).exists()}
        for index, (first, text) in enumerate(native):
            if not split(text)[1]:
                continue
            row = {"notebook": path.stem, "cell": index, "source": first[:60],
                   "n_numbers": len(split(text)[1])}
            for group, names in groups.items():
                others = [variants[n][index][1] for n in names if n in variants]
                row[group] = spread(text, others) if others else None
            rows.append(row)
    (out / "spread.json").write_text(json.dumps(rows, indent=1))
    lines = ["| notebook | cell | first line | numbers | math paths: max abs / rel change | "
             "seed 1: max abs / rel change |", "|---|---|---|---|---|---|"]

    def show(s):
        if s is None:
            return "n/a"
        if s["words_differ"]:
            return f"**words differ**; {s['abs']:.2g} / {s['rel']:.2g} elsewhere"
        return "exact" if s["abs"] == 0 else f"{s['abs']:.2g} / {s['rel']:.2g}"

    for r in rows:
        lines.append(f"| {r['notebook']} | {r['cell']} | `{r['source'].replace('|', '/')}` | "
                     f"{r['n_numbers']} | {show(r['math paths'])} | {show(r['seeds'])} |")
    (out / "spread_table.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["run", "table"])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--only", nargs="+", help="variant names (run step)")
    args = parser.parse_args(argv)
    if args.step == "run":
        run(args.out, args.only)
    else:
        table(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
