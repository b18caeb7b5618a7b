"""Recorded paper-profile results: written whole with their provenance, read by the pages, and
said to be stale when the core has changed since."""

import fnmatch
import json
import re
import subprocess
from pathlib import Path

import jupytext
import pandas as pd
import pytest

from infomorphic_core import cli, results, sweep
from infomorphic_core.tasks import TASKS, error_neuron

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"n_runs": 2, "n_updates": 20, "eval_samples": 200}


def test_a_recording_holds_metrics_config_provenance_and_the_runs(tmp_path):
    folder = results.record("error_neuron", "quick", SMALL, results_dir=tmp_path, cache_dir=tmp_path / "cache")
    assert sorted(p.name for p in folder.iterdir()) == ["metrics.json", "runs.csv"]
    recorded = results.load("error_neuron", tmp_path)
    direct = error_neuron.run(error_neuron.Config(**SMALL), cache_dir=tmp_path / "cache")
    assert recorded.metrics == json.loads(json.dumps(direct.metrics))
    pd.testing.assert_frame_equal(recorded.tables["runs"], error_neuron.per_run(direct), check_dtype=False)
    assert recorded.config["n_runs"] == 2 and recorded.provenance["source_hash"] == results.task_source_hash("error_neuron")
    assert recorded.provenance["data"]["dataset"].startswith("generated")
    assert not recorded.stale and recorded.note() is None
    line = recorded.provenance_line()
    assert line.startswith("Recorded by `infomorphic record error_neuron --profile quick --set n_runs=2")
    assert recorded.provenance["machine"]["cpu"] in line


def test_a_changed_core_makes_the_page_say_so(tmp_path, monkeypatch):
    results.record("error_neuron", "quick", SMALL, results_dir=tmp_path, cache_dir=tmp_path / "cache")
    monkeypatch.setattr(results, "source_hash", lambda *modules: "0" * 64)
    recorded = results.load("error_neuron", tmp_path)
    assert recorded.stale and "earlier version of the code it runs" in recorded.note()
    assert "`infomorphic record error_neuron --profile quick" in recorded.note()


def test_a_recording_names_the_source_it_started_with(tmp_path, monkeypatch):
    """An edit made while a long recording runs does not name its result: the source hash and
    the commit are taken as the run starts."""
    source = {"hash": "before"}
    monkeypatch.setattr(results, "task_source_hash", lambda task: source["hash"])
    run = error_neuron.run

    def edited_while_running(*args, **kwargs):
        result = run(*args, **kwargs)
        source["hash"] = "after"
        return result

    monkeypatch.setattr(error_neuron, "run", edited_while_running)
    results.record("error_neuron", "quick", SMALL, results_dir=tmp_path, cache_dir=tmp_path / "cache")
    assert json.loads((tmp_path / "error_neuron" / "metrics.json").read_text())["provenance"]["source_hash"] == "before"


@pytest.mark.parametrize("settings", [
    {"ablation": False, "networks": [], "n_runs": 5},
    {"mnist_dir": None, "learning_rate": 1.0, "networks": ["infomorphic", "infomorphic, deterministic test"]},
    {"gamma": [0.1, -0.2, 1.0, 0.0, 0.0], "ablation": ["{F}{L}", "{FC}{FL}"], "source": "folder"},
])
def test_a_recorded_command_reads_back_as_its_settings(settings):
    """The command a page prints must run as printed: booleans and None as the parser reads
    them (Python literals, not JSON's false and null), quoted for the shell."""
    import shlex

    from infomorphic_core.checks import parse_overrides

    words = shlex.split(results.command_of("trivariate", "paper", settings, "x"))
    pairs = [words[i + 1] for i, word in enumerate(words) if word == "--set"]
    assert parse_overrides(pairs) == settings
    assert words[-2:] == ["--name", "x"]


def test_refresh_records_again_with_the_same_settings(tmp_path, capsys):
    options = ["--results", str(tmp_path / "res"), "--cache-dir", str(tmp_path / "cache")]
    args = ["record", "error_neuron", "--profile", "quick", *[f"--set={k}={v}" for k, v in SMALL.items()],
            "--name", "neuron-small"]
    assert cli.main(args + options) == 0
    first = json.loads((tmp_path / "res" / "neuron-small" / "metrics.json").read_text())
    assert cli.main(["record", "--refresh", "neuron-small"] + options) == 0
    again = json.loads((tmp_path / "res" / "neuron-small" / "metrics.json").read_text())
    assert again["metrics"] == first["metrics"] and again["config"] == first["config"]
    assert again["provenance"]["source"] == "cache"  # resumed from the cache, nothing retrained
    assert "Recorded by" in capsys.readouterr().out
    assert cli.main(["record", "--refresh", "nothing-like-it"] + options) == 2
    assert cli.main(["record", "error_neuron", "--set", "epsilon=abc"] + options) == 2
    assert not (tmp_path / "res" / "error_neuron").exists()


def page_sources() -> dict[str, str]:
    return {p.stem: p.read_text() for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))}


def test_every_recorded_result_is_read_by_a_page_and_fits_its_task():
    pages = page_sources()
    for name in results.recorded_names():
        readers = [page for page, text in pages.items() if f'results.load("{name}")' in text]
        assert readers, f"results/paper/{name} is read by no page"
        recorded = results.load(name)
        module = TASKS[recorded.task]
        for metric in sweep.scalars(recorded.metrics):
            assert any(fnmatch.fnmatchcase(metric, p) for p in module.METRICS), (name, metric)
    for page, text in pages.items():
        for name in re.findall(r"results\.load\(\s*\"([^\"]+)\"", text):
            assert name in results.recorded_names(), f"{page} reads results/paper/{name}, which is not recorded"


def test_no_paper_profile_numbers_are_typed_into_a_page():
    """A markdown cell about the paper profile holds no table or line of our measured numbers:
    those are printed from a recorded result, the paper's own beside them."""
    typed = set()
    for page in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py")):
        for cell in jupytext.read(page).cells:
            text = cell.source
            if cell.cell_type == "markdown" and re.search(r"paper profile", text, re.I) and re.search(
                    r"measured once|\|\s*ours", text, re.I):
                typed.add(page.stem)
    assert not typed, f"pages with typed paper-profile numbers: {sorted(typed)}"


def test_wall_times_name_each_chapter_its_timing_and_the_results_it_reads(tmp_path):
    results.record("error_neuron", "quick", SMALL, name="neuron-small", results_dir=tmp_path / "res",
                   cache_dir=tmp_path / "cache")
    pages = tmp_path / "notebooks"
    pages.mkdir()
    (pages / "01_a.py").write_text('small = results.load("neuron-small")\n')
    (pages / "02_b.py").write_text("# reads nothing\n")
    bench = {"paper_profiles": {"02_b": {"wall_s": 90.0, "status": "ok", "machine": "some CPU",
                                         "date": "2026-01-01"}}}
    table = results.wall_times(bench, tmp_path / "res", pages)
    assert list(table.index) == ["01_a", "02_b"]
    assert table.loc["01_a", "whole paper profile"] == "—" and table.loc["02_b", "whole paper profile"] == "1.5 min"
    assert table.loc["01_a", "recorded results it reads"].startswith("`neuron-small` ")
    assert table.loc["02_b", "recorded results it reads"] == "—"
    assert results.readers(pages) == {"neuron-small": ["01_a"]}


def test_the_readme_tables_are_those_the_files_give():
    """The README's tables of measured figures are generated (benchmarks/readme_tables.py) from
    benchmarks/results.json and results/paper: a recording or `make bench` is followed by `make readme`."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("readme_tables", ROOT / "benchmarks" / "readme_tables.py")
    tables = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tables)
    bench = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    readme = (ROOT / "README.md").read_text()
    assert tables.update(readme, bench) == readme, "README.md's generated tables are not current: run `make readme`"
    with pytest.raises(ValueError, match="markers"):
        tables.update("no markers here", bench)


def test_a_recording_is_marked_changed_only_by_the_files_it_runs(tmp_path, monkeypatch):
    """``+changes`` follows the task's own source files, not an edit elsewhere in the checkout."""
    git = lambda *args: subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)
    git("init", "-q")
    for name in ("runs.py", "other.py"):
        (tmp_path / name).write_text("x = 1\n")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "start")
    (tmp_path / "other.py").write_text("x = 2\n")
    monkeypatch.setattr(results, "ROOT", tmp_path)
    head = results._commit([tmp_path / "runs.py"])
    assert len(head) == 12 and "+" not in head
    assert results._commit([tmp_path / "other.py"]) == results._commit([tmp_path / "runs.py", tmp_path / "other.py"])
    assert results._commit([tmp_path / "other.py"]) == head + "+changes"
