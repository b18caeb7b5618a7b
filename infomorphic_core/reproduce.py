"""``infomorphic reproduce``: the book's notebooks executed by papermill with a profile and
parameters (each checked against the notebook's parameters cell before anything runs), and the
reproducibility record of what each computed, on which machine, with which versions.
"""

from __future__ import annotations

import ast
import json
import os
import platform
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from .cache import ENV_LOG
from .checks import parse_overrides
from .io import check_dir
from .tasks import TASKS
from .tasks.common import PROFILE_NAMES

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
BOOK_INPUT = ROOT / "book" / "notebooks"
PROFILES = PROFILE_NAMES
VERSIONED = ("infomorphic-companion", "torch", "numpy", "pandas", "matplotlib", "seaborn",
             "papermill", "jupyter-book")


def notebook_names(folder: Path = NOTEBOOKS) -> list[str]:
    return sorted(p.stem for p in folder.glob("[0-9][0-9]_*.py"))


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


class NotebookFailed(RuntimeError):
    """A notebook raised; its executed copy, traceback included, is kept at ``path``."""

    def __init__(self, message: str, path: Path):
        super().__init__(message)
        self.path = path

    def __reduce__(self):  # raised in a worker process of ``reproduce --jobs``
        return NotebookFailed, (str(self), self.path)


def check_parameters(name: str, parameters: dict, declared: dict) -> None:
    """Unknown names, a profile that does not exist, and a value of another kind than the
    parameter's default (a number where a number is declared) fail before execution."""
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown}; {name} declares {sorted(declared)}")
    if "profile" in parameters and parameters["profile"] not in PROFILES:
        raise ValueError(f"parameter profile must be one of {list(PROFILES)}, got {parameters['profile']!r}")
    for key, value in parameters.items():
        default = declared[key]["default"]
        kind = declared[key]["inferred_type_name"]
        try:
            default_value = ast.literal_eval(default)
        except (ValueError, SyntaxError):
            continue
        numeric = (int, float)
        if isinstance(default_value, bool) != isinstance(value, bool) or (
                isinstance(default_value, numeric) and not isinstance(value, numeric)) or (
                # a count stays a count: 2.5 where 41 is declared fails here, not in the notebook
                isinstance(default_value, int) and not isinstance(default_value, bool)
                and not isinstance(value, int)) or (
                isinstance(default_value, str) and not isinstance(value, str)):
            raise ValueError(f"parameter {key} of {name} must be like its default {default} "
                             f"({kind}), got {value!r}")


def declared_parameters(source: Path) -> dict:
    """papermill's view of a notebook's parameters cell: name -> default, inferred type."""
    import jupytext
    import papermill

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "notebook.ipynb"
        notebook = jupytext.read(source)
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                           "language": "python"}
        jupytext.write(notebook, path, fmt="ipynb")
        return papermill.inspect_notebook(str(path))


def execute(name: str, parameters: dict, out_dir: Path, notebooks: Path = NOTEBOOKS,
            declared: dict | None = None) -> dict:
    """Execute ``notebooks/NAME.py`` with papermill into ``out_dir/NAME.ipynb``.

    The output is written to a temporary folder inside ``out_dir`` and renamed, so a failing
    notebook leaves the previous output in place; its executed copy (with the traceback) is
    kept as ``out_dir/NAME.failed.ipynb``. Returns the notebook's reproducibility record,
    with the provenance of every task result the notebook used.
    """
    import jupytext
    import papermill

    source = notebooks / f"{name}.py"
    notebook = jupytext.read(source)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    out_dir.mkdir(parents=True, exist_ok=True)
    if declared is None:  # reproduce() has read and checked them already
        declared = declared_parameters(source)
        check_parameters(name, parameters, declared)
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=f".{name}.") as tmp:
        unexecuted = Path(tmp) / f"{name}.ipynb"
        jupytext.write(notebook, unexecuted, fmt="ipynb")
        executed = Path(tmp) / "executed.ipynb"
        log = Path(tmp) / "provenance.jsonl"
        previous = os.environ.get(ENV_LOG)
        os.environ[ENV_LOG] = str(log)  # the kernel inherits it; every cached run appends a line
        start = time.perf_counter()
        try:
            papermill.execute_notebook(str(unexecuted), str(executed), parameters=parameters,
                                       kernel_name="python3", progress_bar=False, log_output=False,
                                       cwd=str(notebooks))
        except Exception as error:
            failed = out_dir / f"{name}.failed.ipynb"
            if executed.exists():
                os.replace(executed, failed)
                raise NotebookFailed(f"{error}", failed) from error
            raise
        finally:
            if previous is None:
                os.environ.pop(ENV_LOG, None)
            else:
                os.environ[ENV_LOG] = previous
        wall = time.perf_counter() - start
        results = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        os.replace(executed, out_dir / f"{name}.ipynb")
        (out_dir / f"{name}.failed.ipynb").unlink(missing_ok=True)
    computed = [r for r in results if r["source"] == "computed"]
    # parts a task caches on its own (a network, a capacity scan) are logged under other names
    whole = [r for r in results if r.get("task") in TASKS] or results
    return {
        "notebook": name,
        # the profile of the page's first task result says what ran ("custom" if the
        # parameters changed a size); a page without task results runs the requested profile
        "profile": whole[0].get("profile") if whole else parameters.get("profile", "quick"),
        "wall_time_s": round(wall, 1),
        "results_computed": len(computed),
        "results_from_cache": len(results) - len(computed),
        "compute_time_s": round(sum(r["wall_time_s"] for r in results), 1),
        "machines": sorted({describe_machine(r["machine"]) for r in results}),
        "seed": parameters.get("seed", declared.get("seed", {}).get("default", "n/a")),
        "parameters": {k: str(v) for k, v in parameters.items()},
        "versions": versions(),
        "executed_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def describe_machine(machine: dict) -> str:
    return (f"{machine['cpu']}, {machine['cores']} cores, {machine['torch_threads']} threads, "
            f"ATen {machine['cpu_capability']}" + (f", MKL_CBWR={machine['MKL_CBWR']}"
                                                   if machine.get("MKL_CBWR") else ""))


def write_reproducibility(records: dict, out_dir: Path) -> Path:
    """Merge ``records`` into ``out_dir/reproducibility.json`` and render the page: the book's
    ``book/reproducibility.md`` for the book's input folder, else ``out_dir/reproducibility.md``."""
    store = out_dir / "reproducibility.json"
    merged = json.loads(store.read_text()) if store.exists() else {}
    merged.update(records)
    store.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n")
    lines = [
        "# Reproducibility",
        "",
        "Each chapter of this book was executed by `infomorphic reproduce` (papermill) with the",
        "settings below; rerun one with `infomorphic reproduce --profile PROFILE --only NAME`.",
        "*Executed* is the wall time of this execution; *computation* is the time the chapter's",
        "results took when they were computed, which is what a rerun with an empty cache costs",
        "(results read from the on-disk cache are counted with their original time).",
        "",
        "| notebook | profile | executed in (s) | computation (s) | results: computed / from cache "
        "| seed | overridden parameters | executed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in sorted(merged):
        r = merged[name]
        overrides = ", ".join(f"`{k}={v}`" for k, v in r["parameters"].items() if k != "profile")
        lines.append(f"| {name} | {r['profile']} | {r['wall_time_s']} | {r.get('compute_time_s', 'n/a')} | "
                     f"{r.get('results_computed', 'n/a')} / {r.get('results_from_cache', 'n/a')} | "
                     f"{r['seed']} | {overrides or 'none'} | {r['executed_at']} |")
    lines += ["", "## Machines and package versions", "", "| notebook | computed on | versions |",
              "|---|---|---|"]
    for name in sorted(merged):
        text = ", ".join(f"{k} {v}" for k, v in merged[name]["versions"].items())
        machines = "; ".join(merged[name].get("machines", [])) or "n/a (no task results)"
        lines.append(f"| {name} | {machines} | {text} |")
    page = (out_dir.parent if out_dir.resolve() == BOOK_INPUT.resolve() else out_dir) / "reproducibility.md"
    page.write_text("\n".join(lines) + "\n")
    return page


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


def execute_one(name, parameters, out_dir, notebooks, declared, references) -> dict:
    record = execute(name, parameters, out_dir, notebooks, declared)
    if references:
        strip_volatile_metadata(out_dir / f"{name}.ipynb")
    return record


def one_thread() -> None:
    """In a worker of ``reproduce --jobs``: the notebooks' kernels (which inherit the
    environment) use one math thread each, so that N notebooks share N cores without
    oversubscription; these small tensors gain nothing from a second thread."""
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"


def reproduce(args) -> int:
    """The ``reproduce`` command for its parsed ``args``; the exit code."""
    notebooks = Path(args.notebooks) if args.notebooks else NOTEBOOKS
    if not notebooks.is_dir() or not notebook_names(notebooks):
        where = "" if args.notebooks else (" (the notebooks live in a checkout of the repository, "
                                           "not in the installed package; pass --notebooks DIR)")
        print(f"error: no NN_name.py notebooks in {notebooks}{where}", file=sys.stderr)
        return 2
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
    if args.out is None and not args.references and not BOOK_INPUT.parent.is_dir():
        print("error: --out is required outside a checkout of the repository", file=sys.stderr)
        return 2
    try:
        # references run the notebook exactly as committed: no injected parameters cell
        parameters = {} if args.references else {"profile": args.profile} | parse_overrides(args.parameter or [])
        out_dir = notebooks if args.references else check_dir(args.out or BOOK_INPUT)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    problems, declared = [], {}
    for name in selected:
        try:
            declared[name] = declared_parameters(notebooks / f"{name}.py")
            check_parameters(name, parameters, declared[name])
        except ValueError as error:
            problems.append(str(error))
    if problems:
        print("error: " + "\nerror: ".join(problems), file=sys.stderr)
        return 2
    records, failed = {}, []
    jobs = min(args.jobs, len(selected))

    def report(name, start, outcome):
        if isinstance(outcome, Exception):  # report every failing notebook, keep going
            failed.append(name)
            text = str(outcome).strip()
            first_line = text.splitlines()[-1] if text else type(outcome).__name__
            kept = f" (executed copy: {outcome.path})" if isinstance(outcome, NotebookFailed) else ""
            print(f"[{name}] FAILED after {time.perf_counter() - start:.1f} s: {first_line}{kept}",
                  flush=True)
            return
        records[name] = r = outcome
        print(f"[{name}] done in {r['wall_time_s']:.1f} s ({r['results_computed']} results computed, "
              f"{r['results_from_cache']} from the cache) -> {out_dir / (name + '.ipynb')}", flush=True)

    work = [(name, parameters, out_dir, notebooks, declared[name], args.references) for name in selected]
    start = time.perf_counter()
    if jobs <= 1:
        for item in work:
            print(f"[{item[0]}] running (profile {args.profile}) ...", flush=True)
            start = time.perf_counter()
            try:
                outcome = execute_one(*item)
            except Exception as error:
                outcome = error
            report(item[0], start, outcome)
    else:
        import concurrent.futures
        import multiprocessing

        print(f"running {len(work)} notebooks, {jobs} at a time, one thread each "
              f"(profile {args.profile}) ...", flush=True)
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no forked threads
        with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context,
                                                    initializer=one_thread) as pool:
            futures = {pool.submit(execute_one, *item): item[0] for item in work}
            for future in concurrent.futures.as_completed(futures):
                error = future.exception()
                report(futures[future], start, error if error is not None else future.result())
        order = {name: i for i, name in enumerate(selected)}
        failed.sort(key=order.get)
    if records and not args.references:
        page = write_reproducibility(records, out_dir)
        print(f"reproducibility record: {page}")
    if failed:
        print(f"error: {len(failed)} notebook(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
