import pytest
import torch

from infomorphic_core.estimate import Binning
from infomorphic_core.gradient import closed_form_gradient
from infomorphic_core.layer import InfomorphicLayer, LayerConfig
from infomorphic_core.train import TrainConfig, make_optimizer, update


def make_layer(activation="sigmoid_gain", runs=2, **kw):
    cfg = LayerConfig(n_neurons=3, n_receptive=5, n_context=4, n_runs=runs, activation=activation,
                      init_std_receptive=1.0, init_std_context=1.0, dtype="float64",
                      binning_receptive=Binning(6), binning_context=Binning(4), **kw)
    layer = InfomorphicLayer(cfg)
    with torch.no_grad():
        g = torch.Generator().manual_seed(1)
        layer.b_receptive.copy_(torch.randn(layer.b_receptive.shape, generator=g, dtype=torch.float64))
        layer.b_context.copy_(torch.randn(layer.b_context.shape, generator=g, dtype=torch.float64))
    return layer


def inputs(runs=2, n=60, seed=0):
    g = torch.Generator().manual_seed(seed)
    x_r = torch.randn(runs, n, 5, generator=g, dtype=torch.float64)
    x_c = torch.sign(torch.randn(runs, n, 4, generator=g, dtype=torch.float64))
    return x_r, x_c


@pytest.mark.parametrize("activation", ["sigmoid_gain", "norm8", "kay_phillips", "linear"])
@pytest.mark.parametrize("gamma", [(0.1, 0.1, 1, 0.1, 0), (0.1, 0.2, 1, 0.3, 0.4), (1, 0, 0, 0, 0),
                                   (-0.5, 1, -1, 2, 0.7),
                                   # one classical term each: H(Y), then I_red alone
                                   (1, 1, 1, 1, 1), (0, 0, 1, 0, 0)])
def test_closed_form_gradient_matches_autograd(activation, gamma):
    layer = make_layer(activation)
    x_r, x_c = inputs()
    # few samples over many bins: empty bins are certain
    x_r, x_c = x_r[:, :25], x_c[:, :25]
    joint = layer.joint(x_r, x_c)
    assert (joint.sum(-1) == 0).any()
    goal, _ = layer.goal(x_r, x_c, gamma)
    goal.sum().backward()
    closed, closed_joint = closed_form_gradient(layer, x_r, x_c, gamma)
    torch.testing.assert_close(closed_joint, joint.detach())
    for name, param in layer.named_parameters():
        if activation == "linear" and name.endswith("context"):
            assert param.grad is None and closed[name].abs().max() == 0  # A ignores c
            continue
        torch.testing.assert_close(closed[name], param.grad, atol=1e-8, rtol=0)
        assert param.grad.abs().max() > 1e-6  # a real gradient, not two zeros


def test_update_ascends_the_goal():
    layer = make_layer(runs=1)
    x_r, x_c = inputs(runs=1, n=200)
    before, _ = layer.goal(x_r, x_c, "supervised")
    opt = make_optimizer(layer, TrainConfig(n_updates=1, learning_rate=0.5))
    update(layer, opt, x_r, x_c, "supervised")
    after, _ = layer.goal(x_r, x_c, "supervised")
    assert after.sum() > before.sum()


def test_recurrent_mask_stays_zero_through_training():
    cfg = LayerConfig(n_neurons=4, n_receptive=3, n_context=4, n_runs=2, recurrent_context=True,
                      init_std_context=0.5, dtype="float64")
    layer = InfomorphicLayer(cfg)
    assert torch.all(torch.diagonal(layer.w_context, dim1=-2, dim2=-1) == 0)
    g = torch.Generator().manual_seed(0)
    for optimizer in ("sgd", "adam"):
        opt = make_optimizer(layer, TrainConfig(n_updates=1, learning_rate=0.3, optimizer=optimizer))
        for step in range(5):
            x_r = torch.randn(2, 50, 3, generator=g, dtype=torch.float64)
            x_c = torch.sign(torch.randn(2, 50, 4, generator=g, dtype=torch.float64))
            update(layer, opt, x_r, x_c, "memory")
    assert torch.all(torch.diagonal(layer.w_context, dim1=-2, dim2=-1) == 0)
    off = ~torch.eye(4, dtype=torch.bool)
    assert torch.all(layer.w_context[:, off] != 0)


def test_runs_are_initialised_from_seed_plus_index():
    batched = InfomorphicLayer(LayerConfig(3, 5, 4, n_runs=3, seed=10))
    for i in range(3):
        alone = InfomorphicLayer(LayerConfig(3, 5, 4, n_runs=1, seed=10 + i))
        torch.testing.assert_close(batched.w_receptive[i], alone.w_receptive[0], atol=0, rtol=0)
        torch.testing.assert_close(batched.w_context[i], alone.w_context[0], atol=0, rtol=0)


def test_atoms_shapes_and_identity():
    layer = make_layer()
    x_r, x_c = inputs()
    atoms = layer.atoms(x_r, x_c)
    assert atoms.stack().shape == (2, 3, 5)
    theta = layer.theta(x_r, x_c)
    assert theta.shape == (2, 60, 3)
    # sum of atoms is H(Y) of the mean firing probability (θ clipped at 1e-6)
    mean = theta.clamp(1e-6, 1 - 1e-6).mean(1)
    h = -(mean * torch.log2(mean) + (1 - mean) * torch.log2(1 - mean))
    torch.testing.assert_close(atoms.stack().sum(-1), h)


def test_sampling_is_seeded_per_run():
    layer = make_layer(runs=3)
    u = layer.draw_uniforms(7, 0)
    other = InfomorphicLayer(LayerConfig(3, 5, 4, n_runs=1, seed=1, dtype="float64"))
    torch.testing.assert_close(u[1], other.draw_uniforms(7, 0)[0])
    y = layer.sample(torch.full((3, 7, 3), 0.5, dtype=torch.float64), u)
    assert set(y.unique().tolist()) <= {-1.0, 1.0}


@pytest.mark.parametrize(
    "kwargs, field",
    [({"n_neurons": 0}, "n_neurons"), ({"n_runs": -1}, "n_runs"), ({"activation": "tanh"}, "activation"),
     ({"init_std_receptive": -1.0}, "init_std_receptive"), ({"dtype": "float16"}, "dtype"),
     ({"context_mask": [[1, 0]]}, "context_mask"), ({"recurrent_context": True}, "n_context"),
     ({"binning_context": 20}, "binning_context"),
     ({"context_mask": [[float("nan")] * 4] * 3}, "context_mask"),
     ({"receptive_mask": [[0.5] * 5] * 3}, "receptive_mask")],
)
def test_layer_config_validation_names_field(kwargs, field):
    args = {"n_neurons": 3, "n_receptive": 5, "n_context": 4} | kwargs
    with pytest.raises(ValueError, match=field):
        LayerConfig(**args)


def test_atoms_of_non_finite_inputs_raise():
    layer = InfomorphicLayer(LayerConfig(3, 5, 4, n_runs=2))
    x_r, x_c = torch.zeros(2, 10, 5), torch.zeros(2, 10, 4)
    x_r[0, 3, 1] = float("nan")
    with pytest.raises(ValueError, match="x_receptive holds NaN"):
        layer.atoms(x_r, x_c)
    x_c[1, 0, 0] = float("inf")
    with pytest.raises(ValueError, match="x_context"):
        layer.atoms(torch.zeros(2, 10, 5), x_c)
    with torch.no_grad():  # the check is on the drives: an input whose weight is 0 still counts
        layer.w_receptive[..., 1] = 0.0
    with pytest.raises(ValueError, match="x_receptive holds NaN"):
        layer.atoms(x_r, torch.zeros(2, 10, 4))


def test_cuda_layer_matches_cpu():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    layer = make_layer()
    x_r, x_c = inputs()
    goal, _ = layer.goal(x_r, x_c, "supervised")
    gpu = make_layer().cuda()
    goal_gpu, _ = gpu.goal(x_r.cuda(), x_c.cuda(), "supervised")
    torch.testing.assert_close(goal_gpu.cpu(), goal, atol=1e-10, rtol=0)


def test_simulate_uses_previous_outputs_as_context():
    cfg = LayerConfig(n_neurons=4, n_receptive=3, n_context=4, n_runs=2, recurrent_context=True,
                      init_std_receptive=1.0, init_std_context=1.0, dtype="float64")
    layer = InfomorphicLayer(cfg)
    g = torch.Generator().manual_seed(0)
    x_r = torch.randn(2, 10, 3, generator=g, dtype=torch.float64)
    y0 = torch.ones(2, 4, dtype=torch.float64)
    u = layer.draw_uniforms(10, 0)
    x_c, y = layer.simulate(x_r, y0, u)
    torch.testing.assert_close(x_c[:, 0], y0)
    torch.testing.assert_close(x_c[:, 1:], y[:, :-1])
    # each output is the sample of θ computed from that step's inputs
    theta = layer.theta(x_r, x_c)
    torch.testing.assert_close(y, layer.sample(theta, u))
