"""Pieces every task shares: profiles, config checks, stateless streams, the cached run."""

from __future__ import annotations

from dataclasses import asdict


def apply_profile(config, profiles: dict) -> None:
    """Check ``config.profile`` and fill every field left at ``None`` from that profile."""
    if config.profile not in profiles:
        raise ValueError(f"profile must be one of {sorted(profiles)}, got {config.profile!r}")
    for key, value in profiles[config.profile].items():
        if getattr(config, key) is None:
            setattr(config, key, value)


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
