import json
import subprocess
import sys

import pytest
import torch

from infomorphic_core import hopfield
from infomorphic_core.tasks import memory

KEYS = {"capacity_alpha0", "hopfield_capacity_alpha0", "storkey_capacity_alpha0", "capacity_by_alpha",
        "hopfield_capacity_by_alpha", "storkey_capacity_by_alpha", "n_runs"}


def patterns(runs, m, n, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.where(torch.rand(runs, m, n, generator=g) < 0.5, 1.0, -1.0).double()


def storkey_by_loops(xi):
    """Storkey's rule written out element by element (second implementation)."""
    m, n = xi.shape
    w = torch.zeros(n, n, dtype=torch.float64)
    for mu in range(m):
        x = xi[mu]
        h = torch.zeros(n, n, dtype=torch.float64)
        for i in range(n):
            for j in range(n):
                h[i, j] = sum(w[i, k] * x[k] for k in range(n) if k != i and k != j)
        new = w.clone()
        for i in range(n):
            for j in range(n):
                if i != j:
                    new[i, j] = w[i, j] + (x[i] * x[j] - x[i] * h[j, i] - h[i, j] * x[j]) / n
        w = new
    return w


def test_storkey_matches_elementwise_definition():
    xi = patterns(1, 4, 7)
    torch.testing.assert_close(hopfield.storkey(xi)[0], storkey_by_loops(xi[0]))


def test_hebbian_weights_and_fixed_points():
    xi = patterns(2, 3, 100)
    w = hopfield.hebbian(xi)
    assert torch.all(torch.diagonal(w, dim1=-2, dim2=-1) == 0)
    torch.testing.assert_close(w, w.transpose(-1, -2))
    for mode in ("synchronous", "asynchronous"):
        out = hopfield.recall(w, xi, steps=3, mode=mode, generator=torch.Generator().manual_seed(0))
        assert torch.equal(out, xi)  # 3 patterns in 100 neurons are fixed points


def test_storkey_beats_hebbian_at_moderate_load():
    xi = patterns(3, 25, 100)
    hebb = (hopfield.recall(hopfield.hebbian(xi), xi) * xi).mean(-1).mean()
    stork = (hopfield.recall(hopfield.storkey(xi), xi) * xi).mean(-1).mean()
    assert stork > 0.99 and hebb < stork


def test_corruption_statistics():
    config = memory.Config(n_runs=2)
    xi = memory.random_patterns(config, 50)
    assert torch.equal(memory.corrupt(xi, 0.0, config, "t"), xi)
    changed = (memory.corrupt(xi, 1.0, config, "t") != xi).float().mean().item()
    assert abs(changed - 0.5) < 0.03  # set at random: half of the chosen elements flip


def test_capacity_definition():
    assert memory.capacity({5: 0.7, 10: 0.96, 20: 0.97, 30: 0.5}, 0.95) == 20
    assert memory.capacity({5: 0.5}, 0.95) == 0


def test_short_run_stores_patterns(tmp_path):
    config = memory.Config(n_runs=2, pattern_counts=(10, 20), alphas=(0.0, 0.2), n_updates=60,
                           history_patterns=(20,))
    result = memory.run(config, cache_dir=tmp_path)
    m = result.metrics
    assert KEYS <= set(m) and m["n_runs"] == 2
    assert set(m["capacity_by_alpha"]) == {"0.0", "0.2"}
    acc = result.accuracy.groupby(["network", "patterns", "alpha"]).accuracy.mean()
    assert acc["infomorphic", 20, 0.0] > 0.9
    final = result.history[result.history.step == 60].groupby("quantity").value.mean()
    assert final["red"] > 0.8  # redundancy is the atom that carries the memory


def test_cli_run_memory(tmp_path):
    done = subprocess.run([sys.executable, "-m", "infomorphic_core.cli", "run", "memory",
                           "--set", "n_runs=1", "--set", "pattern_counts=(10,)", "--set", "alphas=(0.0,)",
                           "--set", "n_updates=20", "--set", "history_patterns=()",
                           "--out", str(tmp_path / "o"), "--no-cache"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert KEYS <= set(json.loads((tmp_path / "o" / "metrics.json").read_text()))


def test_config_validation():
    with pytest.raises(ValueError, match="protocol"):
        memory.Config(protocol="online")
    with pytest.raises(ValueError, match="alphas"):
        memory.Config(alphas=(1.5,))
    assert memory.learns_receptive(memory.Config(protocol="sampled")) is True
    # the default follows the protocol of the config, also one made by replace()
    teacher = memory.Config()
    assert memory.learns_receptive(teacher) is False
    assert memory.learns_receptive(teacher.replace(protocol="sampled")) is True
    assert memory.learns_receptive(teacher.replace(protocol="sampled", learn_receptive=False)) is False
