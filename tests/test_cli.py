"""The command line: one-line errors before any computation, outputs that appear whole,
provenance, and runs that resume after a kill."""

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from infomorphic_core import cache, cli, io, parallel, reproduce

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--set", "n_runs=2", "--set", "n_updates=20"]


def infomorphic(*args, cwd=ROOT, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "infomorphic_core.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout,
                          env=None if env is None else os.environ | env)


@pytest.mark.parametrize("task, setting, needle", [
    ("error_neuron", "epsilon=abc", "epsilon must be a number"),
    ("bars", "p_bar=abc", "p_bar must be a number"),
    ("bars", "weight_decay=abc", "weight_decay must be a number"),
    ("supervised", "failure_fraction=abc", "failure_fraction must be a number"),
    ("memory", "threshold=nan", "threshold must be a number"),
    ("memory", "seed=abc", "seed must be an integer"),
    ("memory", "seed=1.5", "seed must be an integer"),
    ("supervised", "profile=paper", "--profile"),
    ("supervised", "source=nosuch", "source must be one of"),
    ("supervised", "gamma=[1,2]", "gamma must have 5 weights"),
    ("supervised", "n_runs=1000000000", "GiB of memory"),
    ("bars", "n_runs=200000", "GiB of memory"),
    ("supervised", "nosuch=1", "unknown setting"),
])
@pytest.mark.slow
def test_bad_setting_is_one_line_and_exit_2(tmp_path, task, setting, needle):
    result = infomorphic("run", task, "--set", setting, "--out", str(tmp_path / "out"),
                         "--cache-dir", str(tmp_path / "cache"))
    assert result.returncode == 2, result.stderr
    assert needle in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args, needle", [
    (("bars", "--workers", "2"), "bars does not run on workers"),
    (("trivariate", "--workers", "-1"), "--workers must be 0"),
    (("trivariate", "--workers", "2", "--no-cache"), "drop --no-cache"),
])
@pytest.mark.slow
def test_workers_are_refused_where_they_cannot_work(tmp_path, args, needle):
    result = infomorphic("run", *args, "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and needle in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_minibatch_larger_than_the_data_is_refused(tmp_path):
    result = infomorphic("run", "supervised", "--set", "minibatch=5000", "--out", str(tmp_path / "o"),
                         "--no-cache")
    assert result.returncode == 2 and "at most the 4000 training images" in result.stderr
    assert "Traceback" not in result.stderr


def test_preset_name_is_a_valid_gamma():
    from infomorphic_core.tasks import supervised

    assert supervised.Config(gamma="supervised").gamma == (0.1, 0.1, 1.0, 0.1, 0.0)


@pytest.mark.parametrize("where", ["file", "file/sub", "foreign"])
@pytest.mark.slow
def test_bad_out_is_refused_before_computing(tmp_path, where):
    (tmp_path / "file").write_text("x")
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "notes.txt").write_text("mine")
    result = infomorphic("run", "error_neuron", *SMALL, "--out", str(tmp_path / where), "--no-cache")
    assert result.returncode == 2 and "--out" in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "foreign" / "notes.txt").read_text() == "mine"


@pytest.mark.slow
def test_cache_dir_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "cache").write_text("x")
    result = infomorphic("run", "error_neuron", *SMALL, "--out", str(tmp_path / "o"),
                         "--cache-dir", str(tmp_path / "cache"))
    assert result.returncode == 2 and "is a file" in result.stderr


def test_failed_cache_write_keeps_the_result(tmp_path, monkeypatch):
    def refuse(path, data):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cache, "write_atomic", refuse)
    with pytest.warns(UserWarning, match="could not write the cache entry"):
        value, provenance = cache.cached_with_provenance({"k": 1}, lambda: 42, tmp_path)
    assert value == 42 and provenance["source"] == "computed" and provenance["cache_entry"] is None


@pytest.mark.slow
def test_outputs_are_whole_json_is_valid_and_provenance_is_told(tmp_path):
    out, store = tmp_path / "out", tmp_path / "cache"
    first = infomorphic("run", "error_neuron", *SMALL, "--out", str(out), "--cache-dir", str(store))
    assert first.returncode == 0, first.stderr
    assert "computed in" in first.stdout
    again = infomorphic("run", "error_neuron", *SMALL, "--out", str(out), "--cache-dir", str(store))
    assert "read from the cache" in again.stdout and "computed" in again.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "out"]  # no temporary left
    assert sorted(p.name for p in out.iterdir()) == ["history.csv", "metrics.json"]
    metrics = json.loads((out / "metrics.json").read_text(), parse_constant=pytest.fail)
    assert metrics["provenance"]["source"] == "cache"
    assert metrics["provenance"]["wall_time_s"] > 0 and metrics["provenance"]["machine"]["cpu"]
    assert len(pd.read_csv(out / "history.csv")) > 0


def test_json_has_no_bare_nan():
    assert io.json_safe({"a": math.nan, "b": [1.0, math.inf], "c": "x"}) == {"a": None, "b": [1.0, None], "c": "x"}


@pytest.mark.slow
def test_killed_run_resumes_to_the_uninterrupted_result(tmp_path):
    settings = ["--set", "n_runs=2", "--set", "n_updates=100", "--set", "eval_every=5",
                "--set", "steps_per_minibatch=256", "--set", "eval_steps=512"]
    store = tmp_path / "cache"
    command = [sys.executable, "-m", "infomorphic_core.cli", "run", "bars", *settings,
               "--out", str(tmp_path / "killed"), "--cache-dir", str(store)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not list((store / "checkpoints").glob("*.pt")):
        time.sleep(0.05)
    time.sleep(0.3)  # a few more updates past the first checkpoint, well before the end
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert list((store / "checkpoints").glob("*.pt")), "the run ended before a checkpoint was written"
    assert not (tmp_path / "killed").exists()
    resumed = infomorphic("run", "bars", *settings, "--out", str(tmp_path / "killed"),
                          "--cache-dir", str(store))
    assert resumed.returncode == 0 and "resuming from update" in resumed.stderr
    assert not list((store / "checkpoints").glob("*.pt"))
    whole = infomorphic("run", "bars", *settings, "--out", str(tmp_path / "whole"), "--no-cache")
    assert whole.returncode == 0
    a = json.loads((tmp_path / "killed" / "metrics.json").read_text())
    b = json.loads((tmp_path / "whole" / "metrics.json").read_text())
    # the compute time counts the killed attempt's training too
    before = a["provenance"]["resumed_after_s"]
    assert before > 0 and a["provenance"]["wall_time_s"] > before
    for key in ("unq_R_mean", "cond_mi_mean", "layer_mi_mean", "all_bars_fraction"):
        assert a[key] == b[key], key
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "killed" / "history.csv"),
                                  pd.read_csv(tmp_path / "whole" / "history.csv"))


def test_reproduce_outside_a_checkout_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(reproduce, "NOTEBOOKS", tmp_path / "missing")
    monkeypatch.setattr(reproduce, "BOOK_INPUT", tmp_path / "missing-book" / "notebooks")
    assert cli.main(["reproduce"]) == 2
    assert cli.main(["list"]) == 0


@pytest.mark.parametrize("parameter, needle", [("profile=slow", "profile must be one of"),
                                               ("noise=abc", "parameter noise"),
                                               ("nosie=0.2", "nosie"),
                                               ("sweep_points=2.5", "parameter sweep_points")])
@pytest.mark.slow
def test_bad_notebook_parameter_fails_before_running(tmp_path, parameter, needle):
    result = infomorphic("reproduce", "--only", "01_theory", "-p", parameter, "--out", str(tmp_path / "nb"))
    assert result.returncode == 2 and needle in result.stderr
    assert "running" not in result.stdout


def test_auto_source_is_cached_under_the_data_set_used(tmp_path, monkeypatch):
    from infomorphic_core.tasks import supervised
    from infomorphic_core.tasks.trivariate import Trained

    calls = []

    def fake_run(config, checkpoint, source):
        calls.append(source)
        return Trained(pd.DataFrame(), pd.DataFrame())  # a result the cache can store as data

    monkeypatch.setattr(supervised, "_run", fake_run)
    config = supervised.Config(profile="paper", n_runs=1)
    assert config.source == "auto"
    monkeypatch.setattr(supervised, "resolve_source", lambda source, **kwargs: "subset")  # offline
    supervised.run(config, cache_dir=tmp_path)
    supervised.run(config, cache_dir=tmp_path)
    monkeypatch.setattr(supervised, "resolve_source", lambda source, **kwargs: "full")  # network back
    result = supervised.run(config, cache_dir=tmp_path)
    assert calls == ["subset", "full"] and result.provenance["source"] == "computed"


@pytest.mark.slow
def test_failed_download_is_one_line(tmp_path):
    result = infomorphic("run", "supervised", "--set", "source=full", "--out", str(tmp_path / "o"),
                         "--cache-dir", str(tmp_path / "cache"),
                         env={"INFOMORPHIC_MNIST_URL": "http://127.0.0.1:9/mnist/"})
    assert result.returncode == 1 and "could not download" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "o").exists()


def test_interrupted_write_keeps_the_previous_outputs(tmp_path, monkeypatch):
    out = tmp_path / "out"
    history = pd.DataFrame({"run": [0], "step": [1], "neuron": [0], "quantity": ["x"], "value": [1.0]})
    io.write_outputs(out, {"a": 1}, history)

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(OSError):
        io.write_outputs(out, {"a": 2}, history)
    assert json.loads((out / "metrics.json").read_text()) == {"a": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("where", ["same", "inside", "holding"])
def test_out_and_cache_folder_must_not_overlap(tmp_path, capsys, where):
    """--out is replaced as a whole: an --out that is (or is in) the cache folder, or holds it,
    would delete cache entries on every run."""
    cache_dir = tmp_path / "cache"
    out = {"same": cache_dir, "inside": cache_dir / "out", "holding": tmp_path}[where]
    code = cli.main(["run", "error_neuron", *SMALL, "--cache-dir", str(cache_dir), "--out", str(out)])
    assert code == 2 and "cache folder" in capsys.readouterr().err


def test_relative_cache_dir_is_resolved_before_anything_runs(tmp_path, monkeypatch):
    """Workers resolve a relative path in their own folder: the CLI hands on an absolute one,
    and the kernels and downloads follow it (the process's cache folder)."""
    monkeypatch.chdir(tmp_path)
    seen = {}

    def fake_run(config, use_cache, cache_dir, **distributed):
        seen["cache_dir"], seen["env"] = cache_dir, os.environ.get(io.ENV_DIR)
        raise KeyboardInterrupt  # stop here: the path is what this test is about

    monkeypatch.setattr(cli.TASKS["error_neuron"], "run", fake_run)
    assert cli.main(["run", "error_neuron", *SMALL, "--cache-dir", "rel", "--out", "o"]) == 130
    assert seen["cache_dir"] == str(tmp_path / "rel") == seen["env"]


def test_interrupt_is_one_line_and_exit_130(tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.TASKS["error_neuron"], "run", interrupted)
    assert cli.main(["run", "error_neuron", *SMALL, "--out", str(tmp_path / "o")]) == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "the same command goes on" in err[0]


def test_full_disk_under_out_is_one_line_and_the_result_is_kept(tmp_path, monkeypatch, capsys):
    """The result is computed and cached before --out is written: a write that fails says so
    in one line, and the same command then writes it from the cache."""
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    arguments = ["run", "error_neuron", *SMALL, "--cache-dir", str(tmp_path / "c"), "--out", str(tmp_path / "o")]
    monkeypatch.setattr(cli, "write_outputs", full)
    assert cli.main(arguments) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "No space left" in err[0] and "the same command writes it" in err[0]
    monkeypatch.undo()
    assert cli.main(arguments) == 0
    assert "read from the cache" in capsys.readouterr().out
    assert json.loads((tmp_path / "o" / "metrics.json").read_text())["provenance"]["source"] == "cache"


@pytest.mark.slow
def test_unreachable_scheduler_is_one_line_and_exit_2(tmp_path):
    """Refused after the bounded connect wait it names (a hang would run into the call's
    timeout), before any computation: nothing is written. No wall-time bound: on a loaded 2-core
    machine the whole call took 32 s, of which 10 s the connect wait."""
    result = infomorphic("run", "redundancy_memory", "--set", "n_runs=1", "--scheduler", "tcp://127.0.0.1:1",
                         "--out", str(tmp_path / "o"), timeout=120)
    assert result.returncode == 2 and "cannot reach the Dask scheduler" in result.stderr
    assert f"within {parallel.CONNECT_TIMEOUT}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o" / "metrics.json").exists()
