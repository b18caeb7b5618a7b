"""Pieces every task shares: profiles, config checks, stateless streams, the cached run."""

from __future__ import annotations

import math
import typing
from dataclasses import asdict, fields


CUSTOM = "custom"


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
        raise ValueError(f"profile must be one of {sorted(profiles) + [CUSTOM]}, got {requested!r}")
    sizes = sorted({key for values in profiles.values() for key in values})
    if requested == CUSTOM:
        missing = [key for key in sizes if getattr(config, key) is None]
        if missing:
            raise ValueError(f"profile 'custom' needs every size given; missing {missing}")
    else:
        for key, value in profiles[requested].items():
            if getattr(config, key) is None:
                setattr(config, key, value)
    candidates = [requested] + [name for name in profiles if name != requested]
    config.profile = next((name for name in candidates if name in profiles and all(
        _same(getattr(config, key), value) for key, value in profiles[name].items())), CUSTOM)


def _kinds(annotation) -> tuple:
    args = typing.get_args(annotation)
    return tuple(a for a in args if a is not type(None)) if args else (annotation,)


def _check_type(name: str, value, kinds: tuple):
    """``value`` as the first of ``kinds`` it fits (a list becomes a tuple), or ValueError."""
    for kind in kinds:
        if kind is bool and isinstance(value, (bool,)):
            return value
        if kind is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            if not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
            return float(value)
        if kind is str and isinstance(value, str):
            return value
        if kind is tuple and isinstance(value, (list, tuple)):
            return tuple(value)
    names = {bool: "true or false", int: "an integer", float: "a number", str: "a string",
             tuple: "a list"}
    allowed = " or ".join(names.get(kind, kind.__name__) for kind in kinds)
    raise ValueError(f"{name} must be {allowed}, got {value!r}")


def validate(config, profiles: dict) -> None:
    """The checks every task config shares, run first in ``__post_init__``: the profile fills
    the sizes left at ``None`` (:func:`apply_profile`), then every field must have the type its
    annotation names (numbers finite, lists become tuples) and the seed must be an integer
    >= 0. Each failure is a ``ValueError`` naming the field and what it allows."""
    apply_profile(config, profiles)
    hints = typing.get_type_hints(type(config))
    for f in fields(config):
        value = getattr(config, f.name)
        kinds = _kinds(hints[f.name])
        if value is None and type(None) in typing.get_args(hints[f.name]):
            continue
        setattr(config, f.name, _check_type(f.name, value, kinds))
    require_seed(config)


def require_seed(config) -> None:
    """The seed must be a non-negative integer (run i draws from seed + i)."""
    seed = config.seed
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")


def require_positive_ints(config, *names) -> None:
    for name in names:
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


class Stateless:
    """A stream that keeps nothing between minibatches (its checkpoint state is empty)."""

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


def cached_run(task: str, config, compute, use_cache: bool, cache_dir):
    """``compute(config)``, cached on disk under the task name, the config and the core source."""
    from ..cache import cached

    return cached({"task": task} | asdict(config), lambda: compute(config), cache_dir=cache_dir,
                  use_cache=use_cache)
