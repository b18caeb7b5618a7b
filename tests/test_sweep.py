"""Sweeps and searches: grid expansion and seed batching, the Dask path against the serial one,
resuming, failures, and Optuna studies."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from infomorphic_core import cli, parallel, sweep
from infomorphic_core.checks import ConfigError
from infomorphic_core.tasks import bars, redundancy_memory

TINY = {"n_runs": 2, "n_updates": 2, "eval_every": 1, "steps_per_minibatch": 64, "eval_steps": 64}


def spec(**grid):
    return {"profile": "quick", "base": dict(TINY), "grid": grid}


def test_points_and_seed_blocks():
    points = sweep.expand(spec(learning_rate=[0.5, 1.0], seed=[0, 2, 6]))
    assert len(points) == 6 and points[0] == TINY | {"learning_rate": 0.5, "seed": 0}
    blocks = sweep.make_blocks(bars, "quick", points)
    # seeds 0 and 2 hold runs 0-1 and 2-3: one call of 4 runs; seed 6 starts a new call
    shapes = sorted((b.settings["learning_rate"], b.seed, b.n_runs, len(b.points)) for b in blocks)
    assert shapes == [(0.5, 0, 4, 2), (0.5, 6, 2, 1), (1.0, 0, 4, 2), (1.0, 6, 2, 1)]
    with pytest.raises(ConfigError, match="repeats runs"):
        sweep.make_blocks(bars, "quick", sweep.expand(spec(seed=[0, 1])))
    with pytest.raises(ConfigError, match="unknown setting"):
        sweep.make_blocks(bars, "quick", sweep.expand(spec(nosuch=[1])))
    with pytest.raises(ConfigError, match="n_runs"):
        sweep.expand(spec(n_runs=[1, 2]))
    explicit = sweep.expand({"base": TINY, "points": [{"gamma": "bars"}, {"gamma[4]": 0.5}]})
    configs = [sweep.make_config(bars, "quick", p) for p in explicit]
    assert configs[1].gamma[:4] == configs[0].gamma[:4] and configs[1].gamma[4] == 0.5


def test_a_dict_metric_becomes_one_column_per_entry():
    # e.g. the memory's capacity by corruption level, a column per level in the sweep table
    metrics = {"capacity": 20, "capacity_by_alpha": {"0.0": 20, "0.2": 12}, "curve": [1, 2],
               "nested": {"a": {"b": 1}}, "protocol": "teacher_forced", "ci": None}
    assert sweep.scalars(metrics) == {"capacity": 20, "capacity_by_alpha.0.0": 20,
                                      "capacity_by_alpha.0.2": 12, "protocol": "teacher_forced",
                                      "ci": None}


def test_a_batched_call_equals_its_points_run_alone(tmp_path):
    """Seeds 0 and 2 run as one call of four runs; each run's row equals the run computed on
    its own (seed s, n_runs 1), as the task's runs are a tensor axis (equal to the last bit
    here; a batched sum may round differently on another CPU, which two updates keep far below
    the 1e-6 allowed)."""
    table = sweep.run_sweep("bars", spec(seed=[0, 2]), tmp_path / "a", use_cache=False, log=lambda *_: None).table
    assert list(table.run_seed) == [0, 1, 2, 3] and list(table.seed) == [0, 0, 2, 2]
    alone = bars.per_run(bars.run(bars.Config(**(TINY | {"n_runs": 1, "seed": 3})), use_cache=False))
    assert table.iloc[3].layer_mi == pytest.approx(alone.layer_mi[0], rel=0, abs=1e-6)
    assert table.iloc[3].red_mean == pytest.approx(alone.red_mean[0], rel=0, abs=1e-6)
    assert table.iloc[3].bars_encoded == alone.bars_encoded[0]


def test_dask_path_gives_the_serial_numbers(tmp_path):
    from distributed import Client, LocalCluster

    grid = spec(learning_rate=[0.5, 1.0])
    serial = sweep.run_sweep("bars", grid, tmp_path / "serial", use_cache=False, log=lambda *_: None)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        lines = []
        dask = sweep.run_sweep("bars", grid, tmp_path / "dask", client=client, use_cache=False, log=lines.append)
    assert "Dask: http" in lines[0] and len(lines) == 3
    numbers = [c for c in serial.table.columns if c not in ("source",)]
    pd.testing.assert_frame_equal(serial.table[numbers], dask.table[numbers])
    assert len(dask.table) == 4 and dask.table.layer_mi.notna().all()
    saved = pd.read_parquet(tmp_path / "dask" / "sweep.parquet")
    pd.testing.assert_frame_equal(saved, dask.table)
    point = json.loads((tmp_path / "dask" / "points" / dask.table.point[0] / "metrics.json").read_text())
    assert point["settings"]["learning_rate"] == 0.5 and len(point["runs"]) == 2


def test_a_killed_sweep_resumes_with_only_the_missing_point(tmp_path):
    grid = spec(learning_rate=[0.5, 1.0])
    seen = []

    def kill_after_first(line):
        seen.append(line)
        if line.startswith("[1/2]"):
            raise KeyboardInterrupt  # as if the process were stopped after the first call

    with pytest.raises(KeyboardInterrupt):
        sweep.run_sweep("bars", grid, tmp_path / "out", cache_dir=tmp_path / "cache", log=kill_after_first)
    assert not (tmp_path / "out" / "sweep.parquet").exists()  # no table of a sweep that stopped
    result = sweep.run_sweep("bars", grid, tmp_path / "out", cache_dir=tmp_path / "cache", log=lambda *_: None)
    assert result.computed == 1 and sorted(result.table.source) == ["cache", "cache", "computed", "computed"]


def test_a_failing_point_is_reported_and_the_others_kept(tmp_path, monkeypatch, capsys):
    real = bars.run

    def fragile(config, **kwargs):
        if config.learning_rate == 1.0:
            raise FloatingPointError("diverged")
        return real(config, **kwargs)

    monkeypatch.setattr(bars, "run", fragile)
    grid = tmp_path / "grid.yaml"
    grid.write_text(json.dumps(spec(learning_rate=[0.5, 1.0])))  # JSON is YAML
    code = cli.main(["sweep", "bars", "--grid", str(grid), "--out", str(tmp_path / "out"), "--workers", "0",
                     "--no-cache"])
    err = capsys.readouterr().err
    table = pd.read_parquet(tmp_path / "out" / "sweep.parquet")
    failed = json.loads((tmp_path / "out" / "failed.json").read_text())
    assert code == 1 and "1 point(s) failed" in err
    assert list(failed.values()) == ["FloatingPointError: diverged"] and list(failed)[0] in err
    kept = table[table.error.isna()]
    assert len(kept) == 2 and (kept.learning_rate == 0.5).all() and kept.layer_mi.notna().all()


def test_bad_grid_is_one_line_and_exit_2(tmp_path, capsys):
    grid = tmp_path / "grid.yaml"
    grid.write_text("grid: {learning_rate: [0.5], nosuch: [1]}\n")
    assert cli.main(["sweep", "bars", "--grid", str(grid), "--out", str(tmp_path / "o"), "--workers", "0"]) == 2
    assert "unknown setting" in capsys.readouterr().err
    grid.write_text("grid: [1, 2\n")
    assert cli.main(["sweep", "bars", "--grid", str(grid), "--out", str(tmp_path / "o"), "--workers", "0"]) == 2
    assert "not valid YAML" in capsys.readouterr().err


def test_a_study_is_stored_and_resumed(tmp_path):
    space = {"profile": "quick", "base": TINY, "metric": "cond_mi_mean", "direction": "maximize",
             "params": {"learning_rate": {"low": 0.1, "high": 2.0, "log": True},
                        "gamma[4]": {"low": 0.0, "high": 0.2}}}
    quiet = dict(cache_dir=tmp_path / "cache", log=lambda *_: None)
    first = [t.params for t in sweep.run_search("bars", space, 2, tmp_path / "s", **quiet).trials]
    assert len(first) == 2
    second = sweep.run_search("bars", space, 3, tmp_path / "s", **quiet)
    assert [t.params for t in second.trials[:2]] == first  # kept, not redone
    assert len(second.trials) == 3 and all(t.value is not None for t in second.trials)
    best = json.loads((tmp_path / "s" / "best.json").read_text())
    assert best["value"] == max(t.value for t in second.trials) and best["completed_trials"] == 3
    assert set(json.loads((tmp_path / "s" / "importance.json").read_text())) == {"learning_rate", "gamma[4]"}
    assert len(pd.read_parquet(tmp_path / "s" / "trials.parquet")) == 3
    with pytest.raises(ConfigError, match="another space"):
        sweep.run_search("bars", space | {"direction": "minimize"}, 4, tmp_path / "s", **quiet)
    with pytest.raises(ConfigError, match="test-set"):
        sweep.run_search("bars", space | {"metric": "test_accuracy_median"}, 1, tmp_path / "t", **quiet)


def test_goal_weights_by_atom_key_or_position():
    """gamma.KEY names the weight the vocabulary puts at that key's position."""
    by_key = sweep.make_config(bars, "quick", TINY | {"gamma": "only red", "gamma.res": 0.5, "gamma.unq_C": -0.2})
    by_position = sweep.make_config(bars, "quick", TINY | {"gamma": "only red", "gamma[4]": 0.5, "gamma[1]": -0.2})
    assert by_key == by_position and by_key.gamma == (0.0, -0.2, 1.0, 0.0, 0.5)
    with pytest.raises(ConfigError, match="unknown atom 'redundancy'"):
        sweep.make_config(bars, "quick", TINY | {"gamma.redundancy": 1.0})
    with pytest.raises(ConfigError, match="only the goal's weights"):
        sweep.make_config(redundancy_memory, "quick", {"networks.first": "Hebbian"})


SPACE = {"profile": "quick", "base": TINY, "metric": "cond_mi_mean", "direction": "maximize",
         "params": {"learning_rate": {"low": 0.1, "high": 2.0, "log": True}, "gamma.res": {"low": 0.0, "high": 0.2}}}


def test_a_continued_search_proposes_new_points(tmp_path):
    """The sampler's seed moves on with the study's trials: continuing does not replay the
    points the first part already tried."""
    quiet = dict(cache_dir=tmp_path / "cache", log=lambda *_: None)
    sweep.run_search("bars", SPACE, 2, tmp_path / "s", **quiet)
    study = sweep.run_search("bars", SPACE, 4, tmp_path / "s", **quiet)
    points = {tuple(sorted(t.params.items())) for t in study.trials}
    assert len(study.trials) == 4 and len(points) == 4


def test_a_search_refuses_another_tasks_study_and_a_misspelt_metric(tmp_path):
    quiet = dict(cache_dir=tmp_path / "cache", log=lambda *_: None)
    sweep.run_search("bars", SPACE, 1, tmp_path / "s", **quiet)
    best = (tmp_path / "s" / "best.json").read_text()
    other = {"profile": "quick", "base": {"n_runs": 2, "n_updates": 5}, "metric": "mismatch_accuracy",
             "params": {"learning_rate": {"low": 0.1, "high": 1.0}}}
    with pytest.raises(ConfigError, match="holds a search of the bars task"):
        sweep.run_search("error_neuron", other, 1, tmp_path / "s", **quiet)
    assert (tmp_path / "s" / "best.json").read_text() == best
    # found before any trial runs, with the task's metrics named
    with pytest.raises(ConfigError, match="not a metric of the bars task; its metrics: .*cond_mi_mean"):
        sweep.run_search("bars", SPACE | {"metric": "cond_mi_maen"}, 1, tmp_path / "m", **quiet)
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("content", [b"SQLite format 3\x00" + b"\x00" * 50, b"not a database at all"])
def test_a_damaged_study_file_is_one_line(tmp_path, content, capsys):
    out = tmp_path / "s"
    out.mkdir()
    (out / "study.db").write_bytes(content)
    space = tmp_path / "space.yaml"
    space.write_text(json.dumps(SPACE))
    code = cli.main(["search", "bars", "--space", str(space), "--trials", "1", "--out", str(out), "--workers", "0"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "not a readable study" in err[0], err


@pytest.mark.slow
def test_two_searches_started_at_once_share_one_study(tmp_path):
    """Two processes on one fresh study.db: neither crashes, neither fails the other's running
    trials, and the study holds both searches' trials, each once."""
    space = tmp_path / "space.yaml"
    space.write_text(json.dumps(SPACE))
    command = [sys.executable, "-m", "infomorphic_core.cli", "search", "bars", "--space", str(space), "--trials",
               "2", "--out", str(tmp_path / "s"), "--workers", "0", "--cache-dir", str(tmp_path / "cache")]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    outcomes = [p.communicate(timeout=600) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outcomes
    import optuna

    study = optuna.load_study(study_name="bars", storage=f"sqlite:///{tmp_path / 's' / 'study.db'}")
    states = [t.state.name for t in study.trials]
    assert states.count("COMPLETE") >= 2 and "FAIL" not in states, states
    assert len({t.number for t in study.trials}) == len(study.trials)


@pytest.mark.parametrize("text, needle", [
    ("grid: {}\n", "name at least one setting"),
    ("grid:\n  learning_rate: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n  seed: [" + ", ".join(map(str, range(2000))) + "]\n",
     "20,000 points, more than 10,000"),
    ("grid:\n" + "".join(f"  a{i}: [{', '.join(map(str, range(10)))}]\n" for i in range(10)),
     "10,000,000,000 points"),
    ("grid: [1, 2\n", "not valid YAML at line 2, column 1"),
])
def test_bad_grids_are_refused_in_one_line_before_anything_runs(tmp_path, capsys, text, needle):
    grid = tmp_path / "grid.yaml"
    grid.write_text(text)
    code = cli.main(["sweep", "bars", "--grid", str(grid), "--out", str(tmp_path / "o"), "--workers", "0"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and needle in err[0], err
    assert not (tmp_path / "o" / "points").exists()


def test_a_second_grid_leaves_only_its_own_points(tmp_path):
    quiet = dict(cache_dir=tmp_path / "cache", log=lambda *_: None)
    sweep.run_sweep("bars", {"base": TINY, "grid": {"learning_rate": [0.5, 1.0]}}, tmp_path / "o", **quiet)
    assert len(list((tmp_path / "o" / "points").iterdir())) == 2
    second = sweep.run_sweep("bars", {"base": TINY, "grid": {"learning_rate": [2.0]}}, tmp_path / "o", **quiet)
    assert [p.name for p in (tmp_path / "o" / "points").iterdir()] == list(second.table.point.unique())


def test_workers_that_do_not_see_the_cache_folder_are_refused(tmp_path):
    """A cluster hands results back through the cache folder: a worker that cannot see a probe
    file written there is named in one line, before any work is sent."""
    from infomorphic_core import parallel

    class Cluster:
        def run(self, fn, path):
            return {"tcp://10.0.0.1:1": fn(path), "tcp://10.0.0.2:1": False}

    with pytest.raises(ConfigError, match="1 of 2 workers do not see the cache folder .* tcp://10.0.0.2:1"):
        parallel.check_shared(Cluster(), tmp_path)
    assert not list(tmp_path.iterdir())  # the probe is removed
    client = parallel.client_for(1, None)
    try:
        parallel.check_shared(client, tmp_path)  # local workers share the disk
    finally:
        parallel.close(client)


def test_a_ctrl_c_while_the_workers_start_lets_them_start_then_closes_all(monkeypatch):
    """Interrupted while it starts, a LocalCluster cannot be closed (distributed asserts on the
    state of a worker still starting and prints a traceback at exit): the interrupt waits for
    the start, then the client and cluster close and the KeyboardInterrupt follows."""
    import signal

    import distributed

    events = []

    class Cluster:
        def __init__(self, **settings):
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the workers start
            events.append("started")

        def close(self):
            events.append("cluster closed")

    class Client:
        def __init__(self, cluster):
            self.cluster = cluster
            events.append("client")

        def close(self):
            events.append("client closed")

    monkeypatch.setattr(distributed, "LocalCluster", Cluster)
    monkeypatch.setattr(distributed, "Client", Client)
    handler = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        sweep.client_for(2, None)
    assert events == ["started", "client", "client closed", "cluster closed"]
    assert signal.getsignal(signal.SIGINT) is handler


@pytest.mark.slow
@pytest.mark.alone
def test_ctrl_c_in_a_dask_sweep_is_one_line_and_exit_130(tmp_path):
    import signal
    import time

    grid = tmp_path / "grid.yaml"
    grid.write_text("base: {n_updates: 400}\ngrid:\n  learning_rate: [0.5, 1.0, 2.0, 3.0]\n")
    # the eager path: with the kernels, each worker first compiles them into the new cache folder
    # (3 s idle, far longer under a loaded `make test`, where this test failed twice: no point
    # done 120 s after the start, the process alive 120 s after the interrupt); what is tested
    # is the interrupt, not the kernels
    process = subprocess.Popen([sys.executable, "-m", "infomorphic_core.cli", "sweep", "bars", "--grid", str(grid),
                                "--out", str(tmp_path / "o"), "--workers", "2", "--cache-dir", str(tmp_path / "c")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=os.environ | {"INFOMORPHIC_FUSED": "0"},
                               # a test run started in the background (`cmd &`) inherits Ctrl-C
                               # ignored, and so would the sweep: give it the terminal's default
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120
    while time.time() < deadline and not list((tmp_path / "c" / "checkpoints").glob("*.pt")):
        time.sleep(0.1)  # the workers are training
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130
    assert err.strip().splitlines() == ["interrupted: what was computed is in the cache; the same command goes on "
                                        "from there"], err


def test_an_in_process_sweep_flattens_dict_metrics_as_the_command_line_does():
    from dataclasses import dataclass
    from types import SimpleNamespace

    @dataclass(frozen=True)
    class Config:
        a: int = 0

    def run(config):
        return SimpleNamespace(metrics={"total": config.a * 2, "by": {"x": config.a, "y": -config.a},
                                        "label": "text", "missing": None})

    table = sweep.sweep(run, Config(), {"a": [1, 3]})
    assert list(table.columns) == ["a", "total", "by.x", "by.y"]
    assert table["by.y"].tolist() == [-1, -3]
    assert list(sweep.sweep(run, Config(), {"a": [2]}, metrics=["by.x"]).columns) == ["a", "by.x"]
