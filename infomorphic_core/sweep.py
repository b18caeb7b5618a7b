"""Settings sweeps and searches, in one process or on a Dask cluster.

    infomorphic sweep TASK --grid GRID.yaml --out DIR [--workers N | --scheduler ADDRESS]
    infomorphic search TASK --space SPACE.yaml --trials N --out DIR [--workers N | --scheduler ADDRESS]

A **grid** file names the points of a sweep; every key but ``grid`` and ``points`` is optional::

    profile: quick            # the task's profile; every point starts from it
    base: {n_updates: 100}    # settings shared by every point
    grid:                     # Cartesian product: one point per combination
      learning_rate: [0.01, 0.03]
      seed: [0, 8, 16]
    points:                   # or (and, crossed with the grid) an explicit list
      - {gamma: "only red"}
      - {gamma: [0, 0, 1, 0, 0.1]}
      - {gamma.syn: 0.5}      # one goal weight, by atom key (or by position: gamma[3])

Points that differ only in ``seed`` run as one batched call (runs are a tensor axis: a point
with seed s and n runs holds the runs s .. s+n-1, and points whose runs follow each other are
computed together). Each batched call is one cached task run, keyed by its config and the
core's source, so a sweep that is stopped and started again with the same command computes
only what is missing; a call that raises is recorded with its error and the others go on.

A **space** file describes an Optuna search; the objective is a named metric of the task,
never a test-set number::

    profile: quick
    base: {n_runs: 2}
    metric: alpha_c_mean      # a scalar of the task's metrics
    direction: maximize
    sampler: tpe              # or cmaes
    params:
      gamma.unq_C: {low: -1.0, high: 1.0}     # the goal's weight of I_unq,C (also gamma[1])
      learning_rate: {low: 0.001, high: 0.1, log: true}
      n_bins: {low: 5, high: 30, type: int}
      binning: {choices: [fixed, adaptive]}
    start:                    # optional: trials to evaluate first (a new study only)
      - {gamma[1]: 0.0, learning_rate: 0.05, n_bins: 20, binning: fixed}
"""

from __future__ import annotations

import contextlib
import dataclasses
import fnmatch
import hashlib
import itertools
import json
import math
import os
import re
import shutil
import signal
import socket
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from . import runtime
from .checks import ConfigError
from .goals import BIVARIATE
from .io import core_hash, json_safe, write_atomic, write_json
from . import parallel
from .tasks import TASKS, task_module

@contextlib.contextmanager
def interrupt_deferred():
    """Ctrl-C inside the block is raised as KeyboardInterrupt when the block ends (yields a list
    that holds the signal by then). Starting or closing a LocalCluster must not be cut short: a
    worker interrupted while it starts cannot be closed (distributed asserts on its state, then
    prints a traceback at exit). Outside the main thread, where no signal arrives, and where
    the handler was installed outside Python (it could not be put back), nothing is deferred."""
    caught = []
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is None:
        yield caught
        return
    previous = signal.signal(signal.SIGINT, lambda *_: caught.append(signal.SIGINT))
    try:
        yield caught
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def client_for(workers: int | None, scheduler: str | None, threads: int = 1):
    """The sweep engine's client (:func:`infomorphic_core.parallel.client_for`), started whole:
    a Ctrl-C while its workers start is raised once they have started and all is closed again."""
    with interrupt_deferred() as interrupted:
        client = parallel.client_for(workers, scheduler, threads)
        if interrupted:
            close(client)
    return client


def close(client) -> None:
    """:func:`infomorphic_core.parallel.close`, whole: a Ctrl-C meanwhile is raised after it."""
    with interrupt_deferred():
        parallel.close(client)


SPEC_KEYS = {"profile", "base", "grid", "points"}
MAX_POINTS = 10_000  # a sweep's points; each is a task run, so more is a mistake or a search
SAMPLERS = {"tpe": "TPESampler", "cmaes": "CmaEsSampler"}
SPACE_KEYS = {"profile", "base", "metric", "direction", "sampler", "seed", "params", "start"}
# one element of a list setting: by position, name[i], or a goal weight by atom key, gamma.red
ELEMENT = re.compile(r"^([A-Za-z_]\w*)(?:\[(\d+)\]|\.([A-Za-z_]\w*))$")


def sweep(run, base_config, grid: dict, metrics=None, **run_kwargs) -> pd.DataFrame:
    """One row per combination of ``grid`` (field -> list of values), with the numeric metrics
    of ``run(replace(base_config, **combination))`` (each cached like any run), in this process;
    the entries of a dict-valued metric are columns ``name.key``, as on the command line
    (:func:`scalars`). ``metrics`` keeps only the columns it names."""
    names = list(grid)
    if "profile" in names:
        # replace() would carry the base's sizes over; the profile is derived from the sizes
        raise ValueError("a grid over 'profile' is not supported: sweep the sizes themselves, "
                         "or run Config(profile=...) once per profile")
    rows = []
    for values in itertools.product(*(grid[name] for name in names)):
        result = run(replace(base_config, **dict(zip(names, values))), **run_kwargs)
        numbers = {k: v for k, v in scalars(result.metrics).items()
                   if isinstance(v, (int, float)) and (metrics is None or k in metrics)}
        rows.append(dict(zip(names, values)) | numbers)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# Grid files and batched calls


def read_yaml(path, allowed: set[str], what: str) -> dict:
    import yaml

    try:
        spec = yaml.safe_load(Path(path).read_text())
    except OSError as error:
        raise ConfigError(f"{what} file {path}: {error.strerror or error}") from None
    except yaml.YAMLError as error:  # one line: the problem and where
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(f"{what} file {path} is not valid YAML{where}: {problem}") from None
    if not isinstance(spec, dict):
        raise ConfigError(f"{what} file {path} must hold a mapping with keys {sorted(allowed)}")
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise ConfigError(f"{what} file {path}: unknown key(s) {unknown}; known: {sorted(allowed)}")
    return spec


def expand(spec: dict) -> list[dict]:
    """The points of a grid spec: ``base`` updated by each combination of ``grid``, crossed with
    each entry of ``points``; at least one point."""
    base = spec.get("base") or {}
    grid = spec.get("grid") or {}
    points = spec.get("points") or [{}]
    if not isinstance(base, dict) or not isinstance(grid, dict) or not isinstance(points, list):
        raise ConfigError("base and grid must be mappings, points a list of mappings")
    if "grid" in spec and not grid:
        raise ConfigError("grid: name at least one setting and its values (or leave grid out and list points)")
    for name, values in grid.items():
        if not isinstance(values, list) or not values:
            raise ConfigError(f"grid: {name} must be a non-empty list of values")
    count = math.prod(len(values) for values in grid.values()) * len(points)
    if count > MAX_POINTS:  # counted from the axes, before anything is expanded
        raise ConfigError(f"the grid has {count:,} points, more than {MAX_POINTS:,}; split it into "
                          f"several sweeps or search the space (infomorphic search)")
    if not all(isinstance(p, dict) for p in points):
        raise ConfigError("points must be a list of mappings (setting: value)")
    if "profile" in grid or "profile" in base or any("profile" in p for p in points):
        raise ConfigError("set the profile once, at the top of the file (profile: quick|paper)")
    if "n_runs" in grid or any("n_runs" in p for p in points):
        raise ConfigError("n_runs is shared by every point (set it in base); seeds vary per point")
    names = list(grid)
    combos = [dict(zip(names, values)) for values in itertools.product(*(grid[n] for n in names))]
    return [base | point | combo for point in points for combo in combos]


def point_id(settings: dict) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:12]


@dataclass
class Block:
    """Points that differ only in their seed, computed in one call of ``n_runs`` runs from
    ``seed``; ``points`` are (point index, first run within the block)."""

    settings: dict  # without seed
    seed: int
    n_runs: int
    points: list = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{point_id(self.settings)}-s{self.seed}-r{self.n_runs}"


def make_blocks(module, profile: str, points: list[dict]) -> list[Block]:
    """Group the points into batched calls, after checking each point's config (a bad setting
    stops the sweep before anything runs)."""
    groups: dict[str, list] = {}
    for index, settings in enumerate(points):
        config = make_config(module, profile, settings)
        rest = {k: v for k, v in settings.items() if k != "seed"}
        groups.setdefault(json.dumps(rest, sort_keys=True, default=str), []).append(
            (config.seed, config.n_runs, index, rest))
    blocks = []
    for members in groups.values():
        members.sort()
        for seed, n_runs, index, rest in members:
            last = blocks[-1] if blocks and blocks[-1].settings == rest else None
            if last is not None and last.seed + last.n_runs == seed:
                last.points.append((index, last.n_runs))
                last.n_runs += n_runs
            elif last is not None and seed < last.seed + last.n_runs:
                raise ConfigError(f"seed {seed} repeats runs of the point with seed "
                                  f"{last.seed} (each point holds n_runs seeds)")
            else:
                blocks.append(Block(rest, seed, n_runs, [(index, 0)]))
    return blocks


def make_config(module, profile: str, settings: dict):
    """The task's config for ``settings``; ``name[i]`` keys set one element of a tuple field,
    ``gamma.KEY`` the goal's weight of the atom ``KEY`` (:data:`~infomorphic_core.goals.BIVARIATE`)."""
    fields = {f.name for f in dataclasses.fields(module.Config)} - {"profile"}
    plain = {k: v for k, v in settings.items() if not ELEMENT.match(k)}
    unknown = sorted(set(plain) - fields)
    if unknown:
        raise ConfigError(f"unknown setting(s) {unknown}; known: {sorted(fields)}")
    config = module.Config(profile=profile, **plain)
    elements = {k: v for k, v in settings.items() if ELEMENT.match(k)}
    if elements:
        changes = {}
        for key, value in elements.items():
            name, index, atom = ELEMENT.match(key).groups()
            current = list(changes.get(name, getattr(config, name, None)) or ())
            if name not in fields or not isinstance(getattr(config, name), tuple):
                raise ConfigError(f"{key}: {name} is not a list setting of this task")
            if atom is not None:
                if name != "gamma":
                    raise ConfigError(f"{key}: only the goal's weights are named by atom (gamma.{atom})")
                try:
                    index = BIVARIATE.index(atom)
                except ValueError as error:
                    raise ConfigError(f"{key}: {error}") from None
            if int(index) >= len(current):
                raise ConfigError(f"{key}: {name} has {len(current)} elements")
            current[int(index)] = value
            changes[name] = tuple(current)
        config = module.Config(profile=profile, **(plain | changes))
    return config


def settings_of(config) -> dict:
    """Every setting of a task's ``config`` but its profile label (tuples as lists): with
    ``profile: custom`` they make the same config again, so a sweep can start from any config."""
    return {f.name: (list(v) if isinstance(v := getattr(config, f.name), tuple) else v)
            for f in dataclasses.fields(config) if f.name != "profile"}


def scalars(metrics: dict) -> dict:
    """The plain values of ``metrics``, with the entries of a dict-valued metric as
    ``name.key`` (the memory's capacity by corruption, ``capacity_by_alpha.0.2``)."""
    plain = (int, float, str, bool, type(None))
    flat = {}
    for key, value in metrics.items():
        if isinstance(value, dict):
            flat |= {f"{key}.{k}": v for k, v in value.items() if isinstance(v, plain)}
        elif isinstance(value, plain):
            flat[key] = value
    return flat


def run_block(task: str, profile: str, settings: dict, use_cache: bool, cache_dir,
              threads: int | None = None) -> dict:
    """One call (``settings`` with its seed and number of runs): the task's result reduced to
    what the sweep keeps (plain data, so that it travels from a Dask worker). ``threads`` sets
    torch's math threads first (default: the package's, :func:`infomorphic_core.runtime.threads`)."""
    import torch

    torch.set_num_threads(threads or runtime.threads())
    module = TASKS[task]
    config = make_config(module, profile, settings)
    result = module.run(config, use_cache=use_cache, cache_dir=cache_dir)
    per_run = module.per_run(result) if hasattr(module, "per_run") else None
    return {"config": json_safe(dataclasses.asdict(config)), "metrics": json_safe(result.metrics),
            "scalars": scalars(result.metrics),
            "per_run": None if per_run is None else per_run.to_dict("records"),
            "provenance": json_safe(result.provenance)}


@dataclass
class SweepResult:
    table: pd.DataFrame  # one row per run (or per point, for a task without per-run metrics)
    failed: dict  # point id -> error text
    computed: int  # batched calls computed now (the others came from the cache)
    calls: int  # batched calls in all


def run_sweep(task: str, spec: dict, out, client=None, use_cache: bool = True, cache_dir=None,
              threads: int | None = None, log=print) -> SweepResult:
    """Run every point of ``spec`` (see the module docstring); with a ``distributed.Client``
    the batched calls run on its workers, else one after the other here. Writes
    ``out/sweep.parquet`` (one row per run: the point's settings, its seed, the run's seed, the
    per-run metrics, the data set and the core's source hash), ``out/points/ID/metrics.json``
    and ``out/failed.json``; each file is written whole or not at all."""
    module = task_module(task)
    profile = spec.get("profile", "quick")
    points = expand(spec)
    blocks = make_blocks(module, profile, points)
    out = Path(out)
    log(f"{task}: {len(points)} points in {len(blocks)} batched calls "
        f"({'Dask: ' + str(client.dashboard_link) if client is not None else 'in this process'})")
    outcomes: dict[str, dict] = {}
    start = time.perf_counter()

    def done(block, outcome):
        outcomes[block.name] = outcome
        status = "FAILED: " + outcome["error"].splitlines()[-1] if "error" in outcome else (
            "computed" if outcome["provenance"]["source"] == "computed" else "from the cache")
        log(f"[{len(outcomes)}/{len(blocks)}] {block.name} {status} ({time.perf_counter() - start:.1f} s)")

    arguments = [(task, profile, b.settings | {"seed": b.seed, "n_runs": b.n_runs}, use_cache, cache_dir, threads)
                 for b in blocks]
    if client is None:
        for block, args in zip(blocks, arguments):
            try:
                done(block, run_block(*args))
            except Exception as error:  # recorded; the other points go on
                done(block, {"error": f"{type(error).__name__}: {error}"})
    else:
        from distributed import as_completed

        futures = {client.submit(run_block, *args, key=f"infomorphic-{task}-{b.name}-{time.time_ns()}",
                                 pure=False, retries=0): b for b, args in zip(blocks, arguments)}
        for future in as_completed(futures):
            block = futures[future]
            if future.status == "error":
                error = future.exception()
                done(block, {"error": f"{type(error).__name__}: {error}"})
            else:
                done(block, future.result())
    rows, failed = [], {}
    for block in blocks:
        outcome = outcomes[block.name]
        sizes = [b - a for (_, a), (_, b) in zip(block.points, block.points[1:] + [(None, block.n_runs)])]
        for (index, first), size in zip(block.points, sizes):
            settings = points[index]
            pid = point_id(settings)
            seed = block.seed + first
            record = {"point": pid, "settings": settings, "seed": seed, "n_runs": size,
                      "batched_with": {"seed": block.seed, "n_runs": block.n_runs}}
            if "error" in outcome:
                failed[pid] = outcome["error"]
                record["error"] = outcome["error"]
                rows.append(_row(settings, pid, seed, None, {}, None, outcome["error"]))
            else:
                per_run = outcome["per_run"]
                record |= {"metrics_of_the_batched_call": outcome["metrics"],
                           "provenance": outcome["provenance"]}
                if per_run is None:  # the task has no per-run metrics: the call's scalars
                    rows.append(_row(settings, pid, seed, None, outcome["scalars"], outcome, None))
                else:
                    mine = per_run[first:first + size]
                    record["runs"] = mine
                    for i, values in enumerate(mine):
                        rows.append(_row(settings, pid, seed, seed + i, values, outcome, None))
            write_json(out / "points" / pid / "metrics.json", record)
    table = pd.DataFrame(rows)
    write_table(table, out / "sweep.parquet")
    write_json(out / "failed.json", failed)
    current = {point_id(settings) for settings in points}
    for folder in (out / "points").iterdir():  # an earlier grid's points are not this sweep's
        if folder.is_dir() and folder.name not in current:
            shutil.rmtree(folder, ignore_errors=True)
    computed = sum(1 for o in outcomes.values() if "error" not in o and o["provenance"]["source"] == "computed")
    return SweepResult(table, failed, computed, len(blocks))


def _row(settings, pid, seed, run_seed, values, outcome, error) -> dict:
    row = {k: (json.dumps(v) if isinstance(v, (list, dict)) else v) for k, v in settings.items() if k != "seed"}
    row |= {"point": pid, "seed": seed, "run_seed": run_seed}
    row |= {k: v for k, v in values.items() if k != "run"}
    if outcome is not None:
        row |= {"dataset": outcome["metrics"].get("dataset"), "source": outcome["provenance"]["source"],
                "code_hash": _code_hash()}
    row["error"] = error
    return row


def _code_hash() -> str:
    return core_hash()[:16]


def write_table(table: pd.DataFrame, path: Path) -> None:
    """Parquet, written to a temporary file beside ``path`` and renamed over it."""
    import io

    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False)
    write_atomic(path, buffer.getvalue())


# ---------------------------------------------------------------------------------------------
# Optuna searches


def _optuna():
    import warnings

    with warnings.catch_warnings():  # tqdm.auto (progress bars we do not use) warns in notebooks
        warnings.simplefilter("ignore")
        import optuna
    return optuna


def run_search(task: str, space: dict, trials: int, out, client=None, use_cache: bool = True,
               cache_dir=None, threads: int | None = None, log=print):
    """An Optuna study of ``trials`` completed trials over ``space`` (see the module docstring),
    stored in ``out/study.db`` (SQLite): a search started again continues the same study.
    Trials run on the client's workers (as many at a time as it has) or here, one at a time.
    Writes ``out/trials.parquet``, ``out/best.json`` and ``out/importance.json``."""
    optuna = _optuna()
    module = task_module(task)
    profile, base, metric, direction, distributions, sampler = parse_space(module, space)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with _locked(out / ".study.lock"):  # searches started at once set the study up one at a time
        study = _open_study(optuna, out / "study.db", task, direction)
        described = json.dumps({"task": task, "space": space}, sort_keys=True, default=str)
        if study.user_attrs.get("space", described) != described:
            raise ConfigError(f"{out / 'study.db'} holds a study of another space; "
                              f"continue it with its own space file, or choose a new --out")
        study.set_user_attr("space", described)
        for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
            if _abandoned(t):  # its search was stopped: its result never comes
                study.tell(t.number, state=optuna.trial.TrialState.FAIL)
        if not study.get_trials(deepcopy=False):
            for params in space.get("start") or []:
                study.enqueue_trial(params)
        study.sampler = sampler(len(study.get_trials(deepcopy=False)))
    complete = len(study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)))
    log(f"{task}: study {out / 'study.db'} has {complete} completed trials; {trials} wanted "
        f"({'Dask: ' + str(client.dashboard_link) if client is not None else 'in this process'})")
    parallel = 1 if client is None else max(1, len(client.scheduler_info()["workers"]))
    failures = 0

    def submit(trial):
        args = (task, profile, base | trial.params, use_cache, cache_dir, threads)
        if client is None:
            return args
        return client.submit(_objective_block, *args, metric, pure=False)

    running = {}
    while complete < trials:
        while len(running) < parallel and complete + len(running) < trials:
            trial = study.ask(distributions)
            trial.set_user_attr("owner", OWNER)
            running[trial.number] = (trial, submit(trial))
        number = _next_finished(running, client)
        trial, handle = running.pop(number)
        try:
            value = _objective_block(*handle, metric) if client is None else handle.result()
        except Exception as error:  # recorded as a failed trial; the search goes on
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            failures += 1
            log(f"trial {number} FAILED: {type(error).__name__}: {error}")
            if failures > max(3, trials):
                raise RuntimeError(f"{failures} trials failed; the last: {error}") from error
            continue
        study.tell(trial, value)
        complete += 1
        log(f"trial {number}: {metric} = {value:.4g} with {trial.params} ({complete}/{trials})")
    frame = study.trials_dataframe()
    write_table(frame, out / "trials.parquet")
    best = study.best_trial
    write_json(out / "best.json", {"metric": metric, "direction": direction, "value": best.value,
                                   "params": best.params, "trial": best.number,
                                   "completed_trials": complete})
    importance = {}
    if len(distributions) > 1 and complete >= 2:
        importance = dict(optuna.importance.get_param_importances(study))
    elif len(distributions) == 1:
        importance = {next(iter(distributions)): 1.0}
    write_json(out / "importance.json", importance)
    return study


OWNER = f"{socket.gethostname()}:{os.getpid()}"  # who asked a trial: a stale one is failed by its host only


def _abandoned(trial) -> bool:
    """A running trial whose search process is gone: asked on this host by a process that no
    longer exists (or by a search that did not record itself); other hosts' trials are theirs."""
    host, _, pid = str(trial.user_attrs.get("owner", "")).rpartition(":")
    if not pid.isdigit():
        return True
    if host != socket.gethostname():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's live process
        return False
    return int(pid) == os.getpid()  # this very process holds no trial at start-up


@contextlib.contextmanager
def _locked(path: Path):
    """An exclusive lock on ``path`` (created if needed) for the block, where the platform has one."""
    with open(path, "a+") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: one search per folder at a time
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _open_study(optuna, db: Path, task: str, direction: str):
    """The study of ``task`` in ``db`` (created when new); another task's study there, or a
    file that is not a readable study, is a one-line :class:`ConfigError`."""
    storage = f"sqlite:///{db}"
    try:
        names = optuna.study.get_all_study_names(storage) if db.exists() else []
        others = [name for name in names if name != task]
        if others:
            raise ConfigError(f"{db} holds a search of the {others[0]} task; choose a new --out")
        if task in names:  # its direction is checked with its space by the caller
            return optuna.load_study(study_name=task, storage=storage)
        return optuna.create_study(storage=storage, study_name=task, direction=direction)
    except ConfigError:
        raise
    except Exception as error:  # a damaged or foreign file: SQLAlchemy's and Optuna's errors alike
        reason = str(error).strip().splitlines()[0][:160] if str(error).strip() else type(error).__name__
        raise ConfigError(f"{db} is not a readable study ({reason}); move it away to start a new "
                          f"search") from None


def parse_space(module, space: dict):
    """``(profile, base, metric, direction, distributions, sampler)`` of a space spec, every
    part checked (a point at the low ends of the ranges must make a valid config)."""
    optuna = _optuna()

    profile = space.get("profile", "quick")
    base = space.get("base") or {}
    metric = space.get("metric")
    direction = space.get("direction", "maximize")
    params = space.get("params") or {}
    if not isinstance(metric, str) or not metric:
        raise ConfigError("metric: name the task's metric to optimise (e.g. validation_accuracy_median)")
    if "test" in metric:
        raise ConfigError(f"metric {metric!r} is a test-set number; a search optimises a "
                          f"validation or training metric, and the test set judges its winner")
    task = module.__name__.rsplit(".", 1)[-1]
    if not any(fnmatch.fnmatchcase(metric, pattern) for pattern in module.METRICS):
        raise ConfigError(f"metric {metric!r} is not a metric of the {task} task; its metrics: "
                          f"{', '.join(module.METRICS)}")
    if direction not in ("maximize", "minimize"):
        raise ConfigError(f"direction must be maximize or minimize, got {direction!r}")
    if not isinstance(base, dict) or not isinstance(params, dict) or not params:
        raise ConfigError("params: at least one setting to search, e.g. learning_rate: {low: 0.001, high: 0.1}")
    distributions = {name: distribution(name, spec) for name, spec in params.items()}
    start = space.get("start") or []
    if not isinstance(start, list) or not all(isinstance(p, dict) and set(p) == set(params) for p in start):
        raise ConfigError(f"start: a list of trials, each giving every parameter {sorted(params)}")
    for point in start:
        for name, value in point.items():
            d = distributions[name]
            inside = value in d.choices if hasattr(d, "choices") else (
                isinstance(value, (int, float)) and d.low <= value <= d.high)
            if not inside:
                raise ConfigError(f"start: {name} = {value!r} lies outside its range")
    first = {name: d.choices[0] if hasattr(d, "choices") else d.low for name, d in distributions.items()}
    make_config(module, profile, base | first)
    sampler_name, seed = space.get("sampler", "tpe"), space.get("seed", 0)
    if sampler_name not in SAMPLERS:
        raise ConfigError(f"sampler must be one of {', '.join(SAMPLERS)}, got {sampler_name!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"seed must be an integer >= 0, got {seed!r}")

    def sampler(trials_so_far: int = 0):
        """The sampler of a study that holds ``trials_so_far`` trials: its seed moves on with
        them, so a continued search proposes new points instead of replaying its first ones."""
        return getattr(optuna.samplers, SAMPLERS[sampler_name])(seed=seed + trials_so_far)

    return profile, base, metric, direction, distributions, sampler


def _next_finished(running: dict, client) -> int:
    if client is None:
        return next(iter(running))
    from distributed import wait

    futures = {handle: number for number, (_, handle) in running.items()}
    finished = wait(list(futures), return_when="FIRST_COMPLETED").done
    return min(futures[f] for f in finished)


def _objective_block(task, profile, settings, use_cache, cache_dir, threads, metric) -> float:
    outcome = run_block(task, profile, settings, use_cache, cache_dir, threads)
    value = outcome["scalars"].get(metric)
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        known = sorted(k for k, v in outcome["scalars"].items() if isinstance(v, (int, float)))
        raise ConfigError(f"metric {metric!r} is not a number of the {task} task's metrics; "
                          f"numbers: {known}")
    return float(value)


def distribution(name: str, spec):
    """An Optuna distribution from ``{low, high[, log][, type: int]}`` or ``{choices: [...]}``."""
    optuna = _optuna()

    if not isinstance(spec, dict):
        raise ConfigError(f"params: {name} must be a mapping like {{low: 0, high: 1}} or {{choices: [a, b]}}")
    if "choices" in spec:
        choices = spec["choices"]
        if not isinstance(choices, list) or not choices:
            raise ConfigError(f"params: {name}: choices must be a non-empty list")
        return optuna.distributions.CategoricalDistribution(
            [tuple(c) if isinstance(c, list) else c for c in choices])
    unknown = sorted(set(spec) - {"low", "high", "log", "type", "step"})
    if unknown or "low" not in spec or "high" not in spec:
        raise ConfigError(f"params: {name} needs low and high (and optionally log, step, type: int)")
    low, high = spec["low"], spec["high"]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high)) or low >= high:
        raise ConfigError(f"params: {name}: low and high must be numbers with low < high")
    if spec.get("type", "float") == "int":
        return optuna.distributions.IntDistribution(int(low), int(high), log=bool(spec.get("log", False)),
                                                    step=int(spec.get("step", 1)))
    if spec.get("type", "float") != "float":
        raise ConfigError(f"params: {name}: type must be float or int")
    return optuna.distributions.FloatDistribution(float(low), float(high), log=bool(spec.get("log", False)),
                                                  step=spec.get("step"))
