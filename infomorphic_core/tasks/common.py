"""Pieces every task shares: profiles, config checks, stateless streams, the cached run."""

from __future__ import annotations

import math
import typing
from dataclasses import asdict, dataclass, fields

import numpy as np
import pandas as pd
import torch

from ..cache import cached_with_provenance, checkpoint_path
from ..checks import ConfigError, integer
from ..goals import ATOM_KEYS, Goal
from ..train import checkpoint_elapsed

PROFILE_NAMES = ("quick", "paper")  # every task defines both; the command line offers these
CUSTOM = "custom"
ATOM_MEANS = tuple(f"{key}_mean" for key in ATOM_KEYS)  # the mean of each atom, a metric of most tasks
SEED_RANGE = 2**32  # rng.generator keys streams by the seed's low 32 bits


def _same(a, b) -> bool:
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return tuple(a) == tuple(b)
    return a == b


def apply_profile(config, profiles: dict) -> None:
    """Fill every field left at ``None`` from ``config.profile``, then set ``config.profile``
    to what the config holds: the profile whose sizes it has, or ``"custom"``.

    The label is derived from the sizes, never carried over, so a config that says "paper"
    always holds the paper's sizes: ``dataclasses.replace(quick_config, profile="paper")``
    keeps the quick sizes it was given and says "quick" (use ``Config(profile="paper")``),
    and ``Config(profile="paper", n_runs=20)`` says "custom". ``"custom"`` needs every size.
    """
    requested = config.profile
    if requested not in profiles and requested != CUSTOM:
        raise ConfigError(f"profile must be one of {sorted(profiles) + [CUSTOM]}, got {requested!r}")
    sizes = sorted({key for values in profiles.values() for key in values})
    if requested == CUSTOM:
        missing = [key for key in sizes if getattr(config, key) is None]
        if missing:
            raise ConfigError(f"profile 'custom' needs every size given; missing {missing}")
    else:
        for key, value in profiles[requested].items():
            if getattr(config, key) is None:
                object.__setattr__(config, key, value)
    candidates = [requested] + [name for name in profiles if name != requested]
    label = next((name for name in candidates if name in profiles and all(
        _same(getattr(config, key), value) for key, value in profiles[name].items())), CUSTOM)
    object.__setattr__(config, "profile", label)


def _kinds(annotation) -> tuple:
    args = typing.get_args(annotation)
    return tuple(a for a in args if a is not type(None)) if args else (annotation,)


def _check_type(name: str, value, kinds: tuple):
    """``value`` as the first of ``kinds`` it fits (a list becomes a tuple), or ConfigError."""
    for kind in kinds:
        if kind is bool and isinstance(value, (bool,)):
            return value
        if kind is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            if not math.isfinite(value):
                raise ConfigError(f"{name} must be a finite number, got {value!r}")
            return float(value)
        if kind is str and isinstance(value, str):
            return value
        if kind is tuple and isinstance(value, (list, tuple)):
            return tuple(value)
    names = {bool: "true or false", int: "an integer", float: "a number", str: "a string",
             tuple: "a list"}
    allowed = " or ".join(names.get(kind, kind.__name__) for kind in kinds)
    raise ConfigError(f"{name} must be {allowed}, got {value!r}")


def validate(config, profiles: dict) -> None:
    """The checks every task config shares, run first in ``__post_init__``: the profile fills
    the sizes left at ``None`` (:func:`apply_profile`), then every field must have the type its
    annotation names (numbers finite, lists become tuples) and the seed must be an integer
    >= 0 whose runs' seeds stay below 2**32 (the random streams' seed range; above it a seed
    would repeat another's numbers). Each failure is a :class:`ConfigError` naming the field
    and what it allows."""
    apply_profile(config, profiles)
    hints = typing.get_type_hints(type(config))
    for f in fields(config):
        value = getattr(config, f.name)
        kinds = _kinds(hints[f.name])
        if value is None and type(None) in typing.get_args(hints[f.name]):
            continue
        object.__setattr__(config, f.name, _check_type(f.name, value, kinds))
    integer("seed", config.seed, minimum=0)  # run i draws from seed + i
    last = config.seed + (config.n_runs if isinstance(config.n_runs, int) else 1) - 1
    if last >= SEED_RANGE:
        raise ConfigError(f"seed + n_runs - 1 must be below 2**32 = {SEED_RANGE} (the random streams' "
                          f"seeds), got seed={config.seed} with n_runs={config.n_runs}")


def require_positive_ints(config, *names) -> None:
    for name in names:
        integer(name, getattr(config, name))


@dataclass(frozen=True)
class TaskConfig:
    """What every task's ``Config`` (a frozen dataclass) shares: the profile, the seed (run i
    draws from ``seed + i``) and the number of runs. A field left at ``None`` takes the
    profile's value (the task's ``PROFILES``).

    Construction runs, in order: the profile fills the sizes left at ``None`` and the label is
    derived from the sizes (:func:`apply_profile`), every field is type-checked
    (:func:`validate`), ``gamma`` (a preset name, ``"only <atom>"`` or weights; every task
    has one) becomes its weights, the task's own :meth:`check`, then :meth:`layer_config` and
    :meth:`train_config`, which check the settings they take. A config cannot change after
    that; :meth:`replace` makes a new one, checked the same way.
    """

    PROFILES: typing.ClassVar[dict] = {}

    profile: str = "quick"
    seed: int = 0
    n_runs: int | None = None

    def __post_init__(self):
        validate(self, self.PROFILES)
        self._set("gamma", Goal.from_any(self.gamma).as_tuple())  # every task has a goal
        self.check()
        self.layer_config()
        self.train_config()

    def check(self) -> None:
        """The task's own checks, after the shared ones (override)."""

    def _set(self, name: str, value) -> None:
        """Normalise a field during construction (the dataclass is frozen)."""
        object.__setattr__(self, name, value)

    @classmethod
    def from_profile(cls, profile: str = "quick", **settings):
        """The config of ``profile`` with ``settings`` changed; a setting given as ``None``
        keeps the task's default (a notebook's parameters cell passes ``None`` for "default")."""
        return cls(profile=profile, **{k: v for k, v in settings.items() if v is not None})

    def replace(self, **changes):
        """A new config with ``changes``; its profile label is derived again from its sizes."""
        from dataclasses import replace

        return replace(self, **changes)


def atom_frame(atoms, **columns) -> pd.DataFrame:
    """The tidy form of atoms [runs, neurons, n_atoms] every task returns as ``final_atoms``:
    one row per run and neuron, columns ``run``, ``neuron``, then ``columns`` (arrays
    [runs, neurons]), then one column per atom key in the vocabulary's order."""
    atoms = np.asarray(atoms, dtype=np.float64)
    runs, neurons = atoms.shape[:2]
    frame = pd.DataFrame({"run": np.repeat(np.arange(runs), neurons),
                          "neuron": np.tile(np.arange(neurons), runs)})
    for name, values in columns.items():
        frame[name] = np.asarray(values).reshape(-1)
    for i, key in enumerate(ATOM_KEYS):
        frame[key] = atoms[..., i].reshape(-1)
    return frame


def atom_means(atoms, suffix: str = "_mean") -> dict[str, float]:
    """Metrics ``<key><suffix>``: each atom's mean over runs and neurons of atoms [..., n_atoms]."""
    atoms = np.asarray(atoms, dtype=np.float64)
    return {key + suffix: float(atoms[..., i].mean()) for i, key in enumerate(ATOM_KEYS)}


class Recurrent:
    """A stream whose context is the layer's own sampled output of the previous step: it keeps
    the last outputs (``state``, [runs, neurons]) between minibatches and in checkpoints; no
    reset between minibatches."""

    def __init__(self, n_runs: int, n_neurons: int, dtype):
        self.state = torch.ones(n_runs, n_neurons, dtype=dtype)

    def simulate(self, layer, x, *key):
        """(x_context, y) of the layer run on ``x`` [runs, T, inputs] from the kept state (the
        state is not moved; a ``batch`` moves it to ``y[:, -1]``)."""
        return layer.simulate(x, self.state, layer.draw_uniforms(x.shape[1], *key))

    def state_dict(self):
        return {"state": self.state}

    def load_state_dict(self, state):
        self.state = state["state"]


class Stateless:
    """A stream that keeps nothing between minibatches (its checkpoint state is empty)."""

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


def available_memory() -> int | None:
    """Bytes of memory available to a new computation (Linux), else ``None``."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def check_memory(config) -> None:
    """Refuse, before allocating, a config whose :meth:`estimated_bytes` exceeds the memory
    available (a billion runs would otherwise grow until the machine swaps or kills it)."""
    need, have = config.estimated_bytes(), available_memory()
    if have is not None and need > have:
        raise ConfigError(f"n_runs={config.n_runs} would need about {need / 2**30:.1f} GiB of memory, "
                          f"{have / 2**30:.1f} GiB are available; use fewer runs or smaller sizes")


def runs_sources(compute) -> tuple[str, ...]:
    """The package modules a task's computation runs: the module that defines ``compute`` and
    this runner (each with what it imports); empty, i.e. the whole package, for code outside it."""
    module = getattr(compute, "__module__", "") or ""
    if not module.startswith("infomorphic_core."):
        return ()
    return (module.removeprefix("infomorphic_core."), "tasks.common")


def cached_run(task: str, config, compute, use_cache: bool, cache_dir, **key):
    """``compute(config, checkpoint)``, cached on disk under the task name, the config, ``key``
    (e.g. the data set actually used) and the source it runs (the task's module, this runner
    and what they import: a change elsewhere in the package keeps the entry); the result gets a ``provenance``
    attribute (see :func:`infomorphic_core.cache.cached_with_provenance`).

    ``use_cache=False`` neither reads nor writes the cache; ``cache_dir`` is the cache folder
    (default: ``$INFOMORPHIC_CACHE_DIR``, else the user's cache folder).

    ``checkpoint`` is a path keyed like the result: a computation killed part-way resumes from
    it when the same config is run again (``None`` when the cache is off). It is removed only
    once the result is in the cache."""
    spec = {"task": task} | asdict(config) | key
    sources = runs_sources(compute)
    checkpoint = checkpoint_path(spec, cache_dir, sources) if use_cache else None

    def checked_compute():
        check_memory(config)
        return compute(config, checkpoint)

    earlier = checkpoint_elapsed(checkpoint) if checkpoint is not None else 0.0
    result, provenance = cached_with_provenance(spec, checked_compute, cache_dir=cache_dir,
                                                use_cache=use_cache, earlier_s=earlier, sources=sources)
    if checkpoint is not None and provenance["cache_entry"] is not None:
        checkpoint.unlink(missing_ok=True)  # the result is stored: its checkpoint is not needed
    result.provenance = provenance
    return result
