from pathlib import Path

import pandas as pd
import pytest
import torch

from infomorphic_core import rng
from infomorphic_core.estimate import Binning
from infomorphic_core.layer import InfomorphicLayer, LayerConfig
from infomorphic_core.train import TrainConfig, train


class NoisyLabelStream:
    """Receptive x ~ N(0, I); label = sign(v·x); context = the label flipped with probability 0.1.
    Per-(run, step) seeding, so runs and resumed trainings draw the same minibatches."""

    def __init__(self, seed, n_runs, n_inputs=6, n_samples=256, flip=0.1):
        self.seed, self.n_runs, self.n_inputs, self.n_samples, self.flip = seed, n_runs, n_inputs, n_samples, flip
        self.direction = torch.linspace(-1, 1, n_inputs)
        self.calls = 0

    def _one(self, g):
        x = torch.randn(self.n_samples, self.n_inputs, generator=g)
        label = torch.sign(x @ self.direction)
        flips = torch.rand(self.n_samples, generator=g) < self.flip
        context = torch.where(flips, -label, label)[:, None]
        return torch.cat([x, context], dim=1)

    def batch(self, layer, step):
        self.calls += 1
        data = rng.per_run(self._one, self.seed, self.n_runs, "data", step)
        return data[..., :-1], data[..., -1:]

    def state_dict(self):
        return {"calls": self.calls}

    def load_state_dict(self, state):
        self.calls = state["calls"]


def layer_for(seed, n_runs):
    cfg = LayerConfig(n_neurons=1, n_receptive=6, n_context=1, n_runs=n_runs, seed=seed,
                      binning_receptive=Binning(20), binning_context=Binning(2, "minmax"),
                      init_std_context=0.1)
    return InfomorphicLayer(cfg)


def evaluate_on(stream):
    def evaluate(layer, step):
        x_r, x_c = stream.batch(layer, 10_000)  # a fixed held-out minibatch
        atoms = layer.atoms(x_r, x_c)
        return {"red": atoms.red}
    return evaluate


def test_single_neuron_learns_redundancy():
    """Γ = (0, 0, 1, 0, 0), context a noisy copy of a linearly separable label of the receptive
    input: the neuron must come to encode what R and C share, so I_red rises well above start."""
    stream = NoisyLabelStream(seed=0, n_runs=4)
    layer = layer_for(seed=0, n_runs=4)
    history = train(layer, stream, (0, 0, 1, 0, 0), TrainConfig(n_updates=150, learning_rate=3.0, eval_every=50),
                    evaluate=evaluate_on(NoisyLabelStream(seed=99, n_runs=4)))
    red = history[history.quantity == "red"].pivot(index="step", columns="run", values="value")
    start, end = red.loc[0], red.loc[150]
    assert (start.abs() < 0.05).all()
    # the label carries H_b(0.1) ≈ 0.53 bits about the context; expect most of it
    assert (end > 0.3).all(), end


def test_history_is_tidy():
    stream = NoisyLabelStream(seed=1, n_runs=2)
    history = train(layer_for(1, 2), stream, "supervised", TrainConfig(n_updates=4, eval_every=2),
                    evaluate=evaluate_on(NoisyLabelStream(seed=5, n_runs=2)))
    assert list(history.columns) == ["run", "step", "neuron", "quantity", "value"]
    assert sorted(history.step.unique()) == [0, 2, 4]
    assert set(history.quantity) == {"red", "train_unq_R", "train_unq_C", "train_red",
                                     "train_syn", "train_res"}
    assert set(history.run) == {0, 1}


def test_runs_batched_equal_runs_alone():
    config = TrainConfig(n_updates=6, learning_rate=2.0, eval_every=3)
    together = train(layer_for(7, 3), NoisyLabelStream(7, 3), "supervised", config,
                     evaluate=evaluate_on(NoisyLabelStream(50, 3)))
    for run in range(3):
        alone = train(layer_for(7 + run, 1), NoisyLabelStream(7 + run, 1), "supervised", config,
                      evaluate=evaluate_on(NoisyLabelStream(50 + run, 1)))
        mine = together[together.run == run].drop(columns="run").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone.drop(columns="run"), atol=1e-5, rtol=0)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_interrupted_training_resumes_from_checkpoint(tmp_path, optimizer):
    config = TrainConfig(n_updates=8, learning_rate=0.05 if optimizer == "adam" else 2.0,
                         optimizer=optimizer, eval_every=2, checkpoint_every=2)
    reference_layer = layer_for(3, 2)
    reference = train(reference_layer, NoisyLabelStream(3, 2), "supervised", config)

    class Interrupt(Exception):
        pass

    def stop_at_5(layer, step):
        if step == 5:
            raise Interrupt

    ckpt = tmp_path / "run.ckpt"
    with pytest.raises(Interrupt):
        train(layer_for(3, 2), NoisyLabelStream(3, 2), "supervised", config, after_update=stop_at_5,
              checkpoint=ckpt)
    assert ckpt.exists()
    stream = NoisyLabelStream(3, 2)
    resumed_layer = layer_for(3, 2)
    resumed = train(resumed_layer, stream, "supervised", config, checkpoint=ckpt)
    assert stream.calls == 8  # 4 restored from the checkpoint, 4 new: steps 5..8
    pd.testing.assert_frame_equal(resumed, reference)
    torch.testing.assert_close(resumed_layer.w_receptive, reference_layer.w_receptive)
    # kept after the last update (its task removes it once the result is cached): a run killed
    # after training resumes at the end, without training again
    assert ckpt.exists()
    again_stream, again_layer = NoisyLabelStream(3, 2), layer_for(3, 2)
    again = train(again_layer, again_stream, "supervised", config, checkpoint=ckpt)
    assert again_stream.calls == 8  # the 8 of the checkpoint, none drawn again
    pd.testing.assert_frame_equal(again, reference)
    torch.testing.assert_close(again_layer.w_receptive, reference_layer.w_receptive)


class Planted:
    """Unpickling this object would run code (it writes a file)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (Path.write_text, (Path(self.marker), "code ran"))


@pytest.mark.parametrize("content", ["truncated", "planted pickle", "planted torch file"])
def test_unreadable_checkpoint_is_discarded_with_one_warning(tmp_path, content):
    """A checkpoint is data, loaded with weights_only: a truncated one, or one planted to run
    code when unpickled, is removed with one warning, never executed, and training starts over."""
    import pickle

    config = TrainConfig(n_updates=4, eval_every=2, checkpoint_every=2)
    reference = train(layer_for(3, 2), NoisyLabelStream(3, 2), "supervised", config)
    ckpt, marker = tmp_path / "run.ckpt", tmp_path / "marker"
    if content == "truncated":
        train(layer_for(3, 2), NoisyLabelStream(3, 2), "supervised", config, checkpoint=ckpt)
        ckpt.write_bytes(ckpt.read_bytes()[:300])
    elif content == "planted pickle":
        ckpt.write_bytes(pickle.dumps({"fingerprint": Planted(marker)}))
    else:
        torch.save({"fingerprint": Planted(marker)}, ckpt)
    stream = NoisyLabelStream(3, 2)
    with pytest.warns(UserWarning, match="discarding the unreadable checkpoint") as caught:
        history = train(layer_for(3, 2), stream, "supervised", config, checkpoint=ckpt)
    assert len([w for w in caught if "discarding" in str(w.message)]) == 1
    assert not marker.exists() and stream.calls == 4
    pd.testing.assert_frame_equal(history, reference)


@pytest.mark.parametrize(
    "kwargs, field",
    [({"n_updates": -1}, "n_updates"), ({"learning_rate": -0.1}, "learning_rate"),
     ({"optimizer": "rmsprop"}, "optimizer"), ({"eval_every": 1.5}, "eval_every"),
     ({"gradient": "numeric"}, "gradient")],
)
def test_train_config_validation_names_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        TrainConfig(**({"n_updates": 1} | kwargs))


def test_closed_form_training_follows_autograd_training():
    a = train(layer_for(4, 2), NoisyLabelStream(4, 2), "supervised", TrainConfig(n_updates=5, eval_every=5))
    b = train(layer_for(4, 2), NoisyLabelStream(4, 2), "supervised",
              TrainConfig(n_updates=5, eval_every=5, gradient="closed_form"))
    pd.testing.assert_frame_equal(a, b, atol=1e-4, rtol=0)
