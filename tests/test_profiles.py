"""A config's profile label always matches its sizes; seeds are integers."""

from dataclasses import replace

import pytest

from infomorphic_core.sweep import sweep
from infomorphic_core.tasks import TASKS as REGISTRY
from infomorphic_core.tasks import supervised

TASKS = list(REGISTRY.values())


def sizes_match(module, config, profile):
    return all(tuple(v) == tuple(getattr(config, k)) if isinstance(v, tuple) else getattr(config, k) == v
               for k, v in module.PROFILES[profile].items())


@pytest.mark.parametrize("module", TASKS, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_label_always_matches_sizes(module):
    quick, paper = module.Config(profile="quick"), module.Config(profile="paper")
    assert quick.profile == "quick" and sizes_match(module, quick, "quick")
    assert paper.profile == "paper" and sizes_match(module, paper, "paper")
    switched = replace(quick, profile="paper")  # keeps the quick sizes it was handed...
    assert switched.profile == "quick" and sizes_match(module, switched, "quick")  # ...and says so
    assert replace(paper, seed=3).profile == "paper"
    fewer = module.Config(profile="paper", n_runs=2)
    assert fewer.profile == "custom" and fewer.n_runs == 2
    assert replace(fewer, seed=1).profile == "custom"
    assert replace(fewer, n_runs=paper.n_runs).profile == "paper"


@pytest.mark.parametrize("module", TASKS, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_every_task_has_the_profiles_the_command_line_offers(module):
    from infomorphic_core.tasks.common import PROFILE_NAMES

    assert tuple(module.PROFILES) == PROFILE_NAMES


@pytest.mark.parametrize("module", TASKS, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_custom_needs_every_size_and_unknown_profile_fails(module):
    with pytest.raises(ValueError, match="custom"):
        module.Config(profile="custom", n_runs=2)
    with pytest.raises(ValueError, match="profile must be one of"):
        module.Config(profile="slow")


@pytest.mark.parametrize("module", TASKS, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
@pytest.mark.parametrize("seed", [1.5, -1, "1", True])
def test_non_integer_seed_is_rejected(module, seed):
    with pytest.raises(ValueError, match="seed must be"):
        module.Config(seed=seed)


def test_sweep_refuses_a_grid_over_the_profile():
    with pytest.raises(ValueError, match="profile"):
        sweep(supervised.run, supervised.Config(), {"profile": ["quick", "paper"]})


@pytest.mark.parametrize("module", TASKS, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_seeds_beyond_the_generators_range_are_refused(module):
    """The streams take a seed's low 32 bits: seed 2**32 would repeat seed 0's numbers."""
    with pytest.raises(ValueError, match="below 2\\*\\*32"):
        module.Config(seed=2**32)
    n_runs = module.Config().n_runs
    with pytest.raises(ValueError, match="below 2\\*\\*32"):
        module.Config(seed=2**32 - n_runs + 1)
    assert module.Config(seed=2**32 - n_runs).seed == 2**32 - n_runs
