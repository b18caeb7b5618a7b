"""Command line of the companion: run a task, reproduce the book's notebooks, list both.

    infomorphic run TASK --profile quick|paper [--set KEY=VALUE ...] --out DIR [--no-cache]
                     [--workers N | --scheduler ADDRESS]   (trivariate, redundancy_memory)
    infomorphic reproduce --profile quick|paper [--only NAME ...] [-p KEY=VALUE ...] [--jobs N]
    infomorphic sweep TASK --grid GRID.yaml --out DIR [--workers N | --scheduler ADDRESS]
    infomorphic search TASK --space SPACE.yaml --trials N --out DIR [--workers N | --scheduler ADDRESS]
    infomorphic list
"""

from __future__ import annotations

import argparse
import ast
import inspect
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from . import runtime
from .cache import ENV_LOG, check_dir
from .tasks.common import PROFILE_NAMES

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
BOOK_INPUT = ROOT / "book" / "notebooks"
PROFILES = PROFILE_NAMES
OUTPUTS = ("metrics.json", "history.csv")
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
            raise ValueError(f"parameter {pair!r} must look like NAME=VALUE")
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
    whole = [r for r in results if r.get("task") in task_modules()] or results
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


def task_modules() -> dict:
    from .tasks import bars, error_neuron, memory, redundancy_memory, supervised, trivariate

    return {"supervised": supervised, "bars": bars, "memory": memory, "error_neuron": error_neuron,
            "redundancy_memory": redundancy_memory, "trivariate": trivariate}


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


def write_outputs(out: Path, metrics: dict, history) -> None:
    """metrics.json and history.csv appear together or not at all: both are written to a
    temporary folder beside ``out``, which then takes the place of ``out``."""
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.new-"))
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp's folder is private; the outputs are not
    try:
        history.to_csv(tmp / "history.csv", index=False)
        text = json.dumps(json_safe(metrics), indent=2, allow_nan=False)
        (tmp / "metrics.json").write_text(text + "\n")
        if out.exists():
            os.replace(out, old)
        os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


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


def run_task(args) -> int:
    """``infomorphic run``: one task with profile and overrides -> metrics.json, history.csv.

    Everything that can be checked is checked before the computation (settings, --out,
    --cache-dir, memory); a problem is one line on stderr and exit code 2."""
    import dataclasses

    from .data import DownloadError
    from .tasks.common import ConfigError

    tasks = task_modules()
    if args.task not in tasks:
        print(f"error: unknown task {args.task!r}; known: {', '.join(tasks)}", file=sys.stderr)
        return 2
    module = tasks[args.task]
    try:
        overrides = parse_overrides(args.set or [])
        if "profile" in overrides:
            raise ValueError("set the profile with --profile, not --set profile=...")
        fields = {f.name for f in dataclasses.fields(module.Config)} - {"profile"}
        unknown = sorted(set(overrides) - fields)
        if unknown:
            raise ValueError(f"unknown setting(s) {unknown} for {args.task}; known: {sorted(fields)}")
        config = module.Config(profile=args.profile, **overrides)
        out = check_out(Path(args.out).absolute())
        if args.cache_dir and not args.no_cache:
            check_dir(args.cache_dir)
        distributed = {}
        if args.workers or args.scheduler:
            if args.workers < 0:
                raise ValueError("--workers must be 0 (no Dask) or more")
            if "workers" not in inspect.signature(module.run).parameters:
                raise ValueError(f"{args.task} does not run on workers (see `infomorphic sweep`)")
            if args.no_cache:
                raise ValueError("workers hand their results back through the cache: drop --no-cache")
            distributed = {"workers": args.workers, "scheduler": args.scheduler}
    except (ValueError, TypeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    try:
        result = module.run(config, use_cache=not args.no_cache, cache_dir=args.cache_dir, **distributed)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except DownloadError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    provenance = result.provenance
    metrics = dict(result.metrics, config=dataclasses.asdict(config), provenance=provenance)
    write_outputs(out, metrics, result.history)
    if provenance["source"] == "cache":
        how = (f"read from the cache ({provenance['cache_entry']}), computed "
               f"{provenance['computed_at']} in {provenance['wall_time_s']:.1f} s")
    else:
        how = f"computed in {provenance['wall_time_s']:.1f} s"
    print(f"{args.task} ({config.profile}, {config.n_runs} runs) {how}; "
          f"{time.perf_counter() - start:.1f} s in all -> {out / 'metrics.json'}")
    return 0


def sweep_or_search(args) -> int:
    """``infomorphic sweep`` and ``infomorphic search`` (see :mod:`infomorphic_core.sweep`):
    settings are checked before anything runs (exit 2); exit 1 names the points that failed."""
    from . import sweep

    try:
        out = check_dir(Path(args.out).absolute())
        if args.cache_dir and not args.no_cache:
            check_dir(args.cache_dir)
        tasks = task_modules()
        if args.task not in tasks:
            raise ValueError(f"unknown task {args.task!r}; known: {', '.join(tasks)}")
        if args.command == "sweep":
            spec = sweep.read_yaml(args.grid, sweep.SPEC_KEYS, "grid")
            sweep.make_blocks(tasks[args.task], spec.get("profile", "quick"), sweep.expand(spec))
        else:
            spec = sweep.read_yaml(args.space, sweep.SPACE_KEYS, "space")
            sweep.parse_space(tasks[args.task], spec)
        if args.workers is not None and args.workers < 0:
            raise ValueError("--workers must be 0 (no Dask) or more")
    except (ValueError, TypeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    workers = (os.cpu_count() or 1) if args.workers is None else args.workers
    client = None
    try:
        client = sweep.client_for(workers, args.scheduler)
        # each call the package's threads (default 1): workers, not threads, use the cores
        options = dict(client=client, use_cache=not args.no_cache, cache_dir=args.cache_dir,
                       threads=runtime.threads())
        if args.command == "sweep":
            result = sweep.run_sweep(args.task, spec, out, **options)
        else:
            sweep.run_search(args.task, spec, args.trials, out, **options)
    except (ValueError, TypeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except RuntimeError as error:  # a search whose trials keep failing
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        sweep.close(client)
    if args.command == "sweep":
        print(f"{len(result.table)} rows -> {out / 'sweep.parquet'} ({result.calls} batched calls: "
              f"{result.computed} computed, {result.calls - result.computed - len(result.failed)} read "
              f"from the cache, {len(result.failed)} failed)")
        if result.failed:
            print(f"error: {len(result.failed)} point(s) failed: {', '.join(result.failed)} "
                  f"(errors in {out / 'failed.json'})", file=sys.stderr)
            return 1
    else:
        print(f"best trial -> {out / 'best.json'}; all trials -> {out / 'trials.parquet'}; "
              f"importance -> {out / 'importance.json'}")
    return 0


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


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
    where = run.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=0, metavar="N",
                       help="train the task's networks on N local Dask workers, one thread each "
                            "(tasks that support it: trivariate, redundancy_memory; default 0: in this process)")
    where.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="the same on a running Dask scheduler (its workers must reach --cache-dir)")
    rep = sub.add_parser("reproduce", help="execute the notebooks into the book's build input")
    rep.add_argument("--profile", choices=PROFILES, default="quick")
    rep.add_argument("--only", nargs="+", action="extend", metavar="NAME",
                     help="notebook names, e.g. 01_theory (repeat or list several)")
    rep.add_argument("-p", "--parameter", action="append", metavar="KEY=VALUE",
                     help="override a parameter of the notebooks' parameters cell (repeatable)")
    rep.add_argument("--out", default=None, help="output folder (default: book/notebooks)")
    rep.add_argument("--notebooks", default=None, help="folder of the NN_name.py notebooks "
                     "(default: notebooks/ of the checkout)")
    rep.add_argument("--jobs", type=positive_int, default=1, metavar="N",
                     help="execute N notebooks at a time, each in its own process with one math "
                          "thread (default 1: one after the other, with the default threads)")
    rep.add_argument("--references", action="store_true",
                     help="re-record the paired reference notebooks/NAME.ipynb (quick profile)")
    stu = sub.add_parser("student", help="write the student edition: the notebooks without "
                         "the solutions of their exercises, and a zip of them")
    stu.add_argument("--out", required=True, help="output folder")
    stu.add_argument("--notebooks", default=None, help="folder of the NN_name.ipynb notebooks "
                     "(default: notebooks/ of the checkout)")
    for name, help_text in (("sweep", "run a task over a grid of settings (Dask)"),
                            ("search", "search a task's settings with Optuna (Dask)")):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("task", help="task name (see `infomorphic list`)")
        if name == "sweep":
            cmd.add_argument("--grid", required=True, help="YAML file of the points (see the docs)")
        else:
            cmd.add_argument("--space", required=True, help="YAML file of the search space and metric")
            cmd.add_argument("--trials", type=positive_int, required=True, help="completed trials wanted")
        cmd.add_argument("--out", required=True, help="output folder (a rerun continues in it)")
        where = cmd.add_mutually_exclusive_group()
        where.add_argument("--workers", type=int, default=None, metavar="N",
                           help="local Dask workers, one thread each (default: one per core; "
                                "0: no Dask, in this process)")
        where.add_argument("--scheduler", default=None, metavar="ADDRESS",
                           help="a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
        cmd.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
        cmd.add_argument("--cache-dir", default=None, help="cache folder; on a cluster, one every "
                         "worker can reach (default: $INFOMORPHIC_CACHE_DIR or ~/.cache/infomorphic-companion)")
    args = parser.parse_args(argv)
    if args.command in ("sweep", "search"):
        return sweep_or_search(args)
    if args.command == "list":
        print("tasks:", ", ".join(task_modules()))
        names = notebook_names() if NOTEBOOKS.is_dir() else []
        print("notebooks:", ", ".join(names) if names else
              "none found (they live in a checkout of the repository, not in the installed package)")
        return 0
    if args.command == "run":
        return run_task(args)
    if args.command == "student":
        return write_student_edition(args)
    return reproduce(args)


def write_student_edition(args) -> int:
    try:
        from .student import write_edition
    except ImportError as error:
        print(f"error: {error}; the student edition needs the book extra "
              "(pip install -e '.[book]')", file=sys.stderr)
        return 2

    folder = Path(args.notebooks) if args.notebooks else NOTEBOOKS
    sources = [folder / f"{name}.ipynb" for name in notebook_names(folder)]
    if not sources:
        print(f"error: no NN_name notebooks in {folder}", file=sys.stderr)
        return 2
    try:
        written = write_edition(sources, args.out)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path, exercises in written.items():
        print(f"{path} ({exercises} exercises)")
    print(f"{Path(args.out) / 'student-edition.zip'}: {len(written)} notebooks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
