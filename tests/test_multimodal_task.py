"""The multimodal task: its measures on codes with known answers, its settings, and a small run
on the synthesised corpus."""

import math

import numpy as np
import pytest

from infomorphic_core.checks import ConfigError
from infomorphic_core.goals import Goal
from infomorphic_core.tasks import multimodal as mm


def test_retrieval_finds_the_partner_of_identical_maps_and_is_at_chance_for_noise():
    rng = np.random.default_rng(0)
    digits = np.repeat(np.arange(10), 5)
    audio = rng.standard_normal((50, 8))
    assert mm.retrieval(audio.copy(), audio, digits, digits) == 1.0
    noise = rng.standard_normal((2000, 8))
    found = mm.retrieval(noise, audio, rng.integers(10, size=2000), digits)
    assert abs(found - 0.1) < 0.03  # each candidate digit holds a tenth of the candidates


def test_ink_correlation_is_one_for_a_unit_that_reads_the_relative_ink():
    rng = np.random.default_rng(1)
    digits = rng.integers(10, size=500)
    ink = rng.uniform(50, 150, 500) + 30 * digits  # the digit shifts the ink; the unit must not see it
    relative = ink - np.array([ink[digits == d].mean() for d in range(10)])[digits]
    code = np.column_stack([rng.standard_normal(500), 2 * relative + 5, np.ones(500)])
    assert mm.ink_correlation(code, ink, digits) == pytest.approx(1.0)
    assert mm.ink_correlation(code[:, :1], ink, digits) < 0.2


def test_mean_abs_correlation_of_copies_and_of_independent_units():
    rng = np.random.default_rng(2)
    z = rng.standard_normal((4000, 1))
    assert mm.mean_abs_correlation(np.hstack([z, -z, 2 * z])) == pytest.approx(1.0)
    assert mm.mean_abs_correlation(rng.standard_normal((4000, 5))) < 0.05


def test_the_two_source_goal_is_gamma_read_over_the_two_source_lattice():
    config = mm.Config(gamma=(0.25, 0.0, 1.0, 0.0, 0.0))  # unq_R, unq_C, red, syn, res
    weights = mm.goal_weights(config, "redundancy, two sources")
    assert weights["{F}{C}"] == 1.0 and weights["{F}"] == 0.25 and weights["{C}"] == 0.0
    layer = mm.make_layer(config, "redundancy, two sources", 4, mm.N_FEATURES)
    assert layer.config.sources == ("F", "C")
    goal = Goal.of(layer.config.vocabulary, **weights)
    assert dict(zip(goal.vocabulary.keys, goal.weights))["{F}{C}"] == 1.0


@pytest.mark.parametrize("settings, match", [
    ({"sizes": ()}, "sizes"), ({"sizes": (1,)}, "sizes"), ({"goals": ("hebbian",)}, "goals"),
    ({"n_pairs": 10}, "n_pairs"), ({"ridges": (0.0,)}, "ridges"), ({"snr_db": math.inf}, "snr_db"),
    ({"pid_snrs": ("loud",)}, "snr_db"), ({"source": "web"}, "source")])
def test_bad_settings_are_refused_by_name(settings, match):
    with pytest.raises(ConfigError, match=match):
        mm.Config(**settings)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    pytest.importorskip("sklearn")
    try:
        from infomorphic_core import audio
        audio.load_corpus()
    except ConfigError as error:
        pytest.skip(str(error))
    config = mm.Config(profile="quick", n_runs=2, epochs=2, n_pairs=1024, sizes=(6,), snr_db=None,
                       pid_snrs=("clean",), ridges=(0.1,))
    return mm.run(config, cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.mark.slow
def test_a_small_run_measures_every_network_and_baseline(small):
    codes = small.codes
    config = small.config
    for goal in config.goals:
        for pairing in ("class", "shuffled"):
            assert len(codes[(codes.network == goal) & (codes.pairing == pairing)]) == config.n_runs
    assert set(mm.BASELINES) <= set(codes.network)
    assert codes.probe.between(0, 1).all()
    # the shuffled pairs share nothing: retrieval by CCA's maps falls to chance, the matched do not
    cca = codes[codes.network == "CCA"].set_index("pairing").retrieval
    # chance is 0.1 with a binomial SD of 0.0095 over 1,000 test images: 0.14 is 4 SD above it
    assert cca["class"] > 0.14 and cca["shuffled"] < 0.14
    gain = small.metrics["gain_median"]["redundancy N=6"]
    runs = mm.gains(codes, "redundancy", 6)
    assert len(runs) == config.n_runs and gain == pytest.approx(np.median(runs))


@pytest.mark.slow
def test_the_data_sets_pid_adds_up(small):
    row = small.dataset.iloc[0]
    assert row.i_both == pytest.approx(row.red + row.unq_image + row.unq_audio + row.syn)
    assert row.i_image == pytest.approx(row.red + row.unq_image)
    assert 0 < row.i_both <= row.h_label <= math.log2(10) + 1e-9
    assert row.h_label > 3.2  # the drawn pairs hold every digit (the files sort by digit)
    assert 0.9 < row.audio_probe <= 1  # clean speech of held-out speakers (tests/test_audio.py)
