"""Files, below everything else of the package: the source hash that keys every result, the cache root, atomic writes, plain JSON, and
the ``--out`` folder of a run (checked before the computation, written whole or not at all).

Every writer here writes to a temporary file (or folder) beside its target and renames it, so
an interrupted write never leaves a half file.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import io
import json
import math
import os
import shutil
import tempfile
import tokenize
from functools import lru_cache
from pathlib import Path

ENV_DIR = "INFOMORPHIC_CACHE_DIR"
OUTPUTS = ("metrics.json", "history.csv")  # what ``infomorphic run`` writes into --out


PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def core_hash() -> str:
    """SHA-256 over every source file of ``infomorphic_core``, as written."""
    digest = hashlib.sha256()
    for path in sorted([*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.c")]):
        digest.update(str(path.relative_to(PACKAGE)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=None)
def source_hash(*modules: str) -> str:
    """SHA-256 over the code of the source files that ``modules`` (dotted names inside the
    package, e.g. ``"tasks.memory"``) and every package module they import, directly or not,
    are made of (:func:`source_files`). A result keyed by it stays valid when an unrelated part
    of the package changes (a new task, the command line) or when only the docstrings and
    comments of its own change (:func:`code_of`), and is invalidated when anything it runs
    changes. No modules: the whole package (:func:`core_hash`)."""
    if not modules:
        return core_hash()
    digest = hashlib.sha256()
    for path in source_files(*modules):
        digest.update(str(path.relative_to(PACKAGE)).encode())
        digest.update(code_of(path).encode())
    return digest.hexdigest()


def source_files(*modules: str) -> list[Path]:
    """The source files of ``modules`` and of every package module they import, directly or
    not, sorted; with the C kernels when ``fused`` is among them."""
    graph = import_graph()
    unknown = sorted(set(modules) - set(graph))
    if unknown:
        raise ValueError(f"not modules of infomorphic_core: {unknown}")
    seen, todo = set(modules), list(modules)
    while todo:
        for target in graph[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    paths = [_module_path(name) for name in seen]
    if "fused" in seen:
        paths += PACKAGE.rglob("*.c")
    return sorted(paths)


def code_of(path: Path) -> str:
    """A Python file's code without its docstrings, comments and blank lines (the same text on
    every Python version: the spans come from the parser's positions and the tokenizer's
    comments, not from a dump of the syntax tree); any other file as written."""
    text = path.read_text()
    if path.suffix != ".py":
        return text
    lines = text.splitlines()
    spans = []  # (first line, first column, last line, end column), 1-based lines
    for node in ast.walk(ast.parse(text)):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            d = body[0]
            spans.append((d.lineno, d.col_offset, d.end_lineno, d.end_col_offset))
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            spans.append((*token.start, *token.end))
    for first, start, last, end in sorted(spans, reverse=True):  # from the end: positions stay valid
        head, tail = lines[first - 1][:start], lines[last - 1][end:]
        lines[first - 1:last] = [head + tail]
    return "\n".join(line.rstrip() for line in lines if line.strip())


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts) or "<package>"


def _module_path(name: str) -> Path:
    base = PACKAGE.joinpath(*([] if name == "<package>" else name.split(".")))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


@lru_cache(maxsize=1)
def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports (``<package>`` is ``infomorphic_core``
    itself), read from the source: every import statement, deferred ones included."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        here = [] if name == "<package>" else name.split(".")
        if path.name != "__init__.py":
            here = here[:-1]  # a module's relative imports start from its package
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            found = []
            if isinstance(node, ast.ImportFrom) and node.level:
                base = here[:len(here) - (node.level - 1)]
                if node.module:
                    found.append(".".join(base + node.module.split(".")))
                else:  # from . import x: the module x, else a name of the package
                    found += [".".join(base + [a.name]) if ".".join(base + [a.name]) in modules
                              else ".".join(base) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("infomorphic_core"):
                found.append(node.module.removeprefix("infomorphic_core").lstrip("."))
                if not found[-1]:  # from infomorphic_core import x: the module x, if it is one
                    found = [a.name if a.name in modules else "" for a in node.names]
            elif isinstance(node, ast.Import):
                found += [a.name.removeprefix("infomorphic_core").lstrip(".") for a in node.names
                          if a.name.startswith("infomorphic_core")]
            for target in found:
                target = target or "<package>"
                if target in modules and target != name:
                    targets.add(target)
        graph[name] = targets
    return graph


def default_dir() -> Path:
    """The results cache: ``$INFOMORPHIC_CACHE_DIR``, else ``~/.cache/infomorphic-companion``."""
    return Path(os.environ.get(ENV_DIR) or Path.home() / ".cache" / "infomorphic-companion")


def check_dir(path) -> Path:
    """``path`` as a folder that exists (created if needed) and can be written, or a
    ``ValueError`` that says why not (checked before any computation)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{path} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise ValueError(f"{path} cannot be written ({error.strerror or error})") from None
    return path


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):  # never hide the error that got us here
            tmp.unlink(missing_ok=True)


def json_safe(value):
    """Plain JSON: NaN and infinities become null (JSON has no such numbers)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def write_json(path: Path, value) -> None:
    """``value`` as indented plain JSON (:func:`json_safe`), written atomically."""
    write_atomic(path, (json.dumps(json_safe(value), indent=2, allow_nan=False) + "\n").encode())


def check_out(path: Path) -> Path:
    """``--out``: a folder that is new or holds only a previous run's outputs (it is replaced
    as a whole), in a parent that can be written."""
    if path.exists() and not path.is_dir():
        raise ValueError(f"--out {path} is a file, not a folder")
    if path.is_dir():
        others = sorted(p.name for p in path.iterdir() if p.name not in OUTPUTS)
        if others:
            raise ValueError(f"--out {path} holds other files ({', '.join(others[:3])}); "
                             f"choose a new folder or one with only {' and '.join(OUTPUTS)}")
    try:
        check_dir(path.parent)
    except ValueError as error:
        raise ValueError(f"--out {path}: {error}") from None
    return path


def write_folder(out: Path, write) -> None:
    """``write(folder)`` fills a temporary folder beside ``out``, which then takes the place of
    ``out``: its files appear together or not at all."""
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.new-"))
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp's folder is private; the outputs are not
    try:
        write(tmp)
        if out.exists():
            os.replace(out, old)
        os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


def write_outputs(out: Path, metrics: dict, history) -> None:
    """metrics.json and history.csv appear together or not at all (:func:`write_folder`)."""

    def write(folder: Path) -> None:
        history.to_csv(folder / "history.csv", index=False)
        (folder / "metrics.json").write_text(json.dumps(json_safe(metrics), indent=2, allow_nan=False) + "\n")

    write_folder(out, write)
