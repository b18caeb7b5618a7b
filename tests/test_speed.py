"""The timed workloads of make bench and the Performance page (their timings are not tested)."""

import torch

from infomorphic_core import speed


def test_best_time_calls_the_function_and_with_threads_restores_the_count():
    calls = []
    assert speed.best_time(lambda: calls.append(1), repeats=2, min_time=0.0) >= 0
    assert len(calls) == 3  # the warm-up and one call per round
    before = torch.get_num_threads()
    assert speed.with_threads(before + 1, torch.get_num_threads) == before + 1
    assert torch.get_num_threads() == before


def test_one_pass_references_and_the_workloads_run():
    p = speed.random_pmfs(10, (4, 3, 2))
    torch.testing.assert_close(p.sum((-3, -2, -1)), torch.ones(10))
    reference = speed.one_pass(p, repeats=1)
    assert reference["one_pass_s"] > 0 and reference["bandwidth_gb_s"] > 0
    step, (x, labels) = speed.mnist_sized()
    step()
    speed.backprop_step(x, labels)()
    speed.bars_sized(2, steps=8)()
    three = speed.trivariate_step(n_hidden=6, minibatch=32)
    three()
    three()  # a fresh sampling key every call


def test_the_long_figures_have_one_label_each_and_say_what_is_missing():
    from infomorphic_core import speed

    assert len(set(speed.FIGURES.values())) == len(speed.FIGURES)  # a repeated label would hide a row
    key, label = next(iter(speed.FIGURES.items()))
    shown = speed.figures({key: 3.14159})
    assert shown[label] == "3.142" and set(shown.drop(label)) == {"not measured"}
