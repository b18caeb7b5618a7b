"""The deep-network task: every rule at every depth, the one-layer label network being chapter
07's."""

import numpy as np
import pandas as pd
import pytest
import torch

from infomorphic_core.checks import ConfigError
from infomorphic_core.tasks import deep
from infomorphic_core.tasks import trivariate as tv


def small(**changes):
    settings = dict(n_runs=1, epochs=1, n_hidden=10, minibatch=256, depths=(1, 2), source="subset",
                    rules=("infomorphic, label", "backprop, stochastic units", "perceptron, direct feedback alignment"),
                    networks=(), sizes=(), hidden_goal="optimised", ablation=False)
    return deep.Config(**(settings | changes))


def test_the_rules_are_named_and_checked():
    assert len(deep.RULES) == 3 + 1 + 5 and "perceptron, frozen" in deep.RULES
    with pytest.raises(ConfigError, match="rules"):
        small(rules=("infomorphic, sideways",))
    with pytest.raises(ConfigError, match="steps"):
        small(steps=1)


@pytest.mark.slow
def test_every_rule_at_every_depth_and_the_one_layer_label_network_is_chapter_07s(tmp_path):
    config = small()
    result = deep.run(config, cache_dir=tmp_path)
    runs = deep.per_run(result)
    assert runs.run.tolist() == [0] and "perceptron, direct feedback alignment, depth 2" in runs
    tables = deep.record_tables(result)
    assert len(tables["networks"]) == 3 * 2
    # a probe for every hidden layer of every network; atoms only for three-source layers
    assert len(tables["probes"]) == 3 * (1 + 2) and set(tables["probes"].layer) == {1, 2}
    assert set(tables["atoms"].network) == {"infomorphic, label", "backprop, stochastic units"}
    assert len(tables["atoms"]) == 2 * (1 + 2)
    # every layer's mutual information with its three sources, the atoms' sum, is at most H(Y) ≤ 1 bit
    information = tables["atoms"].filter(like="{").sum(axis=1)
    assert ((information > 0) & (information <= 1)).all()
    assert set(result.metrics["depth_gain"]) == set(config.rules)
    assert all(0 <= v <= 1 for rule in result.metrics["test_accuracy"].values() for v in rule.values())
    # the one-layer label network through chapter 07's task: the same history
    chapter = tv.run(tv.Config(n_runs=1, epochs=1, n_hidden=10, minibatch=256, sizes=(), networks=(), source="subset",
                               hidden_goal="optimised", ablation=False), cache_dir=tmp_path)
    mine = result.history[(result.history.network == "infomorphic, label") & (result.history.depth == 1)]
    columns = ["run", "epoch", "train_accuracy", "validation_accuracy", "test_accuracy"]
    pd.testing.assert_frame_equal(mine[columns].reset_index(drop=True), chapter.history[columns])


def test_a_layer_probe_reads_a_code_of_the_label_and_not_noise():
    generator = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 10, (2, 600), generator=generator)
    test_labels = torch.randint(0, 10, (600,), generator=generator)
    code = torch.nn.functional.one_hot(labels, 10).double()
    test_code = torch.nn.functional.one_hot(test_labels, 10).double()[None].expand(2, -1, -1)
    noise = torch.randn(2, 600, 10, generator=generator)
    probes = deep.layer_probes([code, noise], labels, [test_code, torch.randn(2, 600, 10, generator=generator)],
                               test_labels)
    assert probes.layer.tolist() == [1, 1, 2, 2] and probes.run.tolist() == [0, 1, 0, 1]
    accuracy = probes.groupby("layer").probe_accuracy.max()
    assert (probes[probes.layer == 1].probe_accuracy == 1).all() and accuracy[2] < 0.2  # chance 0.1


def test_the_hierarchy_task_is_a_data_set_of_its_grammar():
    config = small(dataset="hierarchy", hierarchy=(4, 4, 4, 2, 3), hierarchy_train=3000)
    data = deep.hierarchy_data(config)
    grammar = config.grammar()
    assert data.x_train.shape == (3000, grammar.input_size) and data.x_test.shape == (10_000, grammar.input_size)
    assert (grammar.classify(data.symbols[0]) == data.y_train).all()
    assert (grammar.classify(data.symbols[1]) == data.y_test).all()
    # the test inputs are the grammar's others: none was trained on, and the classes stay balanced
    assert deep.seen_fraction(data) == 0
    assert abs(np.bincount(data.y_test) / 10_000 - 0.25).max() < 0.03
    # 4 · 4³ = 256 distinct inputs: 3,000 draws leave no test input
    with pytest.raises(ConfigError, match="too few"):
        deep.hierarchy_data(small(dataset="hierarchy", hierarchy=(4, 4, 4, 2, 2), hierarchy_train=3000))
    with pytest.raises(ConfigError, match="n_classes"):
        small(dataset="hierarchy", hierarchy=(12, 12, 2, 2, 2))
    with pytest.raises(ConfigError, match="hierarchy must be"):
        small(dataset="hierarchy", hierarchy=(4, 4, 4))


@pytest.mark.slow
def test_rules_train_on_the_hierarchy_task(tmp_path):
    config = small(dataset="hierarchy", hierarchy=(4, 4, 4, 2, 2), hierarchy_train=200, source="auto",
                   rules=("infomorphic, label", "perceptron, backprop"), epochs=30, minibatch=20)
    result = deep.run(config, cache_dir=tmp_path)  # source "auto" is not resolved: nothing is downloaded
    assert result.metrics["dataset"] == "random hierarchy (4, 4, 4, 2, 2)"
    distinct = len({row.tobytes() for row in deep.hierarchy_data(config).symbols[0]})
    assert result.metrics["grammar_inputs_trained_on"] == distinct / 256 < 1
    last = result.history[result.history.epoch == 30].set_index(["network", "depth"])
    assert (last.loc["perceptron, backprop"].train_accuracy > 0.25 + 0.15).all()  # chance: 4 classes
    accuracy = result.metrics["test_accuracy"]
    assert all(0 <= value <= 1 for rule in accuracy.values() for value in rule.values())
