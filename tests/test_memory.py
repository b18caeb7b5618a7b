import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from infomorphic_core import hopfield
from infomorphic_core.tasks import memory

KEYS = {"capacity_alpha0", "hopfield_capacity_alpha0", "storkey_capacity_alpha0", "capacity_by_alpha",
        "hopfield_capacity_by_alpha", "storkey_capacity_by_alpha", "n_runs", "capacity_alpha0_ci",
        "pseudoinverse_capacity_alpha0", "perceptron_capacity_alpha0", "perceptron_rule",
        "deterministic_capacity_alpha0", "capacity_per_neuron_alpha0"}


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


@pytest.mark.slow
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


@pytest.mark.slow
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
    with pytest.raises(ValueError, match="networks"):
        memory.Config(networks=("Hopfield",))
    with pytest.raises(ValueError, match="max_patterns"):
        memory.Config(pattern_counts=(10, 50), max_patterns=40)
    with pytest.raises(ValueError, match="w_receptive_test"):
        memory.Config(w_receptive_test=0)
    assert memory.learns_receptive(memory.Config(protocol="sampled")) is True
    assert memory.learns_receptive(memory.Config(protocol="first_clean")) is True
    # the default follows the protocol of the config, also one made by replace()
    teacher = memory.Config()
    assert memory.learns_receptive(teacher) is False
    assert memory.learns_receptive(teacher.replace(protocol="sampled")) is True
    assert memory.learns_receptive(teacher.replace(protocol="sampled", learn_receptive=False)) is False


def minover_by_loops(xi, iterations):
    """Krauth–Mézard minover written out neuron by neuron (second implementation): every
    iteration recomputes each neuron's stabilities from its weights."""
    m, n = xi.shape
    w = torch.zeros(n, n, dtype=torch.float64)
    for _ in range(iterations):
        for i in range(n):
            stab = [xi[mu, i] * sum(w[i, j] * xi[mu, j] for j in range(n) if j != i) for mu in range(m)]
            worst = min(range(m), key=lambda mu: (stab[mu], mu))
            for j in range(n):
                if j != i:
                    w[i, j] += xi[worst, i] * xi[worst, j] / n
    return w


def test_krauth_mezard_matches_elementwise_definition():
    xi = patterns(2, 5, 8)
    w = hopfield.krauth_mezard(xi, 6)
    for run in range(2):
        torch.testing.assert_close(w[run], minover_by_loops(xi[run], 6))


def test_krauth_mezard_stores_patterns_beyond_hebbian_limit():
    xi = patterns(2, 60, 100)  # 0.6 patterns per neuron: far beyond Hebb, below the Gardner bound
    w = hopfield.krauth_mezard(xi, 2000)
    assert hopfield.stabilities(w, xi).amin() > 0  # every pattern is a fixed point
    assert torch.equal(hopfield.recall(w, xi, steps=3), xi)
    assert not torch.equal(hopfield.recall(hopfield.hebbian(xi), xi, steps=3), xi)


def test_pseudoinverse_is_the_projector_with_zero_diagonal():
    xi = patterns(2, 30, 50)
    w = hopfield.pseudoinverse(xi)
    closed = xi.transpose(-1, -2) @ torch.linalg.inv(xi @ xi.transpose(-1, -2)) @ xi
    torch.testing.assert_close(w, closed - torch.diag_embed(torch.diagonal(closed, dim1=-2, dim2=-1)))
    # the field on a stored pattern is (1 − P_ii) ξ_i, so every pattern is a fixed point
    field = xi @ w.transpose(-1, -2)
    torch.testing.assert_close(field, xi * (1 - torch.diagonal(closed, dim1=-2, dim2=-1))[:, None, :])
    assert torch.equal(hopfield.recall(w, xi, steps=2), xi)


def fake_network(edge, low_fail=()):
    """Per-run accuracies of a network that passes up to ``edge`` patterns, fails above and at
    ``low_fail``; records every count it is asked for."""
    asked = []

    def evaluate(m):
        asked.append(m)
        passing = m <= edge and m not in low_fail
        return {0.0: np.full(3, 0.99 if passing else 0.5), 0.2: np.full(3, 0.99 if m <= edge // 2 else 0.5)}
    return evaluate, asked


def test_capacity_search_bisects_to_one_pattern():
    evaluate, asked = fake_network(37, low_fail=(5,))
    caps, measured, stage = memory.search_capacity(evaluate, (5, 10, 20, 30, 40, 50), (0.0, 0.2), 0.95, 200)
    assert caps == {0.0: 37, 0.2: 18}
    assert len(asked) == len(set(asked)) and len(asked) < 6 + 2 * 4  # each count once, bisection not a scan
    assert {stage[m] for m in (38, 37)} == {"bisection"}
    evaluate, asked = fake_network(37, low_fail=(5,))
    caps, _, stage = memory.search_capacity(evaluate, (5, 10, 20, 30, 40), (0.0,), 0.95, 200, refine=False)
    assert caps == {0.0: 30} and asked == [5, 10, 20, 30, 40] and set(stage.values()) == {"grid"}


def test_capacity_search_extends_past_the_grid_up_to_the_limit():
    evaluate, asked = fake_network(75)
    caps, _, stage = memory.search_capacity(evaluate, (10, 20, 30), (0.0,), 0.95, 100)
    assert caps == {0.0: 75} and "extension" in stage.values()
    evaluate, _ = fake_network(1000)
    assert memory.search_capacity(evaluate, (10, 20), (0.0,), 0.95, 64)[0] == {0.0: 64}


def test_bootstrap_interval_brackets_the_capacity():
    generator = torch.Generator().manual_seed(0)
    same = {10: [0.99] * 5, 11: [0.5] * 5}
    assert memory.bootstrap_interval(same, 0.95, 200, generator) == (10, 10)
    mixed = {10: [0.99] * 5, 11: [0.99, 0.99, 0.99, 0.99, 0.7], 12: [0.5] * 5}  # mean 0.938 at 11
    low, high = memory.bootstrap_interval(mixed, 0.95, 500, generator)
    assert (low, high) == (10, 11)


def test_patterns_are_nested():
    config = memory.Config(n_runs=2)
    assert torch.equal(memory.random_patterns(config, 7), memory.random_patterns(config, 23)[:, :7])


def trained_free_layer(config, weights):
    layer = memory.make_layer(config)
    with torch.no_grad():
        layer.w_context.copy_(weights)
    return layer


def test_deterministic_recall_is_sign_dynamics_of_the_context_weights():
    """With r = 0 the 8-norm passes c through, so the deterministic readout is the Hopfield
    network of W_C (second implementation: hopfield.recall); at presentation the cue is the
    context and the recurrent field dwarfs the receptive drive, one more step."""
    config = memory.Config(n_runs=2, n_neurons=30, test_steps=5)
    xi = memory.random_patterns(config, 6)
    w = 100 * hopfield.hebbian(xi)
    layer = trained_free_layer(config, w)
    cues = memory.corrupt(xi, 0.3, config, "t")
    ours = memory.infomorphic_recall(layer, xi, cues, config, "t", deterministic=True)
    theirs = (hopfield.recall(w, cues, config.test_steps + 1) * xi).mean(-1)
    torch.testing.assert_close(ours, theirs)
    # the previous state as context, with a receptive weight at presentation that overrules it:
    # the presentation step copies the cue, and 5 recurrent steps follow
    previous = config.replace(test_context="previous", w_receptive_test=1e4)
    ours = memory.infomorphic_recall(layer, xi, cues, previous, "t", deterministic=True)
    torch.testing.assert_close(ours, (hopfield.recall(w, cues, config.test_steps) * xi).mean(-1))


@pytest.mark.parametrize("protocol", ["first_clean", "skip_first", "sampled"])
def test_recurrent_protocols_record_their_contexts(protocol):
    config = memory.Config(n_runs=2, n_neurons=12, protocol=protocol, hold=3)
    xi = memory.random_patterns(config, 4)
    layer = memory.make_layer(config)
    stream = memory.Sampled(xi, config, layer)
    x, x_c = stream.batch(layer, 0)
    steps = 4 * (2 if protocol == "skip_first" else 3)
    assert x.shape == x_c.shape == (2, steps, 12)
    first = x[:, ::3], x_c[:, ::3]
    if protocol == "first_clean":
        assert torch.equal(*first)  # the clean pattern is the context of each first step
    if protocol != "first_clean":  # otherwise every context is a sampled output
        layer_outputs = x_c[:, 1:]
        assert layer_outputs.abs().eq(1).all()
    assert memory.learns_receptive(config)
