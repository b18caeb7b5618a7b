"""Cached results are plain data: every task's result comes back equal, values of other kinds
are refused, and a planted file cannot run code."""

import dataclasses
import pickle
import zipfile

import numpy as np
import pandas as pd
import pytest
import torch

from infomorphic_core import cache, plain
from infomorphic_core.goals import Goal
from infomorphic_core.tasks import bars, redundancy_memory, trivariate
from tests.test_helpers import SMALL as SMALL_BIVARIATE


def assert_same(a, b, where="value"):
    """Equal values of the same types, down to DataFrame dtypes and NumPy scalar types."""
    assert type(a) is type(b) or (isinstance(a, dict) and isinstance(b, dict)), (where, type(a), type(b))
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=True)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True), where
    elif isinstance(a, torch.Tensor):
        assert a.dtype == b.dtype and torch.equal(a, b), where
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), where
    else:
        assert a == b, where


def test_values_of_every_kind_come_back():
    frame = pd.DataFrame({"run": [0, 1, 2], "name": ["a", None, "c"], "x": [0.5, np.nan, -np.inf],
                          "flag": [True, False, True], "mixed": [1, "two", (3, 4)],
                          "kind": pd.Categorical(["u", "v", "u"], categories=["v", "u"])})
    value = {
        "frame": frame,
        "indexed": frame.set_index(["run", "name"]),
        "pivot": pd.DataFrame(np.eye(2), index=pd.Index([0.1, 0.2], name="alpha"), columns=[10, 20]),
        "empty": pd.DataFrame(columns=["run", "step"]),
        "series": pd.Series([1.5, 2.5], index=["a", "b"], name="s"),
        "arrays": [np.arange(6, dtype=np.int32).reshape(2, 3), torch.tensor([[1.0, -2.0]], dtype=torch.float64)],
        "scalars": (np.float64(0.25), np.int64(3), 1.0, 2, float("nan"), float("inf"), None, True, "x"),
        "keys": {0.2: 1, 3: "b", ("a", 1): [1, 2]},
        "goal": Goal.preset("supervised"),
        "config": bars.Config(n_runs=2),
    }
    assert_same(value, plain.loads(plain.dumps(value)))


class Code:
    pass


@pytest.mark.parametrize("value", [Code(), {"f": print}, np.array([Code()], dtype=object), {1, 2},
                                   pd.DataFrame({"a": [1]}).T.T.assign(b=[Code()])])
def test_values_that_are_not_data_are_refused(value):
    with pytest.raises(TypeError):
        plain.dumps(value)


class Planted:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_planted_entry_runs_no_code(tmp_path):
    """Neither a pickle with a checksum that matches (the old format) nor a file naming
    another module's class is loaded; the entry is recomputed with one warning."""
    marker = tmp_path / "ran"
    config = {"task": "planted"}
    key = cache.cache_key(config)
    payload = pickle.dumps({"result": Planted(str(marker)), "provenance": {}})
    import hashlib

    for data in (payload, _zip({"format": plain.FORMAT, "value": {"dataclass": "subprocess:Popen",
                                                                    "fields": {}}})):
        (tmp_path / f"{key}.pkl").write_bytes(cache.MAGIC + hashlib.sha256(data).digest() + data)
        with pytest.warns(UserWarning, match="unreadable"):
            result, provenance = cache.cached_with_provenance(config, lambda: 42, cache_dir=tmp_path)
        assert result == 42 and provenance["source"] == "computed" and not marker.exists()


def _zip(tree) -> bytes:
    import io
    import json

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.json", json.dumps(tree))
    return buffer.getvalue()


SMALL = SMALL_BIVARIATE | {
    redundancy_memory: dict(n_runs=1, n_neurons=12, max_epochs=20, scan_start=0.5, scan_step=0.5,
                            scan_stop=1.0, networks=("Hebbian",), n_bootstrap=10),
    trivariate: dict(n_runs=1, epochs=1, n_hidden=10, minibatch=256, sizes=(10,),
                     networks=("optimised", "backprop"), ablation=False),
}


@pytest.mark.slow
@pytest.mark.parametrize("module", SMALL, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_every_task_result_comes_back_from_the_cache_unchanged(module, tmp_path):
    computed = module.run(module.Config(**SMALL[module]), cache_dir=tmp_path)
    read = module.run(module.Config(**SMALL[module]), cache_dir=tmp_path)
    assert computed.provenance["source"] == "computed" and read.provenance["source"] == "cache"
    assert_same(computed, read, module.__name__)
