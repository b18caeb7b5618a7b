import json
import subprocess
import sys

import pandas as pd
import pytest
import torch

from infomorphic_core.goals import ATOM_KEYS
from infomorphic_core.tasks import supervised

KEYS = {"accuracy_mean", "accuracy_std", "logreg_accuracy", "accuracy_ratio", "entropy_Y_mean",
        "n_runs", "dataset"}


def test_profiles_and_validation():
    assert supervised.Config(profile="quick").n_runs == 10
    assert supervised.Config(profile="paper").n_runs == 100
    assert supervised.Config(profile="paper").source == "auto"
    with pytest.raises(ValueError, match="profile"):
        supervised.Config(profile="huge")
    with pytest.raises(ValueError, match="minibatch"):
        supervised.Config(minibatch=0)
    with pytest.raises(ValueError, match="learning_rate"):
        supervised.Config(learning_rate=-1.0)
    with pytest.raises(ValueError, match="n_bins"):
        supervised.Config(n_bins_context=1)


def test_test_time_readout_ignores_context():
    layer = supervised.InfomorphicLayer(supervised.Config(n_runs=2).layer_config())
    with torch.no_grad():
        layer.w_context.fill_(3.0)
        layer.apply_mask()
    x = torch.rand(5, 784)
    flip = torch.zeros(2, 10, dtype=torch.bool)
    r, _ = layer.aggregates(x, torch.zeros(5, 10))
    torch.testing.assert_close(supervised.readout_theta(layer, x, flip), torch.sigmoid(r))
    flip[1, 3] = True
    theta = supervised.readout_theta(layer, x, flip)
    torch.testing.assert_close(theta[1, :, 3], 1 - torch.sigmoid(r[1, :, 3]))


@pytest.mark.slow
def test_short_run_learns_and_reports(tmp_path):
    result = supervised.run(supervised.Config(n_runs=2, epochs=2), cache_dir=tmp_path)
    m = result.metrics
    assert KEYS <= set(m)
    assert m["dataset"] == "mnist-subset-5k" and m["n_runs"] == 2
    assert 0.75 < m["accuracy_mean"] <= 1 and 0.85 < m["logreg_accuracy"] < 0.95
    assert m["accuracy_ratio"] == pytest.approx(m["accuracy_mean"] / m["logreg_accuracy"])
    atoms = {key: m[f"{key}_mean"] for key in ATOM_KEYS}
    assert atoms["red"] == max(atoms.values())  # redundancy dominates already
    assert set(result.history.columns) >= {"run", "step", "neuron", "quantity", "value"}
    assert result.confusion.sum() == 2 * 1000
    # the sweep table's rows: per-run numbers that the metrics summarise
    runs = supervised.per_run(result)
    assert list(runs.run) == [0, 1]
    assert runs.accuracy.mean() == pytest.approx(m["accuracy_mean"], abs=1e-12)
    assert runs.failed.sum() == m["n_failed_runs"]
    assert runs.red_mean.mean() == pytest.approx(m["red_mean"], abs=1e-9)
    # the confusion matrix counts each run's correct predictions
    assert result.confusion.trace() == round(runs.accuracy.sum() * 1000)


@pytest.mark.slow
def test_cli_run_writes_metrics_and_history(tmp_path):
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "infomorphic_core.cli", "run", "supervised",
                           "--set", "n_runs=2", "--set", "epochs=1", "--out", str(out),
                           "--cache-dir", str(tmp_path / "cache")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert KEYS <= set(metrics) and metrics["n_runs"] == 2
    assert (out / "history.csv").read_text().startswith("run,step,neuron,quantity,value")
    bad = subprocess.run([sys.executable, "-m", "infomorphic_core.cli", "run", "supervised",
                          "--set", "epoch=1", "--out", str(out)], capture_output=True, text=True)
    assert bad.returncode == 2 and "epochs" in bad.stderr


@pytest.mark.slow
def test_training_survives_a_failure_before_the_result_is_cached(tmp_path, monkeypatch, capfd):
    """A run that dies after training (here in the logistic-regression baseline) keeps its
    checkpoint: the same run again resumes after the last update instead of training again,
    gives the uninterrupted result, and removes the checkpoint once the result is cached."""
    config = supervised.Config(n_runs=2, epochs=1)

    def killed(data):
        raise KeyboardInterrupt

    monkeypatch.setattr(supervised, "logistic_regression_accuracy", killed)
    with pytest.raises(KeyboardInterrupt):
        supervised.run(config, cache_dir=tmp_path)
    assert list((tmp_path / "checkpoints").glob("*.pt"))
    monkeypatch.undo()
    capfd.readouterr()
    resumed = supervised.run(config, cache_dir=tmp_path)
    resumed_at = capfd.readouterr().err
    assert "resuming from update" in resumed_at
    done, total = resumed_at.split("resuming from update ")[1].split(" (")[0].split(" of ")
    assert done == total  # nothing trained again
    assert not list((tmp_path / "checkpoints").glob("*.pt"))
    reference = supervised.run(config, use_cache=False)
    pd.testing.assert_frame_equal(resumed.history, reference.history)
    assert resumed.metrics["accuracy_mean"] == reference.metrics["accuracy_mean"]
