import numpy as np
import pytest
import torch

from infomorphic_core import data
from infomorphic_core.tasks import bars

KEYS = {"unq_R_mean", "cond_mi_mean", "layer_mi_mean", "layer_mi_median", "all_bars_fraction", "n_runs"}


def test_enumeration_and_sampling():
    images, on = data.all_bar_images()
    assert images.shape == (256, 64) and set(np.unique(images)) == {-1.0, 1.0}
    assert len({row.tobytes() for row in images}) == 256
    # image i has bar j (row j) on exactly when bit j of i is set
    assert np.array_equal(images[5].reshape(8, 8)[:, 0], [1, -1, 1, -1, -1, -1, -1, -1])
    imgs, states = data.sample_bars(20000, np.random.default_rng(0), p=0.3)
    assert abs(states.mean() - 0.3) < 0.01
    vertical, _ = data.all_bar_images(orientation="vertical")
    assert np.array_equal(vertical.reshape(256, 8, 8), images.reshape(256, 8, 8).transpose(0, 2, 1))
    both, _ = data.sample_bars(3, np.random.default_rng(0), orientation="both")
    assert both.shape == (3, 64)
    with pytest.raises(ValueError, match="orientation"):
        data.bar_masks(8, "diagonal")


def test_layer_mutual_information_closed_forms():
    bits = bars.ALL_BARS.double()[None]  # neuron i fires exactly when bar i is on
    assert bars.layer_mutual_information(bits).item() == pytest.approx(8.0, abs=1e-6)
    assert bars.layer_mutual_information(torch.full((1, 256, 8), 0.5)).item() == pytest.approx(0.0, abs=1e-9)
    # two neurons on the same bar carry 7 bits together with the other six
    same = bits.clone()
    same[..., 7] = same[..., 6]
    assert bars.layer_mutual_information(same).item() == pytest.approx(7.0, abs=1e-6)
    # a noisy copy: I = 1 - H_b(0.1) per neuron
    noisy = 0.1 + 0.8 * bits
    h = -(0.1 * np.log2(0.1) + 0.9 * np.log2(0.9))
    assert bars.layer_mutual_information(noisy).item() == pytest.approx(8 * (1 - h), abs=1e-6)


def test_bar_assignment_counts_distinct_bars():
    theta = bars.ALL_BARS.double()[None].repeat(2, 1, 1)
    theta[1, :, 3] = 1 - theta[1, :, 5]  # anti-correlated with bar 5 still follows bar 5
    bar, distinct = bars.bar_assignment(theta)
    assert bar[0].tolist() == list(range(8)) and distinct.tolist() == [8, 7]


@pytest.mark.slow
def test_short_run_separates_bars_and_reports(tmp_path):
    result = bars.run(bars.Config(n_runs=4, n_updates=120, eval_every=60, eval_steps=2048),
                      cache_dir=tmp_path)
    m = result.metrics
    assert KEYS <= set(m) and m["n_runs"] == 4
    assert m["layer_mi_median"] > 7.0 and m["cond_mi_mean"] > 0.9
    assert m["cond_mi_mean"] == pytest.approx(m["unq_R_mean"] + m["syn_mean"], abs=1e-6)
    assert np.all(result.layer().w_context.detach().diagonal(dim1=-2, dim2=-1).numpy() == 0)


def test_config_validation():
    with pytest.raises(ValueError, match="multiples of hold"):
        bars.Config(steps_per_minibatch=1001)
    with pytest.raises(ValueError, match="p_bar"):
        bars.Config(p_bar=1.5)
    with pytest.raises(ValueError, match="n_bins"):
        bars.Config(n_bins_context=1)
    assert bars.Config(profile="paper").n_runs == 300
