"""Synthesise the spoken-digit corpus of the multimodal chapter with the espeak-ng formant
synthesiser, offline, and write it as one file that ``infomorphic_core.audio`` reads.

    python tools/spoken_digits.py --out FOLDER        # FOLDER/spoken-digits-<key>.npz

espeak-ng is GPL-3.0 (the ``espeakng-loader`` wheel bundles its library and voice data and
declares no licence of its own). It is therefore only ever run by this script, as a separate
program whose output, the corpus, the package reads; ``infomorphic_core`` never imports it.
The project's set-up (``make corpus``, part of ``make setup``) installs the wheel and runs this.

A speaker is an English accent with a voice variant; each says each digit at every rate and
pitch of the settings. espeak-ng's waveforms depend on the order of the calls within a process
(its pitch flutter keeps its phase from one utterance to the next) and, for the voices with a
breath noise, on its random generator, seeded from the clock at start-up: the corpus is
synthesised in one fixed order in a fresh process, with the generator (``espeak_ng_SetRandSeed``,
and libc's ``srand``) seeded by the utterance's index before each, so two runs give
bit-identical waveforms, which the manifest's SHA-256 of each waveform records. Waveforms are
resampled to 8 kHz, their leading and trailing silence cut, and placed at the start of a
fixed-length window (zero-padded, or cut).
"""

from __future__ import annotations

import argparse
import ctypes
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

VERSION = 1  # of this corpus format and recipe: part of the file's key
ACCENTS = ("en", "en-029", "en-GB-scotland", "en-GB-x-gbclan", "en-GB-x-gbcwmd", "en-GB-x-rp", "en-US",
           "en-US-nyc")
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
SETTINGS = {
    "n_speakers": 100,
    "n_heldout": 30,  # speakers whose utterances only the test uses
    "rates": (140, 170, 200),  # words per minute
    "pitches": (35, 50, 65),  # espeak-ng's pitch parameter, 0-99
    "sample_rate": 8000,
    "seconds": 0.6,
    "silence": 0.02,  # amplitude (of full scale) below which leading and trailing samples are cut
    "seed": 0,  # picks the speakers and the held-out ones
}
SYNTH_RATE = 22050  # espeak-ng's native rate
AUDIO_OUTPUT_SYNCHRONOUS, ESPEAK_RATE, ESPEAK_PITCH = 2, 1, 3


def key(settings: dict, espeak_version: str) -> str:
    text = json.dumps({"version": VERSION, "espeak": espeak_version, **settings}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Synthesiser:
    """espeak-ng through its C interface, one utterance at a time, into int16 samples."""

    def __init__(self):
        try:
            import espeakng_loader
        except ImportError:
            sys.exit("error: the espeak-ng synthesiser is not installed (`make corpus` installs "
                     "espeakng-loader into the project's environment)")
        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self.libc = ctypes.CDLL(None)  # the process's C library: the one espeak-ng calls rand() from
        self.data = espeakng_loader.get_data_path()
        rate = self.lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, self.data.encode(), 0)
        if rate != SYNTH_RATE:
            sys.exit(f"error: espeak-ng started at {rate} Hz, expected {SYNTH_RATE}")
        self.lib.espeak_Info.restype = ctypes.c_char_p
        self.version = self.lib.espeak_Info(None).decode()
        self.chunks: list[np.ndarray] = []
        callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)

        def collect(wav, n, _events):
            if n > 0:
                self.chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
            return 0

        self._callback = callback(collect)  # kept: the library holds the pointer
        self.lib.espeak_SetSynthCallback(self._callback)

    def variants(self) -> list[str]:
        return sorted(p.name for p in (Path(self.data) / "voices" / "!v").iterdir() if p.is_file())

    def say(self, text: str, voice: str, rate: int, pitch: int, seed: int) -> np.ndarray:
        self.chunks.clear()
        self.lib.espeak_ng_SetRandSeed(ctypes.c_long(seed))
        self.libc.srand(seed)
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise RuntimeError(f"espeak-ng has no voice {voice!r}")
        self.lib.espeak_SetParameter(ESPEAK_RATE, rate, 0)
        self.lib.espeak_SetParameter(ESPEAK_PITCH, pitch, 0)
        data = text.encode()
        self.lib.espeak_Synth(data, len(data) + 1, 0, 0, 0, 0, None, None)
        return np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.int16)


def speakers(variants: list[str], settings: dict) -> list[str]:
    """``n_speakers`` voices "accent+variant", drawn without repetition by the settings' seed."""
    pairs = [f"{accent}+{variant}" for accent in ACCENTS for variant in variants]
    order = np.random.default_rng(settings["seed"]).permutation(len(pairs))
    return [pairs[i] for i in order[:settings["n_speakers"]]]


def window(wave: np.ndarray, settings: dict) -> np.ndarray:
    """Resampled to the corpus rate, silence cut at both ends, in a window of fixed length."""
    from scipy.signal import resample_poly

    rate = settings["sample_rate"]
    g = np.gcd(rate, SYNTH_RATE)
    x = resample_poly(wave.astype(np.float64), rate // g, SYNTH_RATE // g)
    loud = np.flatnonzero(np.abs(x) > settings["silence"] * 32768)
    x = x[loud[0]:loud[-1] + 1] if loud.size else x[:0]
    out = np.zeros(round(settings["seconds"] * rate))
    out[:min(out.size, x.size)] = x[:out.size]
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


def synthesise(synth: Synthesiser, settings: dict) -> tuple[dict, dict]:
    """(arrays, manifest) of the whole corpus, in its fixed order."""
    voices = speakers(synth.variants(), settings)
    heldout = set(np.random.default_rng(settings["seed"] + 1).permutation(len(voices))[:settings["n_heldout"]])
    waves, rows = [], []
    for s, voice in enumerate(voices):
        for rate in settings["rates"]:
            for pitch in settings["pitches"]:
                for digit, word in enumerate(DIGITS):
                    waves.append(window(synth.say(word, voice, rate, pitch, len(waves)), settings))
                    rows.append((digit, s, rate, pitch, s in heldout))
    waves = np.stack(waves)
    digit, speaker, rate, pitch, held = (np.array(c) for c in zip(*rows))
    arrays = {"waves": waves, "digit": digit.astype(np.int8), "speaker": speaker.astype(np.int16),
              "rate": rate.astype(np.int16), "pitch": pitch.astype(np.int16), "heldout": held}
    manifest = {"version": VERSION, "espeak": synth.version, "settings": settings, "voices": voices,
                "sha256": [hashlib.sha256(w.tobytes()).hexdigest() for w in waves]}
    return arrays, manifest


def write(folder: Path, settings: dict = SETTINGS) -> Path:
    """Synthesise the corpus into ``folder`` unless it is there already (written atomically)."""
    synth = Synthesiser()
    path = folder / f"spoken-digits-{key(settings, synth.version)}.npz"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    arrays, manifest = synthesise(synth, settings)
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".npz", delete=False) as tmp:
        np.savez_compressed(tmp, manifest=np.array(json.dumps(manifest)), **arrays)
    os.chmod(tmp.name, 0o644)
    os.replace(tmp.name, path)
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="folder of the corpus file")
    parser.add_argument("--speakers", type=int, default=SETTINGS["n_speakers"], help="speakers in all")
    parser.add_argument("--heldout", type=int, default=SETTINGS["n_heldout"], help="speakers held out")
    args = parser.parse_args(argv)
    if not 0 < args.heldout < args.speakers:
        parser.error("--heldout must be at least 1 and fewer than --speakers")
    print(write(Path(args.out), SETTINGS | {"n_speakers": args.speakers, "n_heldout": args.heldout}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
