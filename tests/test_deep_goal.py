"""The upper layers' own goal: configured by name or weights, learnt as autograd's gradients of
each layer's goal, and chapter 10's network when it is the first layer's goal."""

import pandas as pd
import pytest
import torch

from infomorphic_core import sweep, three_source
from infomorphic_core.checks import ConfigError
from infomorphic_core.goals import TRIVARIATE
from infomorphic_core.tasks import deep, deep_goal
from infomorphic_core.tasks import trivariate as tv


def small(**changes):
    settings = dict(n_runs=1, epochs=1, n_hidden=10, minibatch=256, source="subset", networks=(), sizes=(),
                    hidden_goal="optimised", ablation=False, depths=(2,), rules=("infomorphic, label",))
    return deep_goal.Config(**(settings | changes))


def test_the_upper_goal_is_a_name_or_nineteen_weights():
    assert small(upper_goal="hierarchical").upper_goal == tv.hidden_goal("hierarchical").as_tuple()
    assert small().upper_goal == tv.hidden_goal("optimised").as_tuple()  # none: the first layer's
    weights = tuple(float(i) for i in range(len(TRIVARIATE.keys)))
    assert small(upper_goal=weights).upper_goal == weights
    for bad, match in [({"upper_goal": (1.0, 2.0)}, "19 weights"), ({"upper_goal": "context only"}, "upper_goal"),
                       ({"depths": (1,)}, "depths"), ({"depths": (2, 3)}, "one network"),
                       ({"rules": ("perceptron, backprop",)}, "rules")]:
        with pytest.raises(ConfigError, match=match):
            small(**bad)
    # a search sets one weight of a named goal: the name became its weights
    config = sweep.make_config(deep_goal, "quick", {"upper_goal[2]": 0.5})
    expected = list(tv.hidden_goal("hierarchical").as_tuple())  # the profile's first goal
    expected[TRIVARIATE.keys.index("{F}{C}")] = 0.5
    assert TRIVARIATE.keys[2] == "{F}{C}" and config.upper_goal == tuple(expected)


@pytest.mark.parametrize("topdown", ["label", "hierarchical"])
def test_each_layer_gets_autograds_gradient_of_its_own_goal(topdown):
    torch.manual_seed(2)
    x, labels = torch.randn(1, 200, 784), torch.randint(0, 10, (1, 200))
    config = small(upper_goal="heuristic")
    lower, upper = tv.hidden_goal("optimised"), tv.hidden_goal("heuristic")
    net = deep_goal.LayerGoals("optimised", config, 12, upper=(7, 5), topdown=topdown, steps=3,
                               upper_goal=upper)
    with torch.no_grad():
        passes = net.passes(x, tv.one_hot(labels), "step", 0)
    net._learn(passes, tv.one_hot(labels), labels)
    closed = [{name: p.grad.clone() for name, p in layer.named_parameters()} for layer in net.layers]
    for layer in net.layers:
        layer.zero_grad(set_to_none=True)
    loss = 0
    for depth, (layer, p) in enumerate(zip(net.layers, passes)):
        f, c, l = layer.drives(p.x, p.context, p.previous)
        loss = loss - layer.goal(layer.atoms(f, c, l), upper if depth else lower).sum()
    loss.backward()
    for layer, grads in zip(net.layers, closed):
        scale = max(float(p.grad.abs().max()) for p in layer.parameters() if p.grad is not None)
        for name, p in layer.named_parameters():
            expected = torch.zeros_like(grads[name]) if p.grad is None else p.grad
            assert (grads[name] - expected).abs().max() <= 2e-4 * scale, name
    # and not the gradient of the first layer's goal
    first_goal = three_source.closed_form_gradient(net.layers[1], passes[1].x, passes[1].context,
                                                      passes[1].previous, lower)
    assert not torch.allclose(first_goal["w_feedforward"], closed[1]["w_feedforward"])


@pytest.mark.slow
def test_with_the_first_layers_goal_above_it_is_chapter_10s_network(tmp_path):
    mine = deep_goal.run(small(), cache_dir=tmp_path)
    chapter = deep.run(deep.Config(**{k: v for k, v in vars(small()).items() if k not in ("upper_goal", "profile")}),
                       cache_dir=tmp_path)
    columns = ["run", "epoch", "train_accuracy", "validation_accuracy", "test_accuracy"]
    pd.testing.assert_frame_equal(mine.history[columns].reset_index(drop=True),
                                  chapter.history[columns].reset_index(drop=True))
    assert mine.metrics["test_accuracy_median"] == chapter.metrics["test_accuracy"]["infomorphic, label"]["2"]
    assert set(deep_goal.per_run(mine)) >= {"run", "validation_accuracy"}
