"""Command line of the companion: run a task, reproduce the book's notebooks, list both.

    infomorphic run TASK --profile quick|paper [--set KEY=VALUE ...] --out DIR [--no-cache]
    infomorphic reproduce --profile quick|paper [--only NAME ...] [-p KEY=VALUE ...]
    infomorphic list
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
BOOK_INPUT = ROOT / "book" / "notebooks"
PROFILES = ("quick", "paper")
VERSIONED = ("infomorphic-companion", "torch", "numpy", "pandas", "matplotlib", "seaborn",
             "papermill", "jupyter-book")


def notebook_names(folder: Path = NOTEBOOKS) -> list[str]:
    return sorted(p.stem for p in folder.glob("[0-9][0-9]_*.py"))


def parse_value(text: str):
    """A ``-p`` value: a Python literal where it parses as one, else the string itself."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_overrides(pairs: list[str]) -> dict:
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.isidentifier():
            raise SystemExit(f"error: parameter {pair!r} must look like NAME=VALUE")
        overrides[key] = parse_value(value)
    return overrides


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


def execute(name: str, parameters: dict, out_dir: Path, notebooks: Path = NOTEBOOKS) -> dict:
    """Execute ``notebooks/NAME.py`` with papermill into ``out_dir/NAME.ipynb``.

    The output is written to a temporary file and renamed, so a failing notebook leaves the
    previous output in place. Returns the notebook's reproducibility record.
    """
    import jupytext
    import papermill

    source = notebooks / f"{name}.py"
    notebook = jupytext.read(source)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        unexecuted = Path(tmp) / f"{name}.ipynb"
        jupytext.write(notebook, unexecuted, fmt="ipynb")
        declared = {k: v["default"] for k, v in papermill.inspect_notebook(str(unexecuted)).items()}
        unknown = sorted(set(parameters) - set(declared))
        if unknown:
            raise ValueError(f"unknown parameter(s) {unknown}; {name} declares {sorted(declared)}")
        executed = Path(tmp) / "executed.ipynb"
        start = time.perf_counter()
        papermill.execute_notebook(str(unexecuted), str(executed), parameters=parameters,
                                   kernel_name="python3", progress_bar=False, log_output=False,
                                   cwd=str(notebooks))
        wall = time.perf_counter() - start
        os.replace(executed, out_dir / f"{name}.ipynb")
    return {
        "notebook": name,
        "profile": parameters.get("profile", "quick"),
        "wall_time_s": round(wall, 1),
        "seed": parameters.get("seed", declared.get("seed", "n/a")),
        "parameters": {k: str(v) for k, v in parameters.items()},
        "versions": versions(),
        "executed_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def write_reproducibility(records: dict, out_dir: Path) -> None:
    """Merge ``records`` into ``out_dir/reproducibility.json`` and render the book's page."""
    store = out_dir / "reproducibility.json"
    merged = json.loads(store.read_text()) if store.exists() else {}
    merged.update(records)
    store.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n")
    lines = [
        "# Reproducibility",
        "",
        "Each chapter of this book was executed by `infomorphic reproduce` (papermill) with the",
        "settings below; rerun one with `infomorphic reproduce --profile PROFILE --only NAME`.",
        "",
        "| notebook | profile | wall time (s) | seed | overridden parameters | executed |",
        "|---|---|---|---|---|---|",
    ]
    for name in sorted(merged):
        r = merged[name]
        overrides = ", ".join(f"`{k}={v}`" for k, v in r["parameters"].items() if k != "profile")
        lines.append(f"| {name} | {r['profile']} | {r['wall_time_s']} | {r['seed']} | "
                     f"{overrides or 'none'} | {r['executed_at']} |")
    lines += ["", "## Package versions", "", "| notebook | versions |", "|---|---|"]
    for name in sorted(merged):
        text = ", ".join(f"{k} {v}" for k, v in merged[name]["versions"].items())
        lines.append(f"| {name} | {text} |")
    (out_dir.parent / "reproducibility.md").write_text("\n".join(lines) + "\n")


def strip_volatile_metadata(path: Path) -> None:
    """Drop papermill's timings and timestamps, and number the cell ids, so that re-recording
    a committed reference notebook changes only what its outputs changed."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    notebook.metadata.pop("papermill", None)
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index:03d}"
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    nbformat.write(notebook, path)


def reproduce(args) -> int:
    notebooks = Path(args.notebooks)
    available = notebook_names(notebooks)
    selected = args.only or available
    missing = [n for n in selected if n not in available]
    if missing:
        print(f"error: no notebook named {missing}; available: {available}", file=sys.stderr)
        return 2
    if args.references and (args.profile != "quick" or args.parameter):
        print("error: references are recorded with the quick profile and default parameters",
              file=sys.stderr)
        return 2
    # references run the notebook exactly as committed: no injected parameters cell
    parameters = {} if args.references else {"profile": args.profile} | parse_overrides(args.parameter or [])
    out_dir = notebooks if args.references else Path(args.out)
    records, failed = {}, []
    for name in selected:
        print(f"[{name}] running (profile {args.profile}) ...", flush=True)
        start = time.perf_counter()
        try:
            records[name] = execute(name, parameters, out_dir, notebooks)
            if args.references:
                strip_volatile_metadata(out_dir / f"{name}.ipynb")
        except Exception as error:  # report every failing notebook, keep going
            failed.append(name)
            first_line = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
            print(f"[{name}] FAILED after {time.perf_counter() - start:.1f} s: {first_line}",
                  flush=True)
            continue
        print(f"[{name}] done in {records[name]['wall_time_s']:.1f} s -> {out_dir / (name + '.ipynb')}",
              flush=True)
    if records and not args.references:
        write_reproducibility(records, out_dir)
    if failed:
        print(f"error: {len(failed)} notebook(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def task_modules() -> dict:
    from .tasks import bars, error_neuron, memory, supervised

    return {"supervised": supervised, "bars": bars, "memory": memory, "error_neuron": error_neuron}


def run_task(args) -> int:
    """``infomorphic run``: one task with profile and overrides -> metrics.json, history.csv."""
    import dataclasses

    tasks = task_modules()
    if args.task not in tasks:
        print(f"error: unknown task {args.task!r}; known: {', '.join(tasks)}", file=sys.stderr)
        return 2
    module = tasks[args.task]
    overrides = parse_overrides(args.set or [])
    fields = {f.name for f in dataclasses.fields(module.Config)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        print(f"error: unknown setting(s) {unknown} for {args.task}; known: {sorted(fields)}",
              file=sys.stderr)
        return 2
    try:
        config = module.Config(profile=args.profile, **overrides)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    result = module.run(config, use_cache=not args.no_cache, cache_dir=args.cache_dir)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    metrics = dict(result.metrics, config=dataclasses.asdict(config))
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, default=str) + "\n")
    result.history.to_csv(out / "history.csv", index=False)
    print(f"{args.task} ({args.profile}, {config.n_runs} runs) done in "
          f"{time.perf_counter() - start:.1f} s -> {out / 'metrics.json'}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="infomorphic", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the tasks and the notebooks")
    run = sub.add_parser("run", help="run one task and write metrics.json and history.csv")
    run.add_argument("task", help="task name (see `infomorphic list`)")
    run.add_argument("--profile", choices=PROFILES, default="quick")
    run.add_argument("--set", action="append", metavar="KEY=VALUE",
                     help="override a field of the task's Config (repeatable)")
    run.add_argument("--out", required=True, help="output folder")
    run.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    run.add_argument("--cache-dir", default=None, help="cache folder (default: "
                     "$INFOMORPHIC_CACHE_DIR or ~/.cache/infomorphic-companion)")
    rep = sub.add_parser("reproduce", help="execute the notebooks into the book's build input")
    rep.add_argument("--profile", choices=PROFILES, default="quick")
    rep.add_argument("--only", nargs="+", metavar="NAME", help="notebook names, e.g. 01_theory")
    rep.add_argument("-p", "--parameter", action="append", metavar="KEY=VALUE",
                     help="override a parameter of the notebooks' parameters cell (repeatable)")
    rep.add_argument("--out", default=str(BOOK_INPUT), help="output folder (default: book/notebooks)")
    rep.add_argument("--notebooks", default=str(NOTEBOOKS), help="folder of the NN_name.py notebooks")
    rep.add_argument("--references", action="store_true",
                     help="re-record the paired reference notebooks/NAME.ipynb (quick profile)")
    args = parser.parse_args(argv)
    if args.command == "list":
        print("tasks:", ", ".join(task_modules()))
        print("notebooks:", ", ".join(notebook_names()))
        return 0
    if args.command == "run":
        return run_task(args)
    return reproduce(args)


if __name__ == "__main__":
    sys.exit(main())
