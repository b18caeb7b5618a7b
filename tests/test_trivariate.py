"""Three-source neurons (Schneider et al., ICLR 2025): the activation, the layer, and the MNIST
task with its baselines."""

import pandas as pd
import pytest
import torch

from infomorphic_core.activations import sigmoid_gain, three_source
from infomorphic_core.checks import ConfigError
from infomorphic_core.data import load_mnist
from infomorphic_core.estimate import Binning
from infomorphic_core.goals import TRIVARIATE, Goal, lattice_vocabulary
from infomorphic_core.three_source import ThreeSourceConfig, ThreeSourceLayer
from infomorphic_core.pid import sx_pid_lattice
from infomorphic_core.tasks import trivariate as tv


def test_activation_gain_and_limits():
    f, c, l = torch.randn(3, 1000, dtype=torch.float64)
    a = three_source(f, c, l)
    gain = a / f
    assert bool((gain > 0.8).all() and (gain < 1.0).all())  # (1 − c1 − c2, 1): never flips f
    torch.testing.assert_close(three_source(f, c, l, c1=0.0, c2=0.0), f, rtol=0, atol=0)
    # f·c and f·l of 50 or more saturate both sigmoids (σ(100) = 1 in float64): A = f
    f = torch.sign(f) * (0.5 + f.abs())
    torch.testing.assert_close(three_source(f, 100 * torch.sign(f), 100 * torch.sign(f)), f, rtol=1e-15, atol=0)
    # ... and their opposite signs switch both modulations off: A = 0.8 f
    torch.testing.assert_close(three_source(f, -100 * torch.sign(f), -100 * torch.sign(f)), 0.8 * f,
                               rtol=1e-15, atol=0)


def layer(**changes):
    settings = dict(n_neurons=5, n_feedforward=7, n_context=3, n_runs=3, seed=4, dtype="float64",
                    binning=Binning(6, "fixed", (-3.0, 3.0)))
    return ThreeSourceLayer(ThreeSourceConfig(**(settings | changes)))


def test_runs_are_independent_and_lateral_weights_skip_the_neuron_itself():
    batched = layer()
    alone = layer(n_runs=1, seed=5)
    for name in ("w_feedforward", "b_feedforward", "w_context", "w_lateral", "b_lateral"):
        torch.testing.assert_close(getattr(batched, name)[1], getattr(alone, name)[0], rtol=0, atol=0)
    assert bool((torch.diagonal(batched.w_lateral, dim1=-2, dim2=-1) == 0).all())
    bound = 1 / 7 ** 0.5  # torch.nn.Linear's initial range
    assert batched.w_feedforward.abs().max() <= bound and batched.w_feedforward.abs().max() > 0.8 * bound
    sparse = layer(n_partners=2)
    assert bool((sparse.mask.sum(-1) == 2).all()) and bool((torch.diagonal(sparse.mask, dim1=-2, dim2=-1) == 0).all())
    with pytest.raises(ValueError, match="n_partners"):
        layer(n_partners=5)
    with pytest.raises(ValueError, match="sources"):
        layer(sources=("C", "L"))


def test_layer_atoms_are_the_sx_pid_of_the_binned_joint():
    """The atoms at the samples equal the full-table sx-PID of the θ-weighted histogram of
    (F̃, C̃, L̃, Y) built here independently, for every neuron and run."""
    net = layer()
    generator = torch.Generator().manual_seed(1)
    x = 3 * torch.randn(400, 7, generator=generator, dtype=torch.float64)
    label = torch.eye(3, dtype=torch.float64)[torch.randint(0, 3, (400,), generator=generator)]
    y_previous = torch.where(torch.rand(3, 400, 5, generator=generator) < 0.5, 1.0, -1.0).double()
    f, c, l = net.drives(x, label, y_previous)
    atoms = net.atoms(f, c, l).stack()
    theta = net.theta(f, c, l).clamp(1e-6, 1 - 1e-6)
    edges = torch.linspace(-3, 3, 7, dtype=torch.float64)
    for run in range(3):
        for neuron in range(5):
            p = torch.zeros(6, 6, 6, 2, dtype=torch.float64)
            for n in range(400):
                b = [int((torch.bucketize(v[run, n, neuron], edges, right=True) - 1).clamp(0, 5)) for v in (f, c, l)]
                p[b[0], b[1], b[2], 1] += theta[run, n, neuron] / 400
                p[b[0], b[1], b[2], 0] += (1 - theta[run, n, neuron]) / 400
            torch.testing.assert_close(atoms[run, neuron], sx_pid_lattice(p).stack(), rtol=0, atol=1e-12)


def test_goal_needs_the_layer_vocabulary_and_has_a_gradient():
    net = layer(dtype="float32")
    x, label = torch.randn(300, 7), torch.eye(3)[torch.arange(300) % 3]
    f, c, l = net.drives(x, label, None)
    goal = net.goal(net.atoms(f, c, l), {"{F}{C}": 1.0, "{FC}{FL}": -1.0})
    assert goal.shape == (3, 5)
    goal.sum().backward()
    assert net.w_feedforward.grad.abs().max() > 0 and torch.isfinite(net.w_feedforward.grad).all()
    with pytest.raises(ValueError, match="not the layer's"):
        net.goal(net.atoms(f, c, l), Goal.preset("supervised"))
    pair = layer(sources=("F", "C"))
    assert pair.w_lateral is None and pair.config.vocabulary == lattice_vocabulary(("F", "C"))
    assert len(pair.atoms(*pair.drives(x.double(), label.double(), None)).vocabulary) == 5


def test_goals_are_named_in_the_goal_table():
    optimised = tv.hidden_goal("optimised")
    assert optimised.vocabulary == TRIVARIATE and sum(w != 0 for w in optimised.weights) == 4
    assert getattr(optimised, "{FC}{FL}") == -1.0
    with pytest.raises(ValueError, match="hidden_goal"):
        tv.Config(hidden_goal="nosuch")
    with pytest.raises(ValueError, match="networks"):
        tv.Config(networks=("nosuch",))


def small(**changes):
    settings = dict(n_runs=2, epochs=2, n_hidden=12, minibatch=256, sizes=(12,), networks=("backprop",),
                    source="subset", ablation=False)
    return tv.Config(**(settings | changes))


@pytest.mark.slow
def test_the_networks_learn_on_the_subset():
    """Four epochs on the 5k subset lift every network far above chance (10%): the infomorphic
    one (no error passed between layers; measured 0.70, worst of two runs), the backprop one of
    the same shape (0.74) and the random projection with an infomorphic readout (0.39)."""
    config = small(epochs=4, n_hidden=20, sizes=(20,), minibatch=128, networks=("backprop", "random projection"))
    result = tv.run(config, use_cache=False)
    final = result.history[result.history.epoch == 4].groupby("network").test_accuracy.min()
    assert final["optimised"] > 0.5 and final["backprop"] > 0.5 and final["random projection"] > 0.25
    assert result.atoms.shape == (2 * 20, 2 + 19)
    assert result.metrics["dataset"] == "mnist-subset-5k"


@pytest.mark.slow
def test_a_run_in_a_batch_equals_the_run_alone():
    """Run 1 of a two-run batch gets the split, initial weights, samples and first update of
    the same run trained alone (seed 1). Compared on the first update, where the batched and
    the single-run float sums differ only in rounding: later Adam updates divide by the root of
    small second moments and amplify that rounding (measured: up to 0.09 of a step after five
    steps), and an accuracy near chance jumps with it, so whole histories agree only
    statistically between CPUs."""
    raw = load_mnist("subset")
    for kind in ("optimised", "backprop"):
        together, alone = [], []
        for config, keep in ((small(), together), (small(n_runs=1, seed=1), alone)):
            data = tv.split(config, raw)
            net = tv.network(kind, config, 12)
            start = {name: p.detach().clone() for name, p in net.hidden.named_parameters()}
            idx = data.fit[:, :config.minibatch]
            out = net.step(data.x[idx], data.y[idx], kind, 12, "train", 1, 0)
            grads = {name: p.grad for name, p in net.hidden.named_parameters()}
            keep.extend([data.fit, data.validation, start, out, grads])
        (fit, validation, start, out, grads), (fit1, validation1, start1, out1, grads1) = together, alone
        assert torch.equal(fit[1], fit1[0]) and torch.equal(validation[1], validation1[0])
        for name in start:
            assert torch.equal(start[name][1], start1[name][0]), name
            scale = grads1[name][0].abs().max()
            torch.testing.assert_close(grads[name][1], grads1[name][0], rtol=0, atol=1e-4 * scale,
                                       msg=f"{kind}: gradient of {name}")
        torch.testing.assert_close(out[1], out1[0], rtol=0, atol=1e-5, msg=kind)


def test_the_two_source_networks_have_the_published_bivariate_activation_and_adaptive_bins():
    """A = f·[0.9 + 0.2·σ(2fx)] of the one other source x, as the bivariate layer's sigmoid_gain
    (k1 = 0.9) computes it, and 20 symmetric adaptive bins; the three-source network keeps its
    own activation and fixed bins."""
    config = small()
    g = torch.Generator().manual_seed(0)
    f, x = torch.randn(2, 30, 12, generator=g) * 3, torch.randn(2, 30, 12, generator=g) * 3
    for kind, drives in (("context only", (f, x, None)), ("lateral only", (f, None, x)),
                         ("context only, heuristic", (f, x, None)), ("lateral only, heuristic", (f, None, x))):
        layer = tv.network(kind, config, 12).hidden
        assert layer.config.sources == tv.HIDDEN_SOURCES[kind]
        assert layer.config.binning == Binning(20, "adaptive")
        torch.testing.assert_close(layer.theta(*drives), torch.sigmoid(sigmoid_gain(f, x, k1=0.9, k2=2.0)))
    three = tv.network("heuristic", config, 12).hidden.config
    assert three.gain_base is None and three.binning == Binning(20, "fixed", (-20.0, 20.0))
    assert tv.hidden_goal("context only, heuristic") == Goal.of(lattice_vocabulary(("F", "C")), **{"{F}{C}": 1.0})
    assert tv.hidden_goal("lateral only, heuristic") == Goal.of(lattice_vocabulary(("F", "L")), **{"{F}": 1.0})


def test_a_run_compares_the_networks_at_n_and_scans_the_main_one_over_the_sizes():
    config = small(n_hidden=12, sizes=(3, 6, 12), networks=("heuristic", "readout only", "backprop"),
                   scan_networks=("backprop",), ablation=("{F}{L}", "{C}"))
    jobs = [(kind, n, key) for kind, n, _, key in tv._jobs(config)]
    assert jobs == [("optimised", 12, None), ("heuristic", 12, None), ("readout only", 12, None),
                    ("backprop", 12, None), ("optimised", 3, None), ("backprop", 3, None),
                    ("optimised", 6, None), ("backprop", 6, None), ("optimised without {F}{L}", 12, "{F}{L}")]
    # {C} has weight 0 in the goal: nothing to take away
    with pytest.raises(ConfigError, match="scan_networks"):
        small(scan_networks=("readout only",))


@pytest.mark.slow
def test_two_source_comparison_networks():
    context, lateral = tv.hidden_goal("context only"), tv.hidden_goal("lateral only")
    assert context.vocabulary == lattice_vocabulary(("F", "C")) and getattr(context, "{F}{C}") == 0.775
    assert lateral.vocabulary == lattice_vocabulary(("F", "L")) and getattr(lateral, "{L}") == -0.408
    config = small(epochs=1, networks=("context only", "lateral only", "readout only"), scan_networks=(),
                   ablation=("{F}{L}",))
    assert tv.network("context only", config, 12).hidden.w_lateral is None
    assert tv.network("lateral only", config, 12).hidden.w_context is None
    result = tv.run(config, use_cache=False)
    history = result.history
    assert set(history.network) == {"optimised", "context only", "lateral only", "readout only",
                                    "optimised without {F}{L}"}
    assert history.test_accuracy.between(0, 1).all()
    tables = tv.record_tables(result)
    assert sorted(tables["networks"].network.unique()) == ["context only", "lateral only", "optimised",
                                                            "readout only"]
    assert len(tables["networks"]) == 4 * config.n_runs and (tables["networks"].n_hidden == 12).all()
    assert sorted(tables["sizes"].network.unique()) == ["optimised"]
    assert tables["ablation"].weight_set_to_0.tolist() == ["{F}{L}"] * config.n_runs
    assert set(result.metrics["accuracy_by_network"]) == {"optimised", "context only", "lateral only",
                                                          "readout only"}


@pytest.mark.slow
def test_each_network_is_cached_on_its_own(tmp_path, monkeypatch):
    """A run that adds a network trains only that one; the others (and the data) come from the
    cache, as after a run killed part-way."""
    trained = []
    real = tv._trained
    monkeypatch.setattr(tv, "_trained", lambda config, data, kind, n, goal: trained.append(kind) or real(
        config, data, kind, n, goal))
    first = tv.run(small(epochs=1), cache_dir=tmp_path)
    assert trained == ["optimised", "backprop"]
    second = tv.run(small(epochs=1, networks=("backprop", "random projection")), cache_dir=tmp_path)
    assert trained == ["optimised", "backprop", "random projection"]
    a, b = first.history, second.history
    assert a[a.network == "backprop"].test_accuracy.tolist() == b[b.network == "backprop"].test_accuracy.tolist()
    assert second.metrics["dataset"] == "mnist-subset-5k"


@pytest.mark.slow
def test_networks_trained_on_workers_give_the_same_result(tmp_path):
    """Two local Dask workers train the networks (the main one, backprop, and an ablated goal)
    into the shared cache; the result equals the one trained here, in one process."""
    config = small(n_runs=1, epochs=1, ablation=True)
    here = tv.run(config, use_cache=False)
    there = tv.run(config, cache_dir=tmp_path / "cache", workers=2)
    assert len(list((tmp_path / "cache").glob("*.pkl"))) == len(tv._jobs(config)) + 1  # + the run's own
    pd.testing.assert_frame_equal(here.history, there.history)
    assert here.metrics["ablation"] == there.metrics["ablation"] and len(there.metrics["ablation"]) == 4
    with pytest.raises(ValueError, match="use_cache"):
        tv.run(config, use_cache=False, workers=2)


def test_the_backprop_loss_is_the_published_one_unless_asked():
    """The published loss is cross-entropy with σ(r) as logits; "drives" takes r itself. The
    same network, data and first update: the readout's step differs, and each equals the step
    of its loss computed here by hand."""
    torch.manual_seed(0)
    x = torch.randn(1, 64, 784)
    labels = torch.randint(0, 10, (1, 64))
    with pytest.raises(ValueError, match="backprop_loss"):
        tv.Config(backprop_loss="nosuch")
    stepped = {}
    for loss in tv.BACKPROP_LOSSES:
        net = tv.network("backprop", small(n_runs=1, backprop_loss=loss), 12)
        start = net.w_out.detach().clone()
        y = tv.hidden_pass(net.hidden, x, tv.one_hot(labels), net.config, "step", 0)[4]
        r = net._output(y, None)
        scores = torch.sigmoid(r) if loss == "published" else r
        (by_hand,) = torch.autograd.grad(torch.nn.functional.cross_entropy(scores[0], labels[0]), net.w_out)
        net.step(x, labels, "step", 0)
        stepped[loss] = net.w_out.detach() - start
        # Adam's first step moves every weight by lr in the direction of minus the gradient's sign
        moved = by_hand != 0
        assert torch.equal(torch.sign(stepped[loss][moved]), -torch.sign(by_hand[moved]))
    assert not torch.allclose(stepped["published"], stepped["drives"])
    assert tv.Config().backprop_loss == "published"


@pytest.mark.parametrize("kind, upper, topdown", [
    ("optimised", (), "label"), ("context only", (), "label"), ("lateral only, heuristic", (), "label"),
    ("random projection", (), "label"), ("readout only", (), "label"), ("optimised", (7,), "label"),
    ("lateral only", (5, 6), "label"), ("optimised", (), "readout"), ("context only", (7,), "readout"),
    ("optimised", (7, 5), "hierarchical")])
def test_an_infomorphic_step_sets_the_gradients_autograd_gives(kind, upper, topdown):
    """The network learns in closed form; autograd through both layers' goals (sample atoms and
    the readout's joint) gives the same gradients, in float32 to 2e-4 of the layer's largest
    entry (a bias whose gradient is near 0 holds only rounding). The readout's context bias,
    which its linear activation ignores, gets none from autograd and zeros here (it starts at 0,
    so Adam's weight decay leaves it there too)."""
    torch.manual_seed(1)
    x, labels = torch.randn(1, 200, 784), torch.randint(0, 10, (1, 200))
    net = tv.network(kind, small(n_runs=1), 12, upper=upper, topdown=topdown, steps=3 if upper else 2)
    if net.hidden is None:  # the readout alone, on the pixels
        passes = [tv.Pass(None, None, None, None, None, x, None)]
    else:
        with torch.no_grad():
            passes = net.passes(x, tv.one_hot(labels), "step", 0)
    net._learn(passes, tv.one_hot(labels), labels)
    layers = {"readout": net.readout}
    if net.learns_hidden:
        layers |= {f"hidden {depth}": layer for depth, layer in enumerate(net.layers)}
    closed = {(layer, name): p.grad.clone() for layer, module in layers.items()
              for name, p in module.named_parameters() if p.requires_grad}
    for module in layers.values():
        module.zero_grad(set_to_none=True)
    loss = -net.readout.goal(passes[-1].y, tv.one_hot(labels), net.config.gamma)[0].sum()
    if net.learns_hidden:
        for layer, p in zip(net.layers, passes):
            f, c, l = layer.drives(p.x, p.context, p.previous)
            loss = loss - layer.goal(layer.atoms(f, c, l), net.goal).sum()
    loss.backward()
    scale = {layer: max(float(p.grad.abs().max()) for p in module.parameters() if p.grad is not None)
             for layer, module in layers.items()}
    for (layer, name), g in closed.items():
        expected = dict(layers[layer].named_parameters())[name].grad
        expected = torch.zeros_like(g) if expected is None else expected
        assert (g - expected).abs().max() <= 2e-4 * scale[layer], (layer, name)
    per_layer = 6 if kind == "optimised" else 4 if net.learns_hidden else 0
    assert len(closed) == 3 + per_layer * len(net.layers)
    if net.hidden is None:
        assert net.predict(x[0], None).shape == (1, 200)


def test_a_deep_network_stacks_layers_drawn_apart_and_learns_in_every_layer():
    """Hidden layers above the first take the outputs below as their feedforward input and are
    drawn from streams of their own; the first layer is the one-layer network's. One step moves
    every layer's weights, by the local goals and by backprop alike."""
    config = small(n_runs=1)
    deep = tv.network("optimised", config, 12, upper=(8,))
    assert [layer.config.n_feedforward for layer in deep.layers] == [784, 12]
    assert deep.readout.config.n_receptive == 8
    assert torch.equal(tv.network("optimised", config, 12).hidden.w_context, deep.hidden.w_context)
    assert not torch.equal(deep.layers[0].w_context[:, :8], deep.layers[1].w_context)
    g = torch.Generator().manual_seed(0)
    x, labels = torch.randn(1, 64, 784, generator=g), torch.randint(0, 10, (1, 64), generator=g)
    for kind in ("optimised", "backprop"):
        net = tv.network(kind, config, 12, upper=(8,))
        before = [p.detach().clone() for layer in net.layers for p in layer.parameters()]
        net.step(x, labels, "step", 0)
        after = [p.detach() for layer in net.layers for p in layer.parameters()]
        assert all(not torch.equal(a, b) for a, b in zip(before, after)), kind
        assert net.predict(x[0], None, "test").shape == (1, 64)


def test_the_top_down_context_is_the_label_the_readout_or_the_layer_above():
    """With one layer and two steps, the hierarchical network (whose top context is the label)
    settles to the label network's step bit for bit; the readout network's context is 0 in the
    first step and the readout's sampled outputs in the second; a hierarchical layer's context is
    the layer above's outputs of the step before."""
    config = small(n_runs=1)
    g = torch.Generator().manual_seed(0)
    x, labels = torch.randn(1, 64, 784, generator=g), torch.randint(0, 10, (1, 64), generator=g)
    label = tv.one_hot(labels)
    with torch.no_grad():
        by_label = tv.network("optimised", config, 12).passes(x, label, "k")
        settled = tv.network("optimised", config, 12, topdown="hierarchical").passes(x, label, "k")
        assert torch.equal(by_label[0].y, settled[0].y) and torch.equal(by_label[0].theta, settled[0].theta)
        readout = tv.network("optimised", config, 12, topdown="readout")
        (p,) = readout.passes(x, label, "k")
        assert p.context.shape == (1, 64, 10) and set(p.context.unique().tolist()) == {-1.0, 1.0}
        deep = tv.network("optimised", config, 12, upper=(6,), topdown="hierarchical", steps=3)
        assert deep.layers[0].config.n_context == 6 and deep.layers[1].config.n_context == 10
        low, high = deep.passes(x, label, "k")
        assert torch.equal(high.context, label) and low.context.shape == (1, 64, 6)
        assert set(low.context.unique().tolist()) <= {-1.0, 1.0}
    with pytest.raises(ConfigError, match="readout"):
        tv.network("backprop", config, 12, topdown="readout")
    with pytest.raises(ConfigError, match="topdown"):
        tv.network("optimised", config, 12, topdown="sideways")
