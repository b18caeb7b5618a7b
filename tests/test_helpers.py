"""Science helpers that moved out of the chapters, the tidy atom frame, the config path and the
figure helpers."""

import dataclasses
import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
import torch

from infomorphic_core.checks import ConfigError
from infomorphic_core.goals import ATOM_KEYS, BIVARIATE
from infomorphic_core.pid import sx_pid
from infomorphic_core.tasks import bars, error_neuron, memory, supervised
from infomorphic_core.tasks.common import atom_frame, atom_means


def copy_neuron_with_independent_context(q):
    """p(r, c, y): R a fair bit, Y = R, C independent with P(C = c) = q[c]."""
    q = torch.tensor(q, dtype=torch.float64)
    p = torch.zeros(2, len(q), 2, dtype=torch.float64)
    for r in range(2):
        p[r, :, r] = 0.5 * q
    return p


@pytest.mark.parametrize("q", [[0.5, 0.5], [0.25] * 4, [0.7, 0.3], [0.1, 0.2, 0.3, 0.4], [1.0]])
def test_red_independent_context_matches_sx_pid(q):
    atoms = sx_pid(copy_neuron_with_independent_context(q))
    assert bars.red_independent_context(q) == pytest.approx(float(atoms.red), abs=1e-12)
    assert 1 - bars.red_independent_context(q) == pytest.approx(float(atoms.unq_R), abs=1e-12)


def test_red_independent_context_closed_form_for_uniform_bins():
    for n in (1, 2, 8, 20):
        assert bars.red_independent_context(np.ones(n)) == pytest.approx(math.log2(2 * n / (n + 1)), abs=1e-14)


def test_context_share_for_unique_inverts_the_formula():
    for target in (0.6, 0.77, 0.95):
        q = bars.context_share_for_unique(target)
        assert 0.5 <= q <= 1
        assert 1 - bars.red_independent_context([q, 1 - q]) == pytest.approx(target, abs=1e-12)
    with pytest.raises(ValueError, match="unq_r"):
        bars.context_share_for_unique(0.3)


@pytest.mark.parametrize("theta, name", [
    ((0.1, 0.9, 0.9, 0.1), "o ≠ p (mismatch)"),
    ((0.9, 0.1, 0.1, 0.9), "o ≠ p (mismatch)"),  # flipped output, same function
    ((0.9, 0.9, 0.1, 0.1), "follows o"),
    ((0.2, 0.8, 0.2, 0.8), "follows p"),
    ((0.3, 0.3, 0.3, 0.3), "constant"),
    ((0.1, 0.1, 0.1, 0.9), "one corner (AND-like)"),
])
def test_boolean_function(theta, name):
    assert error_neuron.boolean_function(theta) == name


def test_boolean_function_needs_four_entries():
    with pytest.raises(ValueError, match="4"):
        error_neuron.boolean_function((0.1, 0.9))


def test_atom_frame_is_tidy_and_keyed_by_the_vocabulary():
    atoms = np.arange(2 * 3 * 5, dtype=float).reshape(2, 3, 5)
    frame = atom_frame(atoms, bar=np.array([[4, 5, 6], [7, 8, 9]]))
    assert list(frame.columns) == ["run", "neuron", "bar", *ATOM_KEYS]
    assert frame.loc[(frame.run == 1) & (frame.neuron == 2), "red"].item() == atoms[1, 2, 2]
    assert frame.loc[(frame.run == 1) & (frame.neuron == 0), "bar"].item() == 7
    means = atom_means(atoms)
    assert list(means) == [f"{key}_mean" for key in ATOM_KEYS]
    assert means["syn_mean"] == atoms[..., 3].mean()


@pytest.mark.parametrize("module", [supervised, bars, memory, error_neuron])
def test_configs_are_frozen_and_profiles_resolve_in_one_place(module):
    config = module.Config.from_profile("paper", n_runs=None)
    assert config.profile == "paper" and config.n_runs == module.PROFILES["paper"]["n_runs"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.n_runs = 1
    smaller = config.replace(n_runs=2)
    assert smaller.profile == "custom" and smaller.n_runs == 2 and config.n_runs != 2
    assert config.replace(n_runs=module.PROFILES["paper"]["n_runs"]).profile == "paper"
    with pytest.raises(ConfigError):
        module.Config.from_profile("quick", learning_rate=-1.0)
    assert config.train_config().learning_rate == config.learning_rate


def test_gamma_by_name_for_every_task():
    assert error_neuron.Config(gamma="only red").gamma == (0.0, 0.0, 1.0, 0.0, 0.0)
    assert bars.Config(gamma="supervised").gamma == (0.1, 0.1, 1.0, 0.1, 0.0)
    assert memory.Config().gamma == supervised.Config().gamma == (0.1, 0.1, 1.0, 0.1, 0.0)
    with pytest.raises(ValueError, match="only <atom>"):
        memory.Config(gamma="nope")


def test_history_bands_plots_one_labelled_band_per_quantity():
    import matplotlib.pyplot as plt

    from infomorphic_core.plots import ATOM_COLORS, band, history_bands

    rows = [{"run": run, "step": step, "neuron": k, "quantity": key, "value": run + step + k}
            for run in range(3) for step in (0, 1) for k in range(2) for key in ATOM_KEYS]
    fig, ax = plt.subplots()
    history_bands(ax, pd.DataFrame(rows))
    assert [line.get_label() for line in ax.lines] == list(BIVARIATE.labels)
    # mean over runs of the per-run neuron means: runs 0..2 give 0.5 + step .. 2.5 + step
    assert ax.lines[0].get_ydata().tolist() == [1.5, 2.5]
    assert ax.lines[2].get_color() == ATOM_COLORS["red"]
    with pytest.raises(ValueError, match="spread"):
        band(ax, pd.DataFrame(rows), "step", spread="sd")
    plt.close(fig)


def test_layer_step_is_sampling_from_theta():
    from infomorphic_core.estimate import Binning
    from infomorphic_core.layer import InfomorphicLayer, LayerConfig

    layer = InfomorphicLayer(LayerConfig(n_neurons=4, n_receptive=3, n_context=4, n_runs=2, init_std_receptive=1.0,
                                         init_std_context=1.0, recurrent_context=True, binning_receptive=Binning(4),
                                         binning_context=Binning(4)))
    x = torch.randn(2, 5, 3)
    y = torch.where(torch.randn(2, 5, 4) > 0, 1.0, -1.0)
    u = torch.rand(2, 5, 4)
    with torch.no_grad():
        assert torch.equal(layer.step(layer.receptive_drive(x), y, u), layer.sample(layer.theta(x, y), u))
        # simulate is a loop of steps, each step's context being the previous output
        contexts, outputs = layer.simulate(x, y[:, 0], u)
        assert torch.equal(contexts[:, 1:], outputs[:, :-1]) and torch.equal(contexts[:, 0], y[:, 0])
        for t in range(5):
            step = layer.step(layer.receptive_drive(x[:, t:t + 1]), contexts[:, t:t + 1], u[:, t:t + 1])
            assert torch.equal(step[:, 0], outputs[:, t])


def test_provenance_log_names_the_profile_that_ran(tmp_path, monkeypatch):
    import json

    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("INFOMORPHIC_PROVENANCE_LOG", str(log))
    config = error_neuron.Config(n_runs=2, n_updates=5, eval_samples=200)
    error_neuron.run(config, cache_dir=tmp_path / "cache")
    error_neuron.run(config, cache_dir=tmp_path / "cache")
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(l["source"], l["profile"]) for l in lines] == [("computed", "custom"), ("cache", "custom")]


SMALL = {
    supervised: dict(n_runs=1, epochs=1, source="subset"),
    bars: dict(n_runs=1, n_updates=2, eval_every=1, steps_per_minibatch=64, eval_steps=64),
    memory: dict(n_runs=1, n_neurons=20, n_updates=5, pattern_counts=(3, 5), alphas=(0.0, 0.2),
                 history_patterns=(3,)),
    error_neuron: dict(n_runs=2, n_updates=5, eval_samples=200),
}
# metrics that are not scalars, each documented in its task's run()
STRUCTURED = {f"{prefix}capacity_by_alpha" for prefix in memory.NETWORKS.values()}
INTERVALS = {f"{prefix}capacity_alpha0_ci" for prefix in memory.NETWORKS.values()}


@pytest.mark.parametrize("module", SMALL, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_every_result_keeps_the_contract(module, tmp_path):
    """metrics are flat scalars (or the documented structured ones), the history is tidy, and
    final atoms, where a task has them, are a tidy frame keyed by the vocabulary."""
    result = module.run(module.Config(**SMALL[module]), cache_dir=tmp_path)
    for key, value in result.metrics.items():
        if key in STRUCTURED:
            assert isinstance(value, dict), key
        elif key in INTERVALS:
            assert value is None or (isinstance(value, list) and len(value) == 2 and value[0] <= value[1])
        else:
            assert value is None or isinstance(value, (bool, int, float, str)), (key, value)
    assert list(result.history.columns[:5]) == ["run", "step", "neuron", "quantity", "value"]
    atom_quantities = {q for q in result.history.quantity.unique() if q in ATOM_KEYS}
    assert atom_quantities == set(ATOM_KEYS)
    if hasattr(result, "final_atoms"):
        assert list(result.final_atoms.columns[-5:]) == list(ATOM_KEYS)
        assert list(result.final_atoms.columns[:2]) == ["run", "neuron"]
        if module is not memory:
            assert {f"{key}_mean" for key in ATOM_KEYS} <= set(result.metrics)
    assert result.provenance["source"] == "computed"
