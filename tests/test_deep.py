"""The deep-network task: every rule at every depth, the one-layer label network being chapter
07's."""

import pandas as pd
import pytest

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
    assert len(deep.record_tables(result)["networks"]) == 3 * 2
    assert set(result.metrics["depth_gain"]) == set(config.rules)
    assert all(0 <= v <= 1 for rule in result.metrics["test_accuracy"].values() for v in rule.values())
    # the one-layer label network through chapter 07's task: the same history
    chapter = tv.run(tv.Config(n_runs=1, epochs=1, n_hidden=10, minibatch=256, sizes=(), networks=(), source="subset",
                               hidden_goal="optimised", ablation=False), cache_dir=tmp_path)
    mine = result.history[(result.history.network == "infomorphic, label") & (result.history.depth == 1)]
    columns = ["run", "epoch", "train_accuracy", "validation_accuracy", "test_accuracy"]
    pd.testing.assert_frame_equal(mine[columns].reset_index(drop=True), chapter.history[columns])
