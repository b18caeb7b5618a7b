"""Command line of the companion: run a task, record a paper-profile result, reproduce the book's
notebooks, sweep and search, list what there is.

    infomorphic run TASK --profile quick|paper [--set KEY=VALUE ...] --out DIR [--no-cache]
                     [--workers N | --scheduler ADDRESS]   (trivariate, redundancy_memory)
    infomorphic record TASK [--profile paper] [--set KEY=VALUE ...] [--name NAME] | --refresh NAME ...
    infomorphic reproduce --profile quick|paper [--only NAME ...] [-p KEY=VALUE ...] [--jobs N]
    infomorphic sweep TASK --grid GRID.yaml --out DIR [--workers N | --scheduler ADDRESS]
    infomorphic search TASK --space SPACE.yaml --trials N --out DIR [--workers N | --scheduler ADDRESS]
    infomorphic list
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import os
import sys
import time
from pathlib import Path

from . import fused, parallel, reproduce, results, runtime, sweep
from .checks import ConfigError, parse_overrides
from .data import DownloadError
from .io import ENV_DIR, check_dir, check_out, default_dir, write_outputs
from .tasks.common import PROFILE_NAMES as PROFILES
from .tasks import TASKS, task_module


def computed(compute):
    """``(compute(), 0)``, or ``(None, code)`` with one line on stderr: 2 for a setting that
    cannot work (found as the computation starts), 1 for data that could not be downloaded."""
    try:
        return compute(), 0
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return None, 2
    except DownloadError as error:
        print(f"error: {error}", file=sys.stderr)
        return None, 1


def notice() -> None:
    """The fused kernels' one-line notice on stderr, when they could not be used."""
    line = fused.notice()
    if line:
        print(line, file=sys.stderr)


def run_task(args) -> int:
    """``infomorphic run``: one task with profile and overrides -> metrics.json, history.csv.

    Everything that can be checked is checked before the computation (settings, --out,
    --cache-dir, memory); a problem is one line on stderr and exit code 2."""
    try:
        module = task_module(args.task)
        overrides = parse_overrides(args.set or [])
        if "profile" in overrides:
            raise ValueError("set the profile with --profile, not --set profile=...")
        fields = {f.name for f in dataclasses.fields(module.Config)} - {"profile"}
        unknown = sorted(set(overrides) - fields)
        if unknown:
            raise ValueError(f"unknown setting(s) {unknown} for {args.task}; known: {sorted(fields)}")
        config = module.Config(profile=args.profile, **overrides)
        out = check_out(Path(args.out).absolute())
        use_cache_dir(args, out)
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
    notice()
    start = time.perf_counter()
    result, code = computed(lambda: module.run(config, use_cache=not args.no_cache, cache_dir=args.cache_dir,
                                               **distributed))
    if code:
        return code
    provenance = result.provenance
    metrics = dict(result.metrics, config=dataclasses.asdict(config), provenance=provenance)
    try:
        write_outputs(out, metrics, result.history)
    except OSError as error:  # a full disk: the result itself is safe in the cache
        kept = (f"the result is in the cache ({provenance['cache_entry']}): the same command writes "
                f"it when there is room" if provenance.get("cache_entry") else "the result was not cached")
        print(f"error: could not write {out} ({error.strerror or error}); {kept}", file=sys.stderr)
        return 1
    if provenance["source"] == "cache":
        how = (f"read from the cache ({provenance['cache_entry']}), computed "
               f"{provenance['computed_at']} in {provenance['wall_time_s']:.1f} s")
    else:
        how = f"computed in {provenance['wall_time_s']:.1f} s"
    print(f"{args.task} ({config.profile}, {config.n_runs} runs) {how}; "
          f"{time.perf_counter() - start:.1f} s in all -> {out / 'metrics.json'}")
    return 0


def use_cache_dir(args, out: Path) -> None:
    """``--cache-dir`` as an absolute path (Dask workers resolve a relative one in their own
    folder), checked to be writable, and made the process's cache folder, so that the fused
    kernels and downloaded data follow it and local workers inherit it. A cache folder that
    holds ``--out``, or lies inside it, is refused: replacing ``--out`` would delete entries."""
    if args.no_cache:
        return
    cache = Path(args.cache_dir).expanduser().absolute() if args.cache_dir else default_dir().absolute()
    for inner, outer, what in ((out, cache, "--out is inside the cache folder"),
                               (cache, out, "the cache folder is inside --out")):
        if inner == outer or outer in inner.parents:
            raise ValueError(f"{what} ({cache}); choose another --out or --cache-dir")
    if args.cache_dir:
        check_dir(cache)
        args.cache_dir = str(cache)
        os.environ[ENV_DIR] = args.cache_dir


def record_results(args) -> int:
    """``infomorphic record``: a paper-profile result recorded into ``results/paper/NAME`` (see
    :mod:`infomorphic_core.results`), or ``--refresh`` of recorded ones with their own settings."""
    names = args.refresh or []
    recorded = results.recorded_names(args.results)
    try:
        if bool(names) == bool(args.task):
            raise ValueError("name a task to record, or --refresh NAME ... (recorded names: "
                             f"{', '.join(recorded) or 'none yet'})")
        if names:
            unknown = sorted(set(names) - set(recorded))
            if unknown:
                raise ValueError(f"no recorded result {unknown}; recorded: {', '.join(recorded) or 'none'}")
        else:
            overrides = parse_overrides(args.set or [])
            module = task_module(args.task)
            sweep.make_config(module, args.profile, overrides)
            if (args.workers or args.scheduler) and "workers" not in inspect.signature(module.run).parameters:
                raise ValueError(f"{args.task} does not run on workers")
        use_cache_dir(args, Path(args.results or results.RESULTS).absolute())
    except (ValueError, TypeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    notice()
    options = dict(use_cache=not args.no_cache, cache_dir=args.cache_dir)
    if args.workers or args.scheduler:
        options |= {"workers": args.workers, "scheduler": args.scheduler}
    written, code = computed(lambda: [results.refresh(name, args.results, **options) for name in names] if names
                             else [results.record(args.task, args.profile, overrides, args.name, args.results,
                                                  **options)])
    if code:
        return code
    for folder in written:
        recorded = results.load(folder.name, folder.parent)
        print(f"{folder}: {recorded.provenance_line()}")
    return 0


def sweep_or_search(args) -> int:
    """``infomorphic sweep`` and ``infomorphic search`` (see :mod:`infomorphic_core.sweep`):
    settings are checked before anything runs (exit 2); exit 1 names the points that failed."""
    try:
        out = check_dir(Path(args.out).absolute())
        use_cache_dir(args, out)
        module = task_module(args.task)
        if args.command == "sweep":
            spec = sweep.read_yaml(args.grid, sweep.SPEC_KEYS, "grid")
            sweep.make_blocks(module, spec.get("profile", "quick"), sweep.expand(spec))
        else:
            spec = sweep.read_yaml(args.space, sweep.SPACE_KEYS, "space")
            sweep.parse_space(module, spec)
        if args.workers is not None and args.workers < 0:
            raise ValueError("--workers must be 0 (no Dask) or more")
    except (ValueError, TypeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    notice()
    workers = (os.cpu_count() or 1) if args.workers is None else args.workers
    client = None
    try:
        client = sweep.client_for(workers, args.scheduler)
        if args.scheduler and not args.no_cache:
            parallel.check_shared(client, args.cache_dir or default_dir())
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


def task_options(command, profile: str) -> None:
    """The options of a command that runs one task (``run``, ``record``)."""
    command.add_argument("--profile", choices=PROFILES, default=profile)
    command.add_argument("--set", action="append", metavar="KEY=VALUE",
                         help="override a field of the task's Config (repeatable)")
    command.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    command.add_argument("--cache-dir", default=None, help="cache folder (default: "
                         "$INFOMORPHIC_CACHE_DIR or ~/.cache/infomorphic-companion)")
    where = command.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=0, metavar="N",
                       help="train the task's networks on N local Dask workers, one thread each "
                            "(tasks that support it: trivariate, redundancy_memory; default 0: in this process)")
    where.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="the same on a running Dask scheduler (its workers must reach --cache-dir)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="infomorphic", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the tasks and the notebooks")
    run = sub.add_parser("run", help="run one task and write metrics.json and history.csv")
    run.add_argument("task", help="task name (see `infomorphic list`)")
    task_options(run, "quick")
    run.add_argument("--out", required=True, help="output folder")
    rec = sub.add_parser("record", help="record a paper-profile result into results/paper/NAME "
                         "(the files the book's pages read)")
    rec.add_argument("task", nargs="?", help="task name (see `infomorphic list`)")
    task_options(rec, "paper")
    rec.add_argument("--name", default=None, help="the result's name (default: the task's)")
    rec.add_argument("--refresh", nargs="+", metavar="NAME",
                     help="record these results again with their own task, profile and settings")
    rec.add_argument("--results", default=None, help="results folder (default: results/paper of the checkout)")
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
    try:
        return dispatch(args)
    except KeyboardInterrupt:
        print("interrupted: what was computed is in the cache; the same command goes on from there",
              file=sys.stderr)
        return 130


def dispatch(args) -> int:
    if args.command in ("sweep", "search"):
        return sweep_or_search(args)
    if args.command == "list":
        print("tasks:", ", ".join(TASKS))
        folder = reproduce.NOTEBOOKS
        names = reproduce.notebook_names(folder) if folder.is_dir() else []
        print("notebooks:", ", ".join(names) if names else
              "none found (they live in a checkout of the repository, not in the installed package)")
        return 0
    if args.command == "run":
        return run_task(args)
    if args.command == "record":
        return record_results(args)
    if args.command == "student":
        return write_student_edition(args)
    return reproduce.reproduce(args)




def write_student_edition(args) -> int:
    try:
        from .student import write_edition
    except ImportError as error:
        print(f"error: {error}; the student edition needs the book extra "
              "(pip install -e '.[book]')", file=sys.stderr)
        return 2

    folder = Path(args.notebooks) if args.notebooks else reproduce.NOTEBOOKS
    sources = [folder / f"{name}.ipynb" for name in reproduce.notebook_names(folder)]
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
