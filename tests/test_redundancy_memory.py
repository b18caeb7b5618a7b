import contextlib
import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch

from infomorphic_core import fused, hopfield
from infomorphic_core.capacity import mean_interval, scan_capacity
from infomorphic_core.gradient import closed_form_gradient
from infomorphic_core.tasks import redundancy_memory as rm
from infomorphic_core.tasks.common import ConfigError

GOALS = torch.tensor([rm.GOALS[name][0] for name in ("optimised A", "optimised B", "redundancy")],
                     dtype=torch.float64)


def small(**changes):
    return rm.Config(**({"n_runs": 3, "n_neurons": 20, "max_epochs": 60} | changes))


def test_per_run_goals_closed_form_gradient_equals_autograd():
    config = small(init_std_recurrent=0.3)
    stored = rm.patterns(config, 12).double()
    layer = rm.make_layer(config, [0, 1, 2]).double()
    layer.w_receptive.requires_grad_(True)
    grads, _ = closed_form_gradient(layer, stored, stored, GOALS)
    goal = layer.goal_of_joint(layer.joint(stored, stored), GOALS).sum()
    auto = torch.autograd.grad(goal, [layer.w_context, layer.w_receptive])
    assert auto[0].abs().max() > 1e-3  # a gradient that could disagree
    torch.testing.assert_close(grads["w_context"], auto[0] * layer.mask, rtol=0, atol=1e-12)
    torch.testing.assert_close(grads["w_receptive"], auto[1] * layer.mask_receptive, rtol=0, atol=1e-12)


def test_a_goal_per_run_equals_each_goal_alone():
    config = small(init_std_recurrent=0.3)
    stored = rm.patterns(config, 12).double()
    layer = rm.make_layer(config, [0, 1, 2]).double()
    together = layer.goal_of_joint(layer.joint(stored, stored), GOALS)
    for k in range(3):
        alone = layer.goal_of_joint(layer.joint(stored, stored), tuple(GOALS[k].tolist()))[k]
        torch.testing.assert_close(together[k], alone, rtol=0, atol=1e-12)


def test_batched_training_with_runs_leaving_equals_each_run_alone():
    config = small(max_epochs=200)
    stored = rm.patterns(config, 24)
    weights, epochs = rm.train_runs(config, stored, GOALS, [0, 1, 2])
    assert len(set(epochs.tolist())) > 1  # runs left the batch at different epochs
    for k in range(3):
        alone, epoch = rm.train_runs(config, stored[[k]], GOALS[[k]], [k])
        assert epoch[0] == epochs[k]
        torch.testing.assert_close(alone[0], weights[k], rtol=0, atol=1e-6)


def test_settle_stops_at_fixed_points_and_closed_two_cycles():
    swap = torch.tensor([[[0.0, -1.0], [-1.0, 0.0]]])  # (1, 1) -> (-1, -1) -> (1, 1)
    cues = torch.tensor([[[1.0, 1.0], [1.0, -1.0]]])  # a 2-cycle and a fixed point
    final = hopfield.sign_keep(cues @ swap.transpose(-1, -2), cues)
    assert torch.equal(final[0, 1], cues[0, 1])
    settled = hopfield.settle(swap, cues, 100)
    assert torch.equal(settled, cues)  # the cycle closes back on its first state
    assert torch.equal(hopfield.settle(swap, cues, 1), torch.tensor([[[-1.0, -1.0], [1.0, -1.0]]]))


def _settle_one(w, s, max_iterations):
    """The test's dynamics for one pattern, written plainly (numpy, no batch)."""
    previous = None
    for _ in range(max_iterations):
        field = w @ s
        new = np.where(field > 0, 1.0, np.where(field < 0, -1.0, s))
        stop = (new == s).all() or (previous is not None and (new == previous).all())
        previous, s = s, new
        if stop:
            break
    return s


@pytest.mark.parametrize("max_iterations", [1, 3, 100])
@pytest.mark.parametrize("kernel", [True, False], ids=["fused", "eager"])
def test_settle_is_each_patterns_own_dynamics_while_runs_leave_the_batch(max_iterations, kernel):
    if kernel and not fused.active():
        pytest.skip(f"no fused kernels: {fused.status()}")
    with contextlib.nullcontext() if kernel else fused.turned_off():
        _check_settle(max_iterations)


def _check_settle(max_iterations):
    g = torch.Generator().manual_seed(3)
    n, m = 12, 6
    stored = torch.where(torch.rand(4, m, n, generator=g) < 0.5, 1.0, -1.0)
    # integer weights (exact fields, zeros included): Hebbian runs settle at once, random
    # asymmetric ones wander, one run mixes both, so runs leave the batch at different steps
    weights = torch.stack([hopfield.hebbian(stored[0, :2]) * n,
                           torch.randint(-2, 3, (n, n), generator=g).float(),
                           hopfield.hebbian(stored[2, :4]) * n + torch.randint(-1, 2, (n, n), generator=g),
                           torch.randint(-1, 2, (n, n), generator=g).float()])
    cues = stored * torch.where(torch.rand(4, m, n, generator=g) < 0.2, -1.0, 1.0)
    settled = hopfield.settle(weights, cues, max_iterations)
    for r in range(4):
        for k in range(m):
            expected = _settle_one(weights[r].numpy(), cues[r, k].numpy(), max_iterations)
            assert np.array_equal(settled[r, k].numpy(), expected), (r, k)
    assert torch.equal(hopfield.settle(weights[0], cues, max_iterations)[0], settled[0])  # shared [N, N] weights


def test_flips_are_exact_and_nested():
    config = small(n_neurons=50)
    stored = rm.patterns(config, 30)
    cues = rm.flip(config, stored, 0.1)
    assert ((cues != stored).sum(-1) == 5).all()
    assert torch.equal(rm.flip(config, stored[:, :12], 0.1), cues[:, :12])
    assert torch.equal(rm.patterns(config, 12), stored[:, :12])


def test_correlated_patterns_follow_their_markov_chain():
    config = rm.Config(n_runs=4, n_neurons=400, correlation=0.8)
    stored = rm.patterns(config, 50)
    same = (stored[..., 1:] == stored[..., :-1]).double().mean().item()
    n = stored[..., 1:].numel()
    assert abs(same - 0.8) < 4 * math.sqrt(0.8 * 0.2 / n)  # 4 binomial standard errors
    first = stored[..., 0].mean().item()
    assert abs(first) < 4 / math.sqrt(stored[..., 0].numel())  # unbiased first element


def test_scan_stops_each_run_at_its_first_failure():
    true = np.array([3, 5, 0])
    asked = []

    def evaluate(m, runs):
        asked.append((m, runs.tolist()))
        passed = (m <= true[runs]) | (m == 7)  # a pass after the first failure does not count
        return {"a": passed, "b": m <= 2 * true[runs]}

    caps, rounds = scan_capacity(evaluate, 3, range(1, 12))
    assert caps["a"].tolist() == [3, 5, 0]
    assert caps["b"].tolist() == [6, 10, 0]
    assert asked[0] == (1, [0, 1, 2]) and asked[1] == (2, [0, 1])
    assert asked[-1] == (11, [1])  # run 1 passes "b" up to 10 and fails at 11


def test_mean_interval():
    generator = torch.Generator().manual_seed(0)
    assert mean_interval([1.5, 1.5, 1.5], 100, generator) == (1.5, 1.5)
    low, high = mean_interval([1.0, 1.2, 1.4, 1.6, 1.8], 500, generator)
    assert 1.0 < low < 1.4 < high < 1.8


@pytest.mark.slow
def test_hebbian_capacity_under_this_test_is_the_known_one():
    """Hebbian storage of unbiased patterns fails near α = 0.14 (Amit, Gutfreund, Sompolinsky
    1985; the paper: 0.14); the pseudo-inverse keeps every pattern fixed below M = N."""
    config = rm.Config(profile="paper", noise_levels=(0.0,), networks=("Hebbian", "pseudo-inverse"))
    stored = rm.patterns(config, 200)
    counts = config.pattern_counts(config.scan_step)
    caps = {}
    for name in config.networks:
        rule = rm.RULES[name][0]

        def evaluate(m, runs):
            return {"f=0": rm.scores(config, rule(stored[runs, :m], config).float(), stored[runs, :m], runs)["f=0"]
                    >= config.threshold}

        caps[name] = scan_capacity(evaluate, config.n_runs, counts)[0]["f=0"] / config.n_neurons
    assert 0.11 <= caps["Hebbian"].mean() <= 0.17
    assert caps["pseudo-inverse"].min() >= 0.8


def test_redundancy_maximisation_stores_half_a_pattern_per_neuron():
    config = rm.Config(n_runs=2, n_neurons=40, max_epochs=300)
    stored = rm.patterns(config, 20)
    weights, _ = rm.train_runs(config, stored, torch.tensor([config.gamma] * 2), [0, 1])
    assert (rm.scores(config, weights, stored, [0, 1])["f=0"] >= 0.95).all()
    untrained = rm.make_layer(config, [0, 1]).w_context.detach()
    assert (rm.scores(config, untrained, stored, [0, 1])["f=0"] < 0.5).all()


@pytest.mark.parametrize("changes, message", [
    ({"noise_levels": (0.1,)}, "noise_levels must include 0.0"),
    ({"optimizer": "rmsprop"}, "optimizer"),
    ({"networks": ("Hebb",)}, "networks"),
    ({"correlation": 1.5}, "correlation"),
])
def test_bad_settings_are_refused(changes, message):
    with pytest.raises((ConfigError, ValueError), match=message):
        rm.Config(**changes)


@pytest.mark.slow
def test_cli_writes_the_documented_metrics(tmp_path):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "infomorphic_core.cli", "run", "redundancy_memory", "--no-cache",
               "--out", str(out), "--set", "n_runs=2", "--set", "n_neurons=12", "--set", "max_epochs=20",
               "--set", "scan_step=0.25", "--set", "scan_stop=1.0", "--set", "n_bootstrap=20",
               "--set", "networks=[\"Hebbian\"]"]
    subprocess.run(command, check=True, capture_output=True, text=True)
    metrics = json.loads((out / "metrics.json").read_text())
    for key in ("alpha_c_mean", "alpha_c_ci", "alpha_c_by_goal", "ablation", "hebbian_alpha_c", "storkey_alpha_c",
                "pseudoinverse_alpha_c", "perceptron_alpha_c", "n_seeds", "n_neurons"):
        assert key in metrics
    assert list(metrics["ablation"]) == [row[0] for row in rm.LADDER]
    assert metrics["n_seeds"] == 2 and metrics["storkey_alpha_c"] is None
    assert metrics["alpha_c_ci"][0] <= metrics["alpha_c_mean"] <= metrics["alpha_c_ci"][1]
    assert set(metrics["alpha_c_by_goal"]) == set(rm.GOALS)


def test_a_runs_scores_do_not_depend_on_its_batch():
    config = small(noise_levels=(0.0, 0.2))
    stored = rm.patterns(config, 10)
    weights = torch.randn(3, 20, 20, generator=torch.Generator().manual_seed(0))
    together = rm.scores(config, weights, stored, [0, 1, 2], ("k",))
    alone = rm.scores(config, weights[[1]], stored[[1]], [1], ("k",))
    for test in together:
        assert together[test][1] == alone[test][0], test
    assert together[rm.STOCHASTIC].std() > 0  # samples differ between seeds


def test_a_setting_swept_equals_each_value_scanned_alone():
    """sweep_setting runs each value as a sweep point (here in this process); its rows are the
    capacities that a scan of each value's config gives."""
    config = small(n_runs=2, n_neurons=16, scan_start=0.5, scan_step=0.25, scan_stop=1.5, seed=3,
                   networks=())
    swept = rm.sweep_setting(config, "correlation", (0.5, 0.8), use_cache=False)
    assert set(swept.network) == {"redundancy", "Hebbian"} and len(swept) == 8
    for p in (0.5, 0.8):
        alone = config.replace(correlation=p, networks=("Hebbian",))
        caps = rm.scan(alone, {"redundancy": alone.gamma}, use_cache=False).capacities
        caps = caps[caps.test == "f=0"].set_index(["network", "seed"]).alpha_c
        mine = swept[swept.correlation == p].set_index(["network", "seed"]).alpha_c
        pd.testing.assert_series_equal(mine.sort_index(), caps.sort_index(), check_names=False)


TINY = dict(n_runs=2, n_neurons=12, max_epochs=20, scan_step=0.25, scan_stop=1.0, n_bootstrap=20,
            networks=("Hebbian",))


@pytest.mark.slow
def test_scans_run_on_workers_with_the_same_result(tmp_path):
    """Two local Dask workers run the main scan and the ladder's into the shared cache; the
    result equals the one computed here."""
    config = rm.Config(**TINY)
    here = rm.run(config, use_cache=False)
    there = rm.run(config, cache_dir=tmp_path, workers=2)
    pd.testing.assert_frame_equal(here.capacities, there.capacities)
    assert here.metrics == there.metrics
    with pytest.raises(ValueError, match="use_cache"):
        rm.run(config, use_cache=False, workers=2)


def test_every_ladder_row_has_its_goal_scanned():
    """With a network other than the ladder's defaults, the last two rows (redundancy, then
    goal B, both at the defaults) share one scan, which must hold both goals."""
    jobs = rm._scan_jobs(rm.Config(**TINY, optimizer="sgd"))
    assert jobs[()][1].keys() == {"redundancy", "optimised B"}
    assert rm._scan_jobs(rm.Config(**TINY))[()] is None  # the main scan is that setting's
    result = rm.run(rm.Config(**TINY, optimizer="sgd", learning_rate=1.0), use_cache=False)
    assert all(np.isfinite(value) for value in result.metrics["ablation"].values())


@pytest.mark.slow
def test_ablation_without_the_goal_comparison():
    """compare_goals=False with the ablation: the main scan (the ladder's last setting) trains
    the ladder's goals too, so every row has a capacity (this crashed after every scan)."""
    small = rm.Config(n_runs=1, n_neurons=12, max_epochs=20, scan_start=0.5, scan_step=0.5,
                      scan_stop=1.0, networks=(), n_bootstrap=10, compare_goals=False, ablation=True)
    jobs = rm._scan_jobs(small)
    assert jobs[()] is None and {"redundancy", "optimised B"} <= set(jobs["main"][1])
    result = rm.run(small, use_cache=False)
    assert len(result.ablation) == len(rm.LADDER) and result.ablation.ours.notna().all()
