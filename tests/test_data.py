"""MNIST loading: downloads from a loopback HTTP server serving generated IDX fixtures."""

import gzip
import hashlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from infomorphic_core import data


def idx_images(n, seed):
    pixels = np.random.default_rng(seed).integers(0, 256, (n, 28, 28), dtype=np.uint8)
    return (2051).to_bytes(4, "big") + n.to_bytes(4, "big") + (28).to_bytes(4, "big") * 2 + pixels.tobytes()


def idx_labels(n, seed):
    labels = np.random.default_rng(seed).integers(0, 10, n, dtype=np.uint8)
    return (2049).to_bytes(4, "big") + n.to_bytes(4, "big") + labels.tobytes()


def fixtures():
    raw = {
        "train-images-idx3-ubyte.gz": idx_images(30, 1),
        "train-labels-idx1-ubyte.gz": idx_labels(30, 2),
        "t10k-images-idx3-ubyte.gz": idx_images(12, 3),
        "t10k-labels-idx1-ubyte.gz": idx_labels(12, 4),
    }
    return {name: gzip.compress(content, mtime=0) for name, content in raw.items()}, raw


class Server:
    """Serves ``files`` on 127.0.0.1; ``cut`` names files sent truncated with a full length."""

    def __init__(self, files, cut=()):
        self.files, self.cut, self.hits = files, set(cut), []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.rsplit("/", 1)[-1]
                outer.hits.append(name)
                if name not in outer.files:
                    self.send_error(404)
                    return
                body = outer.files[name]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if name in outer.cut else body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/mnist/"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def served(monkeypatch):
    files, raw = fixtures()
    for name, content in files.items():
        monkeypatch.setitem(data.MNIST_FILES, name, hashlib.sha256(content).hexdigest())
    servers = []

    def start(files=files, cut=()):
        server = Server(files, cut)
        servers.append(server)
        return server

    yield start, files, raw
    for server in servers:
        server.close()


def test_good_download_is_verified_cached_and_parsed(served, tmp_path):
    start, files, raw = served
    server = start()
    result = data.load_mnist("full", cache_dir=tmp_path, base_url=server.url)
    assert result.dataset == "mnist"
    assert result.x_train.shape == (30, 784) and result.x_test.shape == (12, 784)
    assert result.x_train.dtype == np.float32 and 0 <= result.x_train.min() and result.x_train.max() <= 1
    expected = np.frombuffer(raw["train-images-idx3-ubyte.gz"], np.uint8, offset=16).reshape(30, 784)
    np.testing.assert_allclose(result.x_train, expected / 255.0, rtol=1e-6)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files)
    hits = len(server.hits)
    data.load_mnist("full", cache_dir=tmp_path, base_url=server.url)
    assert len(server.hits) == hits  # served from the cache


def test_environment_variable_sets_the_mirror(served, tmp_path, monkeypatch):
    start, _, _ = served
    server = start()
    monkeypatch.setenv(data.ENV_MNIST_URL, server.url)
    assert data.load_mnist("full", cache_dir=tmp_path).dataset == "mnist"
    assert server.hits


def test_checksum_mismatch_names_the_file_and_caches_nothing(served, tmp_path):
    start, files, _ = served
    tampered = dict(files)
    tampered["train-labels-idx1-ubyte.gz"] = gzip.compress(idx_labels(30, 99), mtime=0)
    server = start(tampered)
    with pytest.raises(data.DownloadError, match="train-labels-idx1-ubyte.gz.*SHA-256"):
        data.load_mnist("full", cache_dir=tmp_path, base_url=server.url)
    assert "train-labels-idx1-ubyte.gz" not in [p.name for p in tmp_path.iterdir()]
    assert not [p for p in tmp_path.iterdir() if p.name not in files]  # no partial files


def test_truncated_transfer_leaves_nothing_behind(served, tmp_path):
    start, files, _ = served
    server = start(cut={"t10k-images-idx3-ubyte.gz"})
    with pytest.raises((ValueError, data.DownloadError), match="t10k-images-idx3-ubyte.gz"):
        data.load_mnist("full", cache_dir=tmp_path, base_url=server.url)
    assert "t10k-images-idx3-ubyte.gz" not in [p.name for p in tmp_path.iterdir()]
    assert not [p for p in tmp_path.iterdir() if p.name not in files]


def test_truncated_idx_content_is_never_loaded(served, tmp_path, monkeypatch):
    start, files, raw = served
    short = dict(files)
    short["t10k-images-idx3-ubyte.gz"] = gzip.compress(raw["t10k-images-idx3-ubyte.gz"][:-100], mtime=0)
    monkeypatch.setitem(data.MNIST_FILES, "t10k-images-idx3-ubyte.gz",
                        hashlib.sha256(short["t10k-images-idx3-ubyte.gz"]).hexdigest())
    server = start(short)
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte.gz: .*bytes of data"):
        data.load_mnist("full", cache_dir=tmp_path, base_url=server.url)


def test_wrong_magic_number(tmp_path):
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(idx_labels(5, 0)))
    with pytest.raises(ValueError, match="x.gz: magic number 2049"):
        data.read_idx(path, "images")


def test_404_fails_full_and_falls_back_in_auto(served, tmp_path, capsys):
    start, files, _ = served
    server = start({k: v for k, v in files.items() if "labels" not in k})
    with pytest.raises(data.DownloadError, match="train-labels-idx1-ubyte.gz"):
        data.load_mnist("full", cache_dir=tmp_path, base_url=server.url)
    result = data.load_mnist("auto", cache_dir=tmp_path, base_url=server.url)
    assert result.dataset == "mnist-subset-5k"
    assert "offline 5,000-image subset" in capsys.readouterr().err


@pytest.mark.slow
def test_every_mirror_is_tried_before_falling_back(served, tmp_path, capsys):
    start, files, _ = served
    portal = start({name: b"<html>captive portal</html>" for name in files})  # 200, wrong bytes
    good = start()
    result = data.load_mnist("full", cache_dir=tmp_path, base_url=[portal.url, good.url])
    assert result.dataset == "mnist" and portal.hits and good.hits
    other = tmp_path / "other"
    result = data.load_mnist("auto", cache_dir=other, base_url=[portal.url, "http://127.0.0.1:9/"])
    assert result.dataset == "mnist-subset-5k"
    err = capsys.readouterr().err
    assert "SHA-256 does not match" in err and "offline 5,000-image subset" in err
    assert data.resolve_source("auto", cache_dir=other, base_url=portal.url) == "subset"
    assert data.resolve_source("auto", cache_dir=tmp_path, base_url=good.url) == "full"


def test_mirror_list_from_environment(served, tmp_path, monkeypatch):
    start, _, _ = served
    good = start()
    monkeypatch.setenv(data.ENV_MNIST_URL, f"http://127.0.0.1:9/mnist/ {good.url}")
    assert data.load_mnist("full", cache_dir=tmp_path).dataset == "mnist"


def test_unreachable_host_falls_back_in_auto(tmp_path, capsys):
    unreachable = "http://127.0.0.1:9/mnist/"  # discard port: connection refused
    with pytest.raises(data.DownloadError):
        data.load_mnist("full", cache_dir=tmp_path, base_url=unreachable)
    assert data.load_mnist("auto", cache_dir=tmp_path, base_url=unreachable).dataset == "mnist-subset-5k"
    assert "could not be downloaded" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
def test_subset_split_is_stratified_and_fixed():
    a, b = data.load_mnist("subset"), data.load_mnist("subset")
    assert a.x_train.shape == (4000, 784) and a.x_test.shape == (1000, 784)
    assert np.bincount(a.y_train).tolist() == [400] * 10
    assert np.bincount(a.y_test).tolist() == [100] * 10
    np.testing.assert_array_equal(a.x_test, b.x_test)
    # no image in both splits
    train = {row.tobytes() for row in a.x_train}
    assert not any(row.tobytes() in train for row in a.x_test)


def test_bad_source():
    with pytest.raises(ValueError, match="source"):
        data.load_mnist("web")


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """The fixture files in a folder, two gzipped and two raw; their content checksums stand in
    for the official ones."""
    files, raw = fixtures()
    for name, content in raw.items():
        bare = name.removesuffix(".gz")
        monkeypatch.setitem(data.MNIST_CONTENT, bare, hashlib.sha256(content).hexdigest())
        if "labels" in name:
            (tmp_path / bare).write_bytes(content)
        else:
            (tmp_path / name).write_bytes(files[name])
    monkeypatch.delenv(data.ENV_MNIST_DIR, raising=False)
    return tmp_path, raw


def test_local_folder_reads_gzipped_and_raw_files_and_says_so(folder):
    root, raw = folder
    mnist = data.load_mnist("folder", folder=root)
    assert mnist.x_train.shape == (30, 784) and mnist.y_test.shape == (12,)
    pixels = np.frombuffer(raw["train-images-idx3-ubyte.gz"], np.uint8, offset=16).reshape(30, 784)
    np.testing.assert_array_equal(mnist.x_train, (pixels / 255.0).astype(np.float32))
    # says where the data came from without naming the path (results carry this text)
    assert mnist.dataset == "mnist" and "from a local folder" in mnist.description
    assert str(root) not in mnist.description
    assert data.resolve_source("auto", folder=root) == "folder"


def test_local_folder_from_the_environment(folder, monkeypatch):
    root, _ = folder
    monkeypatch.setenv(data.ENV_MNIST_DIR, str(root))
    assert data.load_mnist("auto").x_test.shape == (12, 784)
    assert data.resolve_source("auto") == "folder"


def test_local_folder_refuses_other_content(folder):
    root, raw = folder
    labels = bytearray(raw["t10k-labels-idx1-ubyte.gz"])
    labels[-1] = (labels[-1] + 1) % 10
    (root / "t10k-labels-idx1-ubyte").write_bytes(bytes(labels))
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte: content SHA-256 differs"):
        data.load_mnist("folder", folder=root)


def test_local_folder_names_what_is_missing(folder, tmp_path):
    root, _ = folder
    (root / "train-labels-idx1-ubyte").unlink()
    with pytest.raises(ValueError, match="neither train-labels-idx1-ubyte.gz nor train-labels-idx1-ubyte"):
        data.load_mnist("folder", folder=root)
    with pytest.raises(ValueError, match="does not exist"):
        data.load_mnist("folder", folder=tmp_path / "nowhere")
    with pytest.raises(ValueError, match="INFOMORPHIC_MNIST_DIR"):
        data.load_mnist("folder")


def test_the_official_content_checksums():
    """The published SHA-256 of the decompressed official files; the full data set, where a
    machine has it in a local folder, is verified against them (skipped elsewhere)."""
    assert data.MNIST_CONTENT["t10k-labels-idx1-ubyte"].startswith("ff7bcfd4")
    root = data.mnist_folder()
    if root is None:
        pytest.skip(f"no local MNIST folder (set {data.ENV_MNIST_DIR})")
    mnist = data.load_folder(root)
    assert mnist.x_train.shape == (60000, 784) and mnist.x_test.shape == (10000, 784)
    assert np.bincount(mnist.y_train).tolist()[:2] == [5923, 6742]


def test_auto_asks_no_network_once_the_files_are_downloaded(served, tmp_path, monkeypatch):
    """A result cached for source=auto must not wait on a mirror: with the official files in the
    download cache, auto resolves to them without a connection; with them missing, the mirrors
    are asked with the short AUTO_TIMEOUT, not the 30 s of source=full."""
    import pooch

    start, files, raw = served
    server = start()
    data.load_mnist("full", cache_dir=tmp_path, base_url=server.url)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts connections, never answers
    silent.setblocking(False)
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/mnist/"
    assert data.resolve_source("auto", cache_dir=tmp_path, base_url=url) == "full"
    with pytest.raises(BlockingIOError):
        silent.accept()  # nobody connected
    timeouts = []
    real = pooch.HTTPDownloader

    def recording(**kwargs):
        timeouts.append(kwargs.get("timeout"))
        return real(**kwargs)

    monkeypatch.setattr(pooch, "HTTPDownloader", recording)
    monkeypatch.setattr(data, "AUTO_TIMEOUT", 0.5)
    assert data.resolve_source("auto", cache_dir=tmp_path / "empty", base_url=url) == "subset"
    assert timeouts and set(timeouts) == {0.5}
    silent.close()


@pytest.mark.parametrize("make, needle", [
    (lambda root: None, "does not exist"),
    (lambda root: root.mkdir(), "lacks train-images-idx3-ubyte"),
])
def test_a_missing_or_empty_folder_is_one_line_before_anything_runs(tmp_path, capsys, make, needle):
    from infomorphic_core import cli

    root = tmp_path / "mnist"
    make(root)
    for task in ("supervised", "trivariate"):
        code = cli.main(["run", task, "--set", "source=folder", "--set", f"mnist_dir={root}",
                         "--out", str(tmp_path / task)])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and needle in err[0], err
