import numpy as np
import pytest
import torch

from infomorphic_core import correlation
from infomorphic_core.tasks import correlation as task
from infomorphic_core.tasks import redundancy_memory as rm
from infomorphic_core.tasks.common import ConfigError


def small(**changes):
    return task.Config(**({"n_runs": 2, "n_neurons": 20, "max_epochs": 300, "scan_step": 0.1} | changes))


def test_every_measure_starts_from_the_weights_of_chapter_06s_network():
    config = small()
    layer = rm.make_layer(config, [0, 1])
    assert torch.equal(task._initial(config, [0, 1]).to(layer.w_context.dtype), layer.w_context.detach())


def test_drives_are_the_teacher_forced_fields_of_each_neuron():
    config = small()
    stored = rm.patterns(config, 5)
    w = task._initial(config, [0, 1]) * 100
    y, x_t, x_r = task.drives(config, w, stored)
    i, mu = 3, 4
    field = sum(float(w[1, i, j]) * float(stored[1, mu, j]) for j in range(config.n_neurons))
    assert float(x_r[1, i, mu]) == pytest.approx(field, abs=1e-12)
    assert float(x_t[1, i, mu]) == config.w_external * float(stored[1, mu, i])
    assert float(y[1, i, mu]) == pytest.approx(2 / (1 + np.exp(-(field + float(x_t[1, i, mu])))) - 1, abs=1e-12)


def test_training_ascends_the_goal_and_keeps_the_weights_of_the_first_passing_checkpoint():
    config = small()
    stored = rm.patterns(config, 3)
    seeds = np.arange(2)
    weights, epochs = task.train_correlation(config, "coherence", stored, seeds)
    gamma = (0.0, 0.0, 1.0, 0.0, 0.0)

    def goal(w):
        return correlation.goal("coherence", gamma, *task.drives(config, w.double(), stored)).sum(-1)

    assert (goal(weights) > goal(task._initial(config, seeds)) + 0.1).all()
    overlap = (rm.settle(weights, stored, config.max_iterations) * stored).mean((-1, -2))
    stopped = torch.as_tensor(epochs < config.max_epochs)
    assert stopped.any()  # a run that could disagree
    assert (overlap[stopped] >= config.threshold).all()  # a run stops only once it passes
    assert set(epochs) <= set(config.checkpoints())
    assert (weights.diagonal(dim1=-2, dim2=-1) == 0).all()  # no self-connections


def test_the_gaussian_information_of_a_binary_output_is_not_bounded_by_one_bit():
    # y = 2σ(kξ) − 1 is a multiple of the ±1 bit ξ: ρ = 1, so the Gaussian I(Y:T) grows without
    # bound, while the output's entropy H(Y) ≤ 1 bit: the measure's defect on binary neurons
    xi = torch.tensor([1.0, -1.0] * 50, dtype=torch.float64)
    noise = torch.linspace(-1, 1, 100, dtype=torch.float64)
    informations = [float(correlation.gaussian_informations(2 * torch.sigmoid(k * xi + noise) - 1, xi, noise)[0])
                    for k in (1.0, 5.0, 20.0)]
    assert informations[0] < informations[1] < informations[2]
    assert informations[2] > 5.0


def test_a_goal_weight_on_an_atom_the_measure_does_not_define_is_a_config_error():
    with pytest.raises(ConfigError, match="no res atom"):
        small(gamma=(0.0, 0.0, 1.0, 0.0, 0.2))
    with pytest.raises(ConfigError, match="no syn atom"):
        small(gamma=(0.0, 0.0, 1.0, 0.3, 0.0), measures=("coherence",))
    small(gamma=(0.0, 0.0, 1.0, 0.3, 0.0), measures=("sx", "gauss"))  # both define a synergy
    with pytest.raises(ConfigError, match="measures"):
        small(measures=("pearson",))


def test_a_run_scans_each_measure_and_rule_under_the_same_test(tmp_path):
    config = small(measures=("sx", "coherence"), networks=("Hebbian",))
    result = task.run(config, cache_dir=tmp_path)
    table = task.per_run(result)
    assert list(table.columns) == ["seed", "Hebbian", "coherence", "sx"]
    assert len(table) == config.n_runs
    # every capacity is one of the scan's pattern counts (or 0), in patterns per neuron
    counts = {0.0} | {m / config.n_neurons for m in config.pattern_counts()} | {
        m / config.n_neurons for m in config.pattern_counts(config.scan_step)}
    assert set(table[["Hebbian", "coherence", "sx"]].to_numpy().ravel()) <= counts
    assert result.metrics["alpha_c_by_measure"]["sx"] == pytest.approx(table.sx.mean())
    diagnostics = result.diagnostics
    assert set(diagnostics.measure) == {"sx", "coherence"}
    assert (diagnostics.H_Y_bits <= 1 + 1e-12).all()
    assert diagnostics.fields_aligned.between(0, 1).all()
    # the cached result is the same
    assert task.per_run(task.run(config, cache_dir=tmp_path)).equals(table)
