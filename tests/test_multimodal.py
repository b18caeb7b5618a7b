import numpy as np
import pytest

from infomorphic_core import multimodal as mm
from infomorphic_core.audio import Corpus


def toy_corpus() -> Corpus:
    """Two speakers (one held out), three rates, every digit: 60 utterances."""
    rows = [(d, s, r) for s in (0, 1) for r in (140, 170, 200) for d in range(10)]
    digit, speaker, rate = (np.array(c) for c in zip(*rows))
    return Corpus(waves=np.zeros((len(rows), 4), np.int16), digit=digit, speaker=speaker, rate=rate,
                  pitch=np.full(len(rows), 50), heldout=speaker == 1, manifest={}, path=None)


def test_class_pairs_share_the_digit_and_keep_the_speakers_apart():
    corpus = toy_corpus()
    digits = np.random.default_rng(0).integers(10, size=500)
    for heldout in (False, True):
        chosen = mm.pair(digits, corpus, heldout, "class", seed=3)
        assert (corpus.digit[chosen] == digits).all()
        assert (corpus.heldout[chosen] == heldout).all()
    again = mm.pair(digits, corpus, False, "class", 3)
    assert np.array_equal(again, mm.pair(digits, corpus, False, "class", 3))  # seeded
    assert not np.array_equal(again, mm.pair(digits, corpus, False, "class", 4))


def test_shuffled_pairs_share_nothing_and_instance_pairs_follow_the_ink():
    corpus = toy_corpus()
    g = np.random.default_rng(1)
    digits = g.integers(10, size=3000)
    shuffled = mm.pair(digits, corpus, False, "shuffled")
    assert abs((corpus.digit[shuffled] == digits).mean() - 0.1) < 0.02  # chance, 3,000 pairs
    ink = g.random(3000)
    chosen = mm.pair(digits, corpus, False, "instance", ink=ink)
    assert (corpus.digit[chosen] == digits).all()
    for d in range(10):
        mine = digits == d
        rate, light = corpus.rate[chosen[mine]], ink[mine]
        # the rate never falls as the ink grows, and each rate gets a third of the images
        assert (np.diff(rate[np.argsort(light)]) >= 0).all()
        assert np.bincount(np.unique(rate, return_inverse=True)[1]).min() >= mine.sum() // 3
    with pytest.raises(ValueError, match="ink"):
        mm.pair(digits, corpus, False, "instance")


def test_cca_finds_the_shared_latent_with_its_closed_form_correlation():
    # x and a each carry z plus unit-variance noise in one coordinate, and noise elsewhere:
    # their first canonical correlation is corr(z + e1, z + e2) = 1/2
    g = np.random.default_rng(2)
    n = 40000
    z = g.standard_normal(n)
    x = np.column_stack([z + g.standard_normal(n), g.standard_normal((n, 4))])
    a = np.column_stack([g.standard_normal((n, 3)), z + g.standard_normal(n)])
    gx, ga = mm.cca(x, a, 2, ridge=0.0)
    assert gx.correlations[0] == pytest.approx(0.5, abs=0.01)
    assert gx.correlations[1] < 0.03  # nothing else is shared
    u, v = gx(x), ga(a)
    assert np.allclose(np.cov(u.T, bias=True), np.eye(2), atol=1e-8)  # unit variance, uncorrelated
    assert np.corrcoef(u[:, 0], v[:, 0])[0, 1] == pytest.approx(gx.correlations[0], abs=1e-8)


def test_pca_keeps_the_largest_variance_first():
    g = np.random.default_rng(3)
    x = g.standard_normal((5000, 3)) * np.array([0.5, 3.0, 1.0])
    code = mm.pca(x, 2)
    assert np.allclose(np.abs(code.weights[:, 0]), [0, 1, 0], atol=0.02)
    assert np.allclose(code.weights.T @ code.weights, np.eye(2), atol=1e-12)


def test_the_probe_reads_a_separable_code():
    g = np.random.default_rng(4)
    digits = g.integers(10, size=1000)
    code = np.eye(10)[digits] + 0.05 * g.standard_normal((1000, 10))
    assert mm.probe(code[:800], digits[:800], code[800:], digits[800:]) == 1.0


def test_the_contrastive_encoder_finds_what_the_two_sides_share():
    # the image side carries the shared latent in one coordinate and louder private noise in
    # others; the only way to pick a partner among others is the shared latent
    g = np.random.default_rng(5)
    n = 4096
    z = g.standard_normal(n)
    x = np.column_stack([z + 0.3 * g.standard_normal(n), 3 * g.standard_normal((n, 3))])
    a = np.column_stack([g.standard_normal((n, 2)), z + 0.3 * g.standard_normal(n)])
    gx, _ = mm.infonce(x, a, 2, epochs=10)  # a 1-number code normalised is only its sign
    code = gx(x)
    fit = np.linalg.lstsq(np.column_stack([code, np.ones(n)]), z, rcond=None)[0]
    explained = 1 - np.var(z - np.column_stack([code, np.ones(n)]) @ fit) / np.var(z)
    assert explained > 0.8
    # an untrained code (the initial weights) holds little of it
    start = mm.infonce(x, a, 2, epochs=0)[0](x)
    fit0 = np.linalg.lstsq(np.column_stack([start, np.ones(n)]), z, rcond=None)[0]
    assert 1 - np.var(z - np.column_stack([start, np.ones(n)]) @ fit0) / np.var(z) < 0.5
