"""Results as plain data: a zip of one JSON tree and its arrays, never code.

A cached result is read back by whoever shares the cache folder, so it must not be able to run
code when it is loaded (as a pickle can). :func:`dumps` writes the values a task's result holds
(numbers, strings, lists, tuples, dicts, NumPy arrays and scalars, torch tensors, pandas
DataFrames and Series, and the package's own dataclasses) as a JSON tree whose arrays are
``.npy`` members written without pickle; :func:`loads` builds the same values again, each
through its constructor from data (arrays with ``allow_pickle=False``; a dataclass only of this
package, by its name, with its fields set as stored and no code of the file run). A value of any
other kind cannot be written (``TypeError``): the cache then keeps nothing rather than a pickle.
"""

from __future__ import annotations

import dataclasses
import importlib
import io
import json
import math
import zipfile

import numpy as np
import pandas as pd
import torch

PACKAGE = __name__.split(".")[0]
FORMAT = "infomorphic-plain-1"


class _Writer:
    def __init__(self):
        self.arrays: dict[str, bytes] = {}

    def array(self, values: np.ndarray) -> str:
        if values.dtype.hasobject:
            raise TypeError("an array of Python objects cannot be stored as data")
        name = f"a{len(self.arrays)}.npy"
        buffer = io.BytesIO()
        np.save(buffer, values, allow_pickle=False)
        self.arrays[name] = buffer.getvalue()
        return name

    def value(self, v):
        if isinstance(v, np.generic):  # before float: np.float64 is a float too
            return {"scalar": v.dtype.str, "array": self.array(np.asarray(v))}
        if v is None or isinstance(v, (bool, str, int)):
            return v
        if isinstance(v, float):
            return v if math.isfinite(v) else {"float": repr(v)}
        if isinstance(v, (list, tuple)):
            items = [self.value(x) for x in v]
            return items if isinstance(v, list) else {"tuple": items}
        if isinstance(v, dict):
            if all(isinstance(k, str) for k in v) and type(v) is dict:
                return {"dict": {k: self.value(x) for k, x in v.items()}}
            return {"pairs": [[self.value(k), self.value(x)] for k, x in v.items()]}
        if isinstance(v, np.ndarray):
            return {"ndarray": self.array(v)}
        if isinstance(v, torch.Tensor):
            return {"tensor": self.array(v.detach().cpu().numpy())}
        if isinstance(v, pd.DataFrame):
            return {"frame": self._frame(v)}
        if isinstance(v, pd.Series):
            return {"series": self._frame(v.to_frame(name=0)), "name": self.value(v.name)}
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            kind = type(v)
            if not kind.__module__.startswith(PACKAGE + "."):
                raise TypeError(f"only this package's dataclasses are stored, not {kind.__qualname__}")
            return {"dataclass": f"{kind.__module__}:{kind.__qualname__}",
                    "fields": {f.name: self.value(getattr(v, f.name)) for f in dataclasses.fields(v)}}
        raise TypeError(f"a {type(v).__qualname__} cannot be stored as data")

    def _frame(self, frame: pd.DataFrame) -> dict:
        return {"columns": [self._column(frame.iloc[:, i]) for i in range(frame.shape[1])],
                "names": self._index(frame.columns), "index": self._index(frame.index)}

    def _column(self, column: pd.Series) -> dict:
        dtype = column.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            return {"categorical": self._column(pd.Series(column.cat.categories)),
                    "codes": self.array(column.cat.codes.to_numpy()), "ordered": bool(dtype.ordered)}
        if dtype.kind in "biufcmM":
            return {"values": self.array(column.to_numpy())}
        if dtype == object:
            return {"objects": [self.value(x) for x in column.tolist()]}
        if isinstance(dtype, pd.StringDtype):
            return {"objects": [self.value(None if pd.isna(x) else x) for x in column.tolist()],
                    "dtype": str(dtype)}
        raise TypeError(f"a column of dtype {dtype} cannot be stored")

    def _index(self, index: pd.Index) -> dict:
        if isinstance(index, pd.RangeIndex):
            return {"range": [index.start, index.stop, index.step], "name": self.value(index.name)}
        if isinstance(index, pd.MultiIndex):
            return {"levels": [self._column(pd.Series(index.get_level_values(i), copy=False))
                               for i in range(index.nlevels)], "names": self.value(list(index.names))}
        return {"column": self._column(pd.Series(index, copy=False)), "name": self.value(index.name)}


class _Reader:
    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive

    def array(self, name: str) -> np.ndarray:
        if not isinstance(name, str) or not name.endswith(".npy"):
            raise ValueError(f"not an array member: {name!r}")
        with self.archive.open(name) as handle:
            return np.load(io.BytesIO(handle.read()), allow_pickle=False)

    def value(self, v):
        if v is None or isinstance(v, (bool, str, int, float)):
            return v
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if not isinstance(v, dict) or not v:
            raise ValueError(f"not a stored value: {v!r}")
        if "float" in v:
            return float(v["float"])
        if "scalar" in v:
            return self.array(v["array"]).astype(np.dtype(v["scalar"]))[()]
        if "tuple" in v:
            return tuple(self.value(x) for x in v["tuple"])
        if "dict" in v:
            return {k: self.value(x) for k, x in v["dict"].items()}
        if "pairs" in v:
            return {self.value(k): self.value(x) for k, x in v["pairs"]}
        if "ndarray" in v:
            return self.array(v["ndarray"])
        if "tensor" in v:
            return torch.from_numpy(self.array(v["tensor"]))
        if "frame" in v:
            return self._frame(v["frame"])
        if "series" in v:
            return self._frame(v["series"])[0].rename(self.value(v["name"]))
        if "dataclass" in v:
            return self._dataclass(v["dataclass"], v["fields"])
        raise ValueError(f"not a stored value: {sorted(v)}")

    def _dataclass(self, name: str, stored: dict):
        module, _, qualname = name.partition(":")
        if not module.startswith(PACKAGE + "."):
            raise ValueError(f"{name} is not a dataclass of this package")
        kind = importlib.import_module(module)
        for part in qualname.split("."):
            kind = getattr(kind, part)
        if not (isinstance(kind, type) and dataclasses.is_dataclass(kind)):
            raise ValueError(f"{name} is not a dataclass")
        names = {f.name for f in dataclasses.fields(kind)}
        if set(stored) != names:
            raise ValueError(f"{name}: stored fields {sorted(stored)} are not its fields {sorted(names)}")
        obj = object.__new__(kind)  # as stored: no __init__ or checks run again
        for key, value in stored.items():
            object.__setattr__(obj, key, self.value(value))
        return obj

    def _frame(self, stored: dict) -> pd.DataFrame:
        frame = pd.DataFrame({i: self._column(c) for i, c in enumerate(stored["columns"])},
                             index=self._index(stored["index"]))
        frame.columns = self._index(stored["names"])
        return frame

    def _column(self, stored: dict):
        if "categorical" in stored:
            categories = self._column(stored["categorical"])
            return pd.Categorical.from_codes(self.array(stored["codes"]), categories=categories,
                                             ordered=stored["ordered"])
        if "values" in stored:
            return self.array(stored["values"])
        values = [self.value(x) for x in stored["objects"]]
        if "dtype" in stored:
            return pd.array(values, dtype=stored["dtype"])
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out

    def _index(self, stored: dict) -> pd.Index:
        if "range" in stored:
            return pd.RangeIndex(*stored["range"], name=self.value(stored["name"]))
        if "levels" in stored:
            return pd.MultiIndex.from_arrays([self._column(c) for c in stored["levels"]],
                                             names=self.value(stored["names"]))
        return pd.Index(self._column(stored["column"]), name=self.value(stored["name"]))


def dumps(value) -> bytes:
    """``value`` as a zip of ``data.json`` and its ``.npy`` arrays (``TypeError`` for a value
    that is not plain data)."""
    writer = _Writer()
    tree = json.dumps({"format": FORMAT, "value": writer.value(value)}, allow_nan=False)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("data.json", tree)
        for name, data in writer.arrays.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def loads(data: bytes):
    """The value that :func:`dumps` wrote (``ValueError`` for anything else)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        tree = json.loads(archive.read("data.json"))
        if not isinstance(tree, dict) or tree.get("format") != FORMAT:
            raise ValueError("not a plain-data file of this package")
        return _Reader(archive).value(tree["value"])
