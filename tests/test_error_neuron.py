import json
import subprocess
import sys

import pytest
import torch

from infomorphic_core.activations import get_activation
from infomorphic_core.tasks import error_neuron

KEYS = {"red_mean", "syn_mean", "unq_R_mean", "unq_C_mean", "mismatch_accuracy", "n_runs"}


def test_product_activation_can_flip_the_decision():
    a = get_activation("product")
    r, c = torch.tensor([1.0, 1.0, -1.0]), torch.tensor([0.0, -3.0, -3.0])
    assert a(r, c).tolist() == [1.0, -2.0, 2.0]


def test_samples_have_the_stated_statistics():
    config = error_neuron.Config(n_runs=2, epsilon=0.2, p_observation=0.7)
    o, p, wrong = error_neuron.samples(config, 50000, "check")
    assert abs((o > 0).float().mean().item() - 0.7) < 0.01
    assert abs(wrong.mean().item() - 0.2) < 0.01
    torch.testing.assert_close(o != p, wrong > 0)


def test_error_neuron_learns_the_mismatch_signature(tmp_path):
    result = error_neuron.run(error_neuron.Config(n_runs=4, n_updates=300), cache_dir=tmp_path)
    m = result.metrics
    assert KEYS <= set(m)
    assert m["syn_mean"] > m["syn_start_mean"] + 0.1
    assert m["unq_R_mean"] > m["unq_R_start_mean"] + 0.1
    assert m["unq_C_mean"] > m["unq_C_start_mean"] + 0.1
    assert m["red_mean"] < m["red_start_mean"] - 0.1
    assert m["mismatch_balanced_accuracy"] > 0.95
    # per-run rows (the sweep table): the history's last evaluation is the trained state
    runs = error_neuron.per_run(result)
    assert list(runs.run) == [0, 1, 2, 3]
    for key in ("mismatch_accuracy", "mismatch_balanced_accuracy", "syn_mean"):
        assert runs[key.removesuffix("_mean")].mean() == pytest.approx(m[key], abs=1e-6)


def test_paper_activation_cannot_report_a_mismatch(tmp_path):
    result = error_neuron.run(error_neuron.Config(n_runs=4, n_updates=300, activation="sigmoid_gain"),
                              cache_dir=tmp_path)
    # sign(A) = sign(r): θ > ½ is decided by o alone, whatever p
    theta = torch.as_tensor(result.theta)
    assert torch.equal(theta[:, 0] > 0.5, theta[:, 1] > 0.5)
    assert torch.equal(theta[:, 2] > 0.5, theta[:, 3] > 0.5)
    assert result.metrics["mismatch_balanced_accuracy"] < 0.6


@pytest.mark.slow
def test_cli_run_error_neuron(tmp_path):
    done = subprocess.run([sys.executable, "-m", "infomorphic_core.cli", "run", "error_neuron",
                           "--set", "n_runs=2", "--set", "n_updates=50", "--out", str(tmp_path / "o"),
                           "--no-cache"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert KEYS <= set(json.loads((tmp_path / "o" / "metrics.json").read_text()))


def test_config_validation():
    with pytest.raises(ValueError, match="epsilon"):
        error_neuron.Config(epsilon=0.0)
    with pytest.raises(ValueError, match="gamma"):
        error_neuron.Config(gamma=(1, 2))
