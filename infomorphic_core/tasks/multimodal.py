"""Multimodal redundancy: three-source neurons whose feedforward input is an MNIST image and
whose context is a spoken digit (:mod:`infomorphic_core.audio`) learn an image code without
labels; the code is read on the image alone and measured by a linear probe.

The neuron is chapter 07's hidden neuron (:class:`~infomorphic_core.three_source.ThreeSourceLayer`
with its published activation, bins, two lateral steps and Adam settings; F the standardised
pixels, C the standardised log-mel features of the paired utterance, L the other neurons'
outputs), trained on (image, utterance) pairs by its goal (``goals``, names of :data:`GOALS`),
without a readout and without labels. ``"redundancy, two sources"`` drops the lateral input (the
two-source neuron with the published bivariate activation and adaptive bins).

Pairs (:func:`~infomorphic_core.multimodal.pair`, one draw per ``seed`` shared by the runs):
every training image with an utterance of the training speakers, paired by ``"class"`` (same
digit) or ``"shuffled"`` (any digit: the control). Each network is trained on both; the
cross-modal gain is the matched network's probe accuracy minus the shuffled one's, per run.
Runs differ in the initial weights, the minibatch order and the samples.

The code: θ of the second lateral step with the audio input 0 (context drive = its bias), on
the training and the test images. The probe: logistic regression from the code to the digit,
fitted on the training images' codes, scored on the test images'. Baselines on the same pairs,
the same code size N and the same probe: canonical correlation analysis (its ridge chosen on a
validation split of the training pairs, among ``ridges``), a linear two-tower InfoNCE encoder,
principal components, the untrained network, and the pixels themselves (a supervised reference:
logistic regression on the 784 pixels).

Also measured: the mean |correlation| between the code's units on the test images (a collapse
onto one digit partition shows as a high value); cross-modal retrieval (each test image's
nearest held-out-speaker utterance among ``retrieval`` candidates per digit, by the correlation
of the image's and the utterance's N-dimensional maps: the drives f and c of the network, the
canonical variates of CCA); the instance experiment (networks and CCA trained on the
``"instance"`` pairing, where the speaking rate follows the image's ink within its digit,
against the same trained on ``"class"`` pairs: the largest |correlation| of one unit of the code
with the test image's ink relative to its digit's mean); and the sx-PID of the data set itself
(:func:`dataset_pid`): the label as target, ``pid_clusters`` k-means clusters of each modality
as sources, at each SNR of ``pid_snrs``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
import torch

from .. import audio, multimodal, parallel, rng
from ..cache import cached
from ..checks import ConfigError, number, one_of
from ..data import SOURCES, load_mnist, resolve_source
from ..goals import Goal
from ..io import default_dir
from ..pid import sx_pid
from ..three_source import ThreeSourceLayer, closed_form_gradient
from .trivariate import GOALS as THREE_SOURCE_GOALS
from .trivariate import Config as ThreeSourceSettings
from .trivariate import hidden_pass
from .common import TaskConfig, cached_run, require_positive_ints

GOALS = {
    "redundancy": {"{F}{C}": 1.0},  # the published heuristic of chapter 07, image and sound shared
    "optimised": THREE_SOURCE_GOALS["optimised"],  # chapter 07's optimised goal, label replaced by sound
    "redundancy, two sources": None,  # without lateral input; its goal is the config's gamma
}
# the bivariate atoms of gamma (R: the image, C: the sound) as the two-source lattice's keys
TWO_SOURCE_KEYS = {"red": "{F}{C}", "unq_R": "{F}", "unq_C": "{C}", "syn": "{FC}", "res": "res"}
SOURCES_OF = {"redundancy, two sources": ("F", "C")}
N_FEATURES = 32 * 24  # log-mel bands × frames of :func:`~infomorphic_core.audio.features`
BASELINES = ("CCA", "InfoNCE", "PCA", "untrained", "pixels")
PROFILES = {
    "quick": {"n_runs": 3, "epochs": 15, "sizes": (20,), "source": "subset"},
    # 60k pairs: 10 epochs are 2,340 steps of 256 pairs, ten times the quick profile's
    "paper": {"n_runs": 5, "epochs": 10, "sizes": (20, 100), "source": "auto"},
}
METRICS = ("probe_median.*", "gain_median.*", "gain_range.*", "correlation_median.*", "retrieval_median.*",
           "instance.*", "audio_probe.*", "dataset", "n_seeds", "epochs", "snr_db")


@dataclass(frozen=True)
class Config(TaskConfig):
    """Pairs, networks and baselines of the chapter (see the module's docstring)."""

    PROFILES: ClassVar[dict] = PROFILES

    gamma: tuple | str = "only red"  # the two-source network's goal (bivariate: R the image, C the sound)
    epochs: int | None = None
    sizes: tuple | None = None  # code sizes N
    source: str | None = None  # of MNIST: auto | full | folder | subset
    mnist_dir: str | None = None
    n_pairs: int | None = None  # training images used (None: all)
    snr_db: float | None = 0.0  # white noise on the utterances (None: clean)
    goals: tuple = ("redundancy", "optimised", "redundancy, two sources")
    minibatch: int = 256
    hidden_lr: float = 2e-3
    hidden_weight_decay: float = 3.5e-4
    ridges: tuple = (1e-3, 1e-2, 0.1, 1.0, 10.0, 100.0)
    validation_fraction: float = 0.2  # of the training pairs, to choose CCA's ridge
    retrieval: int = 30  # candidate utterances per digit, from the held-out speakers
    instance: bool = True
    pid_snrs: tuple = ("clean", 0.0, -6.0)
    pid_clusters: int = 10

    def check(self):
        one_of("source", self.source, SOURCES)
        require_positive_ints(self, "n_runs", "epochs", "minibatch", "retrieval", "pid_clusters")
        if not self.sizes:
            raise ConfigError("sizes must name at least one code size")
        for n in self.sizes:
            if not isinstance(n, int) or isinstance(n, bool) or n < 2:
                raise ConfigError(f"sizes must be integers of at least 2, got {n!r}")
        for goal in self.goals:
            one_of("goals", goal, tuple(GOALS))
        if self.n_pairs is not None and self.n_pairs < self.minibatch:
            raise ConfigError(f"n_pairs must be at least the minibatch ({self.minibatch}), got {self.n_pairs}")
        for snr in (self.snr_db, *(None if s == "clean" else s for s in self.pid_snrs)):
            if snr is not None:
                number("snr_db", snr, -math.inf, math.inf)
        for ridge in self.ridges:
            number("ridges", ridge, 0, math.inf, open_low=True)
        number("validation_fraction", self.validation_fraction, 0, 1, open_low=True, open_high=True)
        number("hidden_lr", self.hidden_lr, 0, math.inf, open_low=True)
        number("hidden_weight_decay", self.hidden_weight_decay, 0, math.inf)

    def layer_settings(self) -> ThreeSourceSettings:
        """Chapter 07's hidden-layer settings, with this config's runs and seed."""
        return ThreeSourceSettings(profile="quick", n_runs=self.n_runs, seed=self.seed)

    def layer_config(self, n: int | None = None, goal: str = "redundancy", n_context: int = N_FEATURES):
        """The layer of ``n`` neurons (default: the first size) that ``goal`` trains."""
        sources = SOURCES_OF.get(goal, ("F", "C", "L"))
        return self.layer_settings().layer_config(n or self.sizes[0], sources, 784, 0, n_context)

    def estimated_bytes(self) -> int:
        n_images, n = self.n_pairs or 70_000, max(self.sizes)
        pairs = n_images * (784 + 2 * N_FEATURES) * 4 * 2  # images and paired features, standardised copies
        codes = self.n_runs * n_images * n * 8 * 3  # θ of the training and test images, maps
        step = self.n_runs * self.minibatch * (784 + N_FEATURES + n * 60) * 4
        return int(pairs + codes + step)

    def train_config(self):
        return None  # Adam on the layer's closed-form gradient (see ``train_network``)


@dataclass
class Pairs:
    """Standardised images and utterance features: the training pairs (``a`` paired by each
    pairing), the test images with their held-out-speaker utterances (class pairing)."""

    x: np.ndarray
    y: np.ndarray
    ink: np.ndarray
    a: dict  # pairing -> [n_train, features]
    x_test: np.ndarray
    y_test: np.ndarray
    ink_test: np.ndarray
    candidates: np.ndarray  # retrieval candidates' features [n, features] and their digits
    candidate_digits: np.ndarray


def corpus_features(snr_db, seed: int, cache_dir=None) -> np.ndarray:
    """The corpus's log-mel features at ``snr_db`` (None: clean), cached on disk by the
    corpus's waveforms (their SHA-256) and the settings."""
    corpus = _corpus(audio.corpus_dir())
    waves = hashlib.sha256(json.dumps(corpus.manifest["sha256"], sort_keys=True).encode()).hexdigest()
    key = {"task": "audio_features", "corpus": corpus.manifest["version"], "waves": waves,
           "snr_db": snr_db, "seed": seed}
    return cached(key, lambda: audio.features(corpus, snr_db, seed), cache_dir)


@functools.lru_cache(maxsize=1)
def _mnist(source: str, folder):
    return load_mnist(source, folder=folder)  # once per process: the subset takes seconds to parse


@functools.lru_cache(maxsize=1)
def _corpus(folder):
    return audio.load_corpus(folder)


def load_pairs(config: Config, source: str, pairings, cache_dir=None) -> Pairs:
    data = _mnist(source, config.mnist_dir)
    corpus = _corpus(audio.corpus_dir())
    features = corpus_features(config.snr_db, config.seed, cache_dir)
    chosen = np.arange(len(data.x_train))
    if config.n_pairs is not None and config.n_pairs < len(chosen):  # a seeded draw: files sort by digit
        chosen = np.sort(np.random.default_rng([config.seed, 29]).permutation(len(chosen))[:config.n_pairs])
    x, y = data.x_train[chosen], data.y_train[chosen]
    ink, ink_test = x.sum(1), data.x_test.sum(1)
    train_speakers = ~corpus.heldout
    mean, std = features[train_speakers].mean(0), features[train_speakers].std(0) + 1e-6
    feats = ((features - mean) / std).astype(np.float32)
    a = {p: feats[multimodal.pair(y, corpus, False, p, config.seed, ink)] for p in pairings}
    pixel_mean, pixel_std = x.mean(), x.std()
    g = np.random.default_rng([config.seed, 17])
    chosen = []
    for d in range(10):  # ``retrieval`` utterances per digit from the held-out speakers
        pool = np.flatnonzero(corpus.heldout & (corpus.digit == d))
        chosen.append(g.choice(pool, size=min(config.retrieval, len(pool)), replace=False))
    chosen = np.concatenate(chosen)
    return Pairs((x - pixel_mean) / pixel_std, y, ink, a, (data.x_test - pixel_mean) / pixel_std,
                 data.y_test, ink_test, feats[chosen], corpus.digit[chosen])


def goal_weights(config: Config, goal: str) -> dict:
    """The weights of ``goal`` by the atom keys of its network's lattice."""
    if GOALS[goal] is not None:
        return GOALS[goal]
    bivariate = dict(zip(Goal.from_any(config.gamma).vocabulary.keys, config.gamma))
    return {TWO_SOURCE_KEYS[key]: w for key, w in bivariate.items()}


def make_layer(config: Config, goal: str, n: int, n_context: int) -> ThreeSourceLayer:
    return ThreeSourceLayer(config.layer_config(n, goal, n_context))


def train_network(config: Config, pairs: Pairs, goal: str, pairing: str, n: int) -> ThreeSourceLayer:
    """Train one layer of N neurons per run on the pairs of ``pairing`` by ``goal``."""
    settings = config.layer_settings()
    x, a = torch.from_numpy(pairs.x), torch.from_numpy(pairs.a[pairing])
    layer = make_layer(config, goal, n, a.shape[1])
    weights = Goal.of(layer.config.vocabulary, **goal_weights(config, goal))
    optimizer = torch.optim.Adam(layer.parameters(), lr=config.hidden_lr, weight_decay=config.hidden_weight_decay)
    per_epoch = len(x) // config.minibatch
    for epoch in range(1, config.epochs + 1):
        order = rng.per_run(lambda g: torch.randperm(len(x), generator=g), config.seed, config.n_runs,
                            "order", epoch)
        for b in range(per_epoch):
            idx = order[:, b * config.minibatch:(b + 1) * config.minibatch]
            xb, ab = x[idx], a[idx]
            f, c, l, _, _, previous = hidden_pass(layer, xb, ab, settings, "train", epoch, b)
            optimizer.zero_grad()
            for name, grad in closed_form_gradient(layer, xb, ab, previous, weights, drives=(f, c, l)).items():
                getattr(layer, name).grad = -grad
            optimizer.step()
            layer.apply_mask()
    return layer


@torch.no_grad()
def code(config: Config, layer: ThreeSourceLayer, images: np.ndarray, *key) -> np.ndarray:
    """θ [runs, images, N] of the second lateral step on the images alone (audio input 0)."""
    settings, out = config.layer_settings(), []
    for i, start in enumerate(range(0, len(images), 1024)):
        x = torch.from_numpy(images[start:start + 1024]).expand(config.n_runs, -1, -1)
        zeros = torch.zeros(*x.shape[:2], layer.config.n_context)
        out.append(hidden_pass(layer, x, zeros, settings, "code", *key, i)[3])
    return torch.cat(out, 1).double().numpy()


def mean_abs_correlation(z: np.ndarray) -> float:
    """The mean |Pearson correlation| between distinct units of a code [samples, N] (constant
    units left out)."""
    z = np.asarray(z, dtype=np.float64)
    z = z[:, z.std(0) > 1e-9]
    c = np.corrcoef(z.T)
    return float(np.abs(c[~np.eye(len(c), dtype=bool)]).mean()) if len(c) > 1 else math.nan


def retrieval(image_maps: np.ndarray, audio_maps: np.ndarray, image_digits, audio_digits) -> float:
    """Fraction of images whose most correlated utterance (over the maps' N numbers) says their
    digit."""
    def rows(z):
        z = z - z.mean(1, keepdims=True)
        return z / (np.linalg.norm(z, axis=1, keepdims=True) + 1e-12)

    best = (rows(image_maps) @ rows(audio_maps).T).argmax(1)
    return float((audio_digits[best] == image_digits).mean())


def ink_correlation(z: np.ndarray, ink: np.ndarray, digits: np.ndarray) -> float:
    """The largest |correlation| of one unit of the code z [samples, N] with the ink relative to
    its digit's mean ink."""
    relative = ink - np.array([ink[digits == d].mean() for d in range(10)])[digits]
    z = z[:, z.std(0) > 1e-9]
    zc, rc = z - z.mean(0), relative - relative.mean()
    r = zc.T @ rc / (np.linalg.norm(zc, axis=0) * np.linalg.norm(rc))
    return float(np.abs(r).max())


def _maps(layer: ThreeSourceLayer, pairs: Pairs) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The test images' and the retrieval candidates' maps W_F·x and W_C·a [runs, samples, N]."""
    with torch.no_grad():
        f = torch.from_numpy(pairs.x_test) @ layer.w_feedforward.mT
        c = None if layer.w_context is None else torch.from_numpy(pairs.candidates) @ layer.w_context.mT
    return f, c


def _rows(pairs: Pairs, name: str, pairing: str, n: int, train, test, maps=None) -> list[dict]:
    """One row per run of a code's measures: codes [runs, images, N] of the training and the
    test images, the retrieval maps (image, utterance) per run or ``None``."""
    rows = []
    for run in range(len(train)):
        found = math.nan if maps is None else retrieval(np.asarray(maps[0][run]), np.asarray(maps[1][run]),
                                                        pairs.y_test, pairs.candidate_digits)
        rows.append({"network": name, "pairing": pairing, "n": n, "run": run,
                     "probe": multimodal.probe(train[run], pairs.y, test[run], pairs.y_test),
                     "correlation": math.nan if name == "pixels" else mean_abs_correlation(test[run]),
                     "retrieval": found,
                     "ink": ink_correlation(test[run], pairs.ink_test, pairs.y_test)})
    return rows


def network_rows(config: Config, pairs: Pairs, goal: str, pairing: str, n: int) -> list[dict]:
    """Train one network per run and measure its code; ``goal`` ``"untrained"``: the network
    as drawn."""
    if goal == "untrained":
        layer = make_layer(config, "redundancy", n, pairs.candidates.shape[1])
    else:
        layer = train_network(config, pairs, goal, pairing, n)
    f, c = _maps(layer, pairs)
    return _rows(pairs, goal, pairing, n, code(config, layer, pairs.x), code(config, layer, pairs.x_test),
                 None if c is None else (f.numpy(), c.numpy()))


def choose_ridge(config: Config, pairs: Pairs, pairing: str, n: int) -> float:
    """CCA's ridge with the best probe accuracy on a validation split of the training pairs."""
    order = np.random.default_rng([config.seed, 23]).permutation(len(pairs.x))
    cut = round(config.validation_fraction * len(order))
    fit, held = order[cut:], order[:cut]
    a = pairs.a[pairing]
    scores = []
    for image_map, _ in multimodal.cca_ridges(pairs.x[fit], a[fit], n, config.ridges):
        scores.append(multimodal.probe(image_map(pairs.x[fit]), pairs.y[fit], image_map(pairs.x[held]),
                                       pairs.y[held]))
    return float(config.ridges[int(np.argmax(scores))])


def baseline_rows(config: Config, pairs: Pairs, name: str, pairing: str, n: int) -> list[dict]:
    """The rows of a baseline (deterministic: one row, run 0; InfoNCE one per run)."""
    ridge = math.nan
    if name == "CCA":
        ridge = choose_ridge(config, pairs, pairing, n)
        image_map, audio_map = multimodal.cca(pairs.x, pairs.a[pairing], n, ridge)
        maps = [(image_map(pairs.x_test)[None], audio_map(pairs.candidates)[None])]
        codes = [(image_map(pairs.x), image_map(pairs.x_test))]
    elif name == "InfoNCE":
        trained = [multimodal.infonce(pairs.x, pairs.a[pairing], n, seed=config.seed + run)
                   for run in range(config.n_runs)]
        maps = [(i(pairs.x_test)[None], a(pairs.candidates)[None]) for i, a in trained]
        codes = [(i(pairs.x), i(pairs.x_test)) for i, _ in trained]
    elif name == "PCA":
        image_map = multimodal.pca(pairs.x, n)
        maps, codes = [None], [(image_map(pairs.x), image_map(pairs.x_test))]
    else:  # pixels
        maps, codes = [None], [(pairs.x, pairs.x_test)]
    rows = []
    for run, ((train, test), m) in enumerate(zip(codes, maps)):
        for row in _rows(pairs, name, pairing, n, train[None], test[None], m):
            rows.append(row | {"run": run, "ridge": ridge})
    return rows


def dataset_pid(config: Config, source: str, cache_dir=None) -> pd.DataFrame:
    """The sx-PID (bits) of the label T with ``pid_clusters`` k-means clusters of the images (S1)
    and of their class-paired utterances (S2) as sources, over the training pairs, at each SNR
    of ``pid_snrs``; with I(T:S1), I(T:S2), I(T:S1,S2) and H(T), and the probe accuracy of
    the audio alone (fitted on the training speakers' utterances, scored on the held-out
    speakers')."""
    from sklearn.cluster import KMeans

    rows, s1, k = [], None, config.pid_clusters
    for snr in config.pid_snrs:
        level = None if snr == "clean" else float(snr)
        pairs = load_pairs(config.replace(snr_db=level), source, ("class",), cache_dir)
        if s1 is None:  # the images are the same at every noise level
            s1 = KMeans(k, n_init=4, random_state=config.seed).fit_predict(pairs.x)
        s2 = KMeans(k, n_init=4, random_state=config.seed).fit_predict(pairs.a["class"])
        counts = np.zeros((k, k, 10))
        np.add.at(counts, (s1, s2, pairs.y), 1)
        atoms = sx_pid(torch.from_numpy(counts / counts.sum()))
        corpus, features = _corpus(audio.corpus_dir()), corpus_features(level, config.seed, cache_dir)
        train, test = ~corpus.heldout, corpus.heldout
        heard = multimodal.probe(features[train], corpus.digit[train], features[test], corpus.digit[test])
        mi = atoms.red + atoms.unq_R + atoms.unq_C + atoms.syn
        rows.append({"snr_db": snr, "red": float(atoms.red), "unq_image": float(atoms.unq_R),
                     "unq_audio": float(atoms.unq_C), "syn": float(atoms.syn),
                     "i_image": float(atoms.red + atoms.unq_R), "i_audio": float(atoms.red + atoms.unq_C),
                     "i_both": float(mi), "h_label": float(mi + atoms.res), "audio_probe": heard})
    return pd.DataFrame(rows)


@dataclass
class Table:
    table: pd.DataFrame


@dataclass
class Result:
    config: Config
    metrics: dict
    codes: pd.DataFrame  # network, pairing, n, run, probe, correlation, retrieval, ink, ridge
    dataset: pd.DataFrame  # the data set's PID per SNR (dataset_pid)


def _unit(config: Config, source: str, name: str, pairing: str, n: int, use_cache: bool, cache_dir):
    """One network (or baseline) at one size and pairing, cached on its own."""
    def compute(c, _):
        pairs = load_pairs(c, source, (pairing,), cache_dir)
        rows = (network_rows(c, pairs, name, pairing, n) if name in GOALS or name == "untrained"
                else baseline_rows(c, pairs, name, pairing, n))
        return Table(pd.DataFrame(rows))

    alone = config.replace(sizes=(n,), goals=(), instance=False, pid_snrs=())
    return cached_run("multimodal_code", alone, compute, use_cache, cache_dir, data=source, network=name,
                      pairing=pairing).table


def _jobs(config: Config) -> list[tuple[str, str, int]]:
    jobs = []
    for n in config.sizes:
        jobs += [(goal, pairing, n) for goal in config.goals for pairing in ("class", "shuffled")]
        jobs += [("untrained", "class", n), ("CCA", "class", n), ("CCA", "shuffled", n), ("InfoNCE", "class", n),
                 ("PCA", "class", n)]
        if config.instance:
            jobs += [(name, "instance", n) for name in (config.goals[:1] or ()) + ("CCA",)]
    return jobs + [("pixels", "class", 784)]


def _run(config: Config, source: str, use_cache: bool, cache_dir, workers: int = 0, scheduler=None) -> Result:
    jobs = _jobs(config)
    shared = cache_dir or default_dir()
    parallel.cache_on_workers(_unit, [(config, source, *job, True, shared) for job in jobs], workers, scheduler,
                              shared)
    codes = pd.concat([_unit(config, source, *job, use_cache, cache_dir) for job in jobs], ignore_index=True)
    dataset = cached_run("multimodal_dataset_pid", config.replace(sizes=(2,), goals=(), instance=False),
                         lambda c, _: Table(dataset_pid(c, source, cache_dir)), use_cache, cache_dir,
                         data=source).table
    metrics = summarise(config, codes, source)
    metrics["audio_probe"] = {str(row.snr_db): float(row.audio_probe) for row in dataset.itertuples()}
    return Result(config, metrics, codes, dataset)


def _median(codes: pd.DataFrame, name: str, pairing: str, n: int, column: str = "probe") -> float:
    values = codes[(codes.network == name) & (codes.pairing == pairing) & (codes.n == n)][column]
    return float(values.median()) if len(values) else math.nan


def gains(codes: pd.DataFrame, name: str, n: int) -> np.ndarray:
    """Matched minus shuffled probe accuracy per run."""
    def by_run(pairing):
        rows = codes[(codes.network == name) & (codes.pairing == pairing) & (codes.n == n)]
        return rows.set_index("run").probe

    return (by_run("class") - by_run("shuffled")).dropna().to_numpy()


def summarise(config: Config, codes: pd.DataFrame, source: str) -> dict:
    probe, gain, spread, corr, found, instance = {}, {}, {}, {}, {}, {}
    for n in config.sizes:
        for name in (*config.goals, "CCA"):
            g = gains(codes, name, n)
            gain[f"{name} N={n}"] = float(np.median(g))
            spread[f"{name} N={n}"] = [float(g.min()), float(g.max())]
        for name in (*config.goals, "untrained", "CCA", "InfoNCE", "PCA"):
            for pairing in ("class", "shuffled"):
                value = _median(codes, name, pairing, n)
                if not math.isnan(value):
                    label = name if pairing == "class" else f"{name}, shuffled"
                    probe[f"{label} N={n}"] = value
            corr[f"{name} N={n}"] = _median(codes, name, "class", n, "correlation")
            value = _median(codes, name, "class", n, "retrieval")
            if not math.isnan(value):
                found[f"{name} N={n}"] = value
        if config.instance:
            for name in (config.goals[:1] or ()) + ("CCA",):
                instance[f"{name} N={n}"] = {p: _median(codes, name, p, n, "ink") for p in ("instance", "class")}
    probe["pixels"] = _median(codes, "pixels", "class", 784)
    return {"probe_median": probe, "gain_median": gain, "gain_range": spread, "correlation_median": corr,
            "retrieval_median": found, "instance": instance, "dataset": source, "n_seeds": config.n_runs,
            "epochs": config.epochs, "snr_db": config.snr_db}


def per_run(result: Result) -> pd.DataFrame:
    """One row per run: the probe accuracy of each trained network at the first size, matched
    and shuffled."""
    c = result.codes
    c = c[c.network.isin(result.config.goals) & (c.n == result.config.sizes[0])]
    table = c.assign(column=c.network + ", " + c.pairing).pivot(index="run", columns="column", values="probe")
    return table.reset_index().rename_axis(columns=None)


def record_tables(result: Result) -> dict[str, pd.DataFrame]:
    return {"codes": result.codes, "dataset": result.dataset}


def run(config: Config | None = None, use_cache: bool = True, cache_dir=None, workers: int = 0,
        scheduler: str | None = None) -> Result:
    """Train every network on matched and shuffled pairs, the baselines, the instance
    experiment and the data set's PID (see the module's docstring); each network cached on its
    own, and trained on ``workers`` local Dask workers (or a ``scheduler``'s) when given.

    Examples
    --------
    >>> result = run(Config(profile="quick", n_runs=1, epochs=1, n_pairs=512, sizes=(4,), snr_db=None,
    ...                     goals=("redundancy",), instance=False, pid_snrs=("clean",), ridges=(0.1,)),
    ...              use_cache=False)
    >>> sorted(set(result.codes.network))
    ['CCA', 'InfoNCE', 'PCA', 'pixels', 'redundancy', 'untrained']
    >>> 0 < result.metrics["probe_median"]["redundancy N=4"] <= 1
    True
    """
    config = config or Config()
    source = resolve_source(config.source, folder=config.mnist_dir)
    if (workers or scheduler) and not use_cache:
        raise ValueError("workers hand their networks back through the disk cache: they need use_cache=True")
    return cached_run("multimodal", config, lambda c, _: _run(c, source, use_cache, cache_dir, workers, scheduler),
                      use_cache, cache_dir, data=source)
