import torch

from infomorphic_core.foldiak import Foldiak, FoldiakConfig
from infomorphic_core.tasks import bars

RUNS = 10


def all_images() -> torch.Tensor:
    return ((bars.ALL_IMAGES.double() + 1) / 2).expand(RUNS, -1, -1).contiguous()


def trained(n_images: int) -> Foldiak:
    config = bars.Config.from_profile("quick", n_runs=RUNS)
    x = (bars.images(n_images, config, "foldiak") + 1) / 2
    net = Foldiak(FoldiakConfig(8, 64, p=config.p_bar), RUNS)
    for k in range(n_images):
        net.learn(x[:, k].double())
    return net


def test_the_network_separates_the_bars_it_did_not_separate_untrained():
    # Földiák's result on the bars task: every unit ends up coding one bar, a different one each
    _, untrained = bars.bar_assignment(Foldiak(FoldiakConfig(8, 64, p=0.5), RUNS).settle(all_images()))
    assert (untrained < 8).sum() >= RUNS // 2
    net = trained(2000)
    y = net.settle(all_images())
    bar, distinct = bars.bar_assignment(y)
    assert (distinct == 8).all()
    # the Hebbian rule's fixed point is Q_i = E[x | y_i = 1] (a running mean over about 1/β = 50
    # firings): near 1 on the unit's own bar, and the other bars' pixels as often as the unit's
    # firing goes with them; every image is equally likely at a bar probability of 0.5
    x = all_images()
    conditional = (y.mT @ x) / y.sum(1)[..., None]  # [runs, units, 64]
    masks = torch.from_numpy(bars.bar_masks(8, "horizontal")).double()
    per_bar = (net.q - conditional) @ masks.T / 8  # mean difference on each bar's pixels
    # a running mean with weight β of a 0/1 variable of probability ½ has a standard deviation of
    # √(β/(2 − β) · ¼) = 0.05: its mean absolute deviation is 0.04, and 640 draws stay within 5σ
    assert per_bar.abs().mean() < 0.06 and per_bar.abs().max() < 0.25
    assert ((net.q * masks[bar]).sum(-1) / 8 > 0.85).all()
    # the thresholds hold each unit's firing probability near p (their running adaptation with
    # γ = 0.02 leaves single units off by up to about 0.2)
    assert (y.mean(1) - 0.5).abs().mean() < 0.1


def test_the_lateral_weights_stay_inhibitory_and_without_self_connections():
    net = trained(50)
    assert (net.w <= 0).all() and (net.w.diagonal(dim1=-2, dim2=-1) == 0).all()
