"""Stream keys: every distinct key part gives a distinct stream; seeds must be integers."""

import numpy as np
import pytest
import torch

from infomorphic_core import rng


def draw(seed, *key):
    return torch.rand(8, generator=rng.generator(seed, *key))


def test_float_keys_give_different_streams():
    alphas = [0.0, 0.1, 0.2, 0.5, 0.9]
    draws = [draw(0, "corrupt", a) for a in alphas]
    for i in range(len(draws)):
        for j in range(i + 1, len(draws)):
            assert not torch.equal(draws[i], draws[j]), (alphas[i], alphas[j])


def test_float_and_int_keys_do_not_collide():
    assert not torch.equal(draw(0, 1.0), draw(0, 1))
    assert not torch.equal(draw(0, 0.0), draw(0, 0))


def test_same_key_same_stream_across_numeric_types():
    assert torch.equal(draw(3, "x", 2), draw(np.int64(3), "x", np.int32(2)))
    assert torch.equal(draw(0, 0.25), draw(0, np.float64(0.25)))


def test_batched_runs_match_separate_seeds():
    batched = rng.per_run(lambda g: torch.rand(4, generator=g), 5, 3, "k", 0.3)
    for run in range(3):
        assert torch.equal(batched[run], draw(5 + run, "k", 0.3)[:4])


@pytest.mark.parametrize("seed", [1.5, 1.0, "1", True, None])
def test_non_integer_seed_is_rejected(seed):
    with pytest.raises(TypeError, match="seed must be an integer"):
        rng.generator(seed)


def test_unsupported_key_part_is_rejected():
    with pytest.raises(TypeError, match="key part"):
        rng.generator(0, [1, 2])
