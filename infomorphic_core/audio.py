"""The spoken-digit corpus of the multimodal chapter, read from the file that
``tools/spoken_digits.py`` synthesises (``make corpus``, part of the set-up), and its features.

The corpus holds int16 waveforms at 8 kHz in windows of 0.6 s, with each utterance's digit,
speaker, rate, pitch and whether its speaker is held out (speaker-disjoint test). This module
never runs the synthesiser (a GPL program, kept a separate generator): it reads its output.

Features: white Gaussian noise at ``snr_db`` (relative to the power of the utterance's own
samples, seeded per utterance), then log-mel energies: Hann windows of 50 ms every 25 ms
(``n_frames`` frames), ``n_mels`` triangular mel bands from 0 Hz to half the sample rate,
log(energy + 1e-6) in units of full scale.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .checks import ConfigError

ENV_CORPUS_DIR = "INFOMORPHIC_CORPUS_DIR"


def corpus_dir() -> Path:
    """``$INFOMORPHIC_CORPUS_DIR``, else ``~/.local/share/infomorphic-companion/spoken-digits``
    (data, not cache: the results cache may be emptied without losing it)."""
    return Path(os.environ.get(ENV_CORPUS_DIR) or Path.home() / ".local" / "share" / "infomorphic-companion"
                / "spoken-digits")


@dataclass(frozen=True)
class Corpus:
    waves: np.ndarray  # [utterances, samples] int16
    digit: np.ndarray
    speaker: np.ndarray
    rate: np.ndarray
    pitch: np.ndarray
    heldout: np.ndarray  # bool: the speaker is held out for testing
    manifest: dict  # settings, synthesiser version, voices, SHA-256 of each waveform
    path: Path

    @property
    def sample_rate(self) -> int:
        return int(self.manifest["settings"]["sample_rate"])


def load_corpus(folder=None) -> Corpus:
    """The corpus in ``folder`` (default :func:`corpus_dir`); a one-line error naming the
    command that synthesises it when there is none, or several to choose from."""
    folder = Path(folder) if folder else corpus_dir()
    found = sorted(folder.glob("spoken-digits-*.npz"))
    if not found:
        raise ConfigError(f"no spoken-digit corpus in {folder}: synthesise it with `make corpus` "
                          f"(or set {ENV_CORPUS_DIR} to the folder that holds one)")
    if len(found) > 1:
        raise ConfigError(f"{len(found)} spoken-digit corpora in {folder}: keep one ({', '.join(p.name for p in found)})")
    with np.load(found[0]) as f:
        arrays = {k: f[k] for k in f.files}
    manifest = json.loads(str(arrays.pop("manifest")))
    return Corpus(**arrays, manifest=manifest, path=found[0])


def mel_filters(n_mels: int, n_fft: int, sample_rate: int) -> np.ndarray:
    """[n_mels, n_fft // 2 + 1] triangular filters equally spaced on the mel scale from 0 Hz to
    the Nyquist frequency, each peaking at 1."""
    def mel(f):
        return 2595 * np.log10(1 + f / 700)

    edges = 700 * (10 ** (np.linspace(0, mel(sample_rate / 2), n_mels + 2) / 2595) - 1)
    freqs = np.linspace(0, sample_rate / 2, n_fft // 2 + 1)
    low, centre, high = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    return np.clip(np.minimum((freqs - low) / (centre - low), (high - freqs) / (high - centre)), 0, None)


def add_noise(waves: np.ndarray, snr_db: float | None, seed: int) -> np.ndarray:
    """``waves`` as floats in units of full scale, with white Gaussian noise whose power is the
    utterance's own power (over its non-zero samples) divided by 10^(snr_db / 10); None: clean.
    Row i's noise is drawn from (seed, i): :func:`features` passes the whole corpus, so an
    utterance's noise is the same in every call with the same seed."""
    x = waves.astype(np.float64) / 32768
    if snr_db is None:
        return x
    speech = x != 0
    power = (x ** 2).sum(-1) / np.maximum(speech.sum(-1), 1)
    scale = np.sqrt(power / 10 ** (snr_db / 10))
    noise = np.stack([np.random.default_rng([seed, i]).standard_normal(x.shape[-1]) for i in range(len(x))])
    return x + scale[:, None] * noise


def log_mel(x: np.ndarray, sample_rate: int, n_mels: int = 32, n_frames: int = 24) -> np.ndarray:
    """[utterances, n_mels, n_frames] log-mel energies of ``x`` [utterances, samples]."""
    hop = x.shape[-1] // n_frames
    width = 2 * hop
    n_fft = 1 << (width - 1).bit_length()
    padded = np.pad(x, ((0, 0), (0, width)))
    starts = np.arange(n_frames) * hop
    frames = np.stack([padded[:, s:s + width] for s in starts], 1) * np.hanning(width)
    power = np.abs(np.fft.rfft(frames, n_fft)) ** 2
    return np.log(power @ mel_filters(n_mels, n_fft, sample_rate).T + 1e-6).transpose(0, 2, 1)


def features(corpus: Corpus, snr_db: float | None = None, seed: int = 0, n_mels: int = 32,
             n_frames: int = 24) -> np.ndarray:
    """[utterances, n_mels · n_frames] log-mel features of every utterance at ``snr_db``."""
    mels = log_mel(add_noise(corpus.waves, snr_db, seed), corpus.sample_rate, n_mels, n_frames)
    return mels.reshape(len(mels), -1).astype(np.float32)
