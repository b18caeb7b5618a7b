"""sx-PID: the gate and stochastic-neuron test vectors of ``infomorphic_core.examples`` (checked
against dit below), the dit oracle, identities, gradients, bad input."""

import itertools
import math

import numpy as np
import pytest
import torch

from infomorphic_core.examples import GATE_VALUES, GATES, NEURON_VALUES, neuron
from infomorphic_core.goals import ATOM_KEYS
from infomorphic_core.pid import (
    conditional_mutual_information,
    entropy,
    mutual_information,
    sx_pid,
)

L2 = math.log2


@pytest.mark.parametrize("name", sorted(GATES))
def test_gate_atoms(name):
    p = GATES[name]
    atoms = sx_pid(p)
    got = atoms.as_dict() | {"mi": mutual_information(p)}
    for key, want in GATE_VALUES[name].items():
        assert float(got[key]) == pytest.approx(want, abs=1e-6), key


def test_xor_closed_form_exact():
    atoms = sx_pid(GATES["XOR"])
    assert float(atoms.red) == pytest.approx(L2(2 / 3), abs=1e-14)
    assert float(atoms.unq_R) == pytest.approx(L2(3 / 2), abs=1e-14)
    assert float(atoms.syn) == pytest.approx(L2(4 / 3), abs=1e-14)


@pytest.mark.parametrize("name", sorted(NEURON_VALUES))
def test_stochastic_neuron_atoms(name):
    theta, values = NEURON_VALUES[name]
    p = neuron(theta)
    got = sx_pid(p).as_dict() | {"mi": mutual_information(p), "h": entropy(p)}
    assert sorted(got) == sorted(values)
    for key, want in values.items():
        assert float(got[key]) == pytest.approx(want, abs=1e-6), key


# (gate, realisation (s1, s2, t)) -> (Unq1, Unq2, Syn, Red) in log2 form, from the union formula
POINTWISE = [
    ("XOR", (0, 0, 0), (L2(3 / 2), L2(3 / 2), L2(4 / 3), L2(2 / 3))),
    ("XOR", (1, 0, 1), (L2(3 / 2), L2(3 / 2), L2(4 / 3), L2(2 / 3))),
    ("AND", (0, 0, 0), (0, 0, 0, L2(4 / 3))),
    ("AND", (0, 1, 0), (L2(3 / 2), L2(3 / 4), L2(4 / 3), L2(8 / 9))),
    ("AND", (1, 1, 1), (L2(3 / 2), L2(3 / 2), L2(4 / 3), L2(4 / 3))),
    ("UNQ", (0, 1, 0), (L2(3 / 2), L2(3 / 4), L2(4 / 3), L2(4 / 3))),
    ("UNQ", (1, 1, 1), (L2(3 / 2), L2(3 / 4), L2(4 / 3), L2(4 / 3))),
    ("RDN", (1, 1, 1), (0, 0, 0, 1)),
    ("COPY", (1, 0, 2), (L2(3 / 2), L2(3 / 2), L2(4 / 3), L2(4 / 3))),
    ("RndErr", (0, 0, 0), (L2(5 / 4), L2(15 / 16), L2(16 / 15), L2(8 / 5))),
    ("RndErr", (0, 1, 0), (L2(7 / 4), L2(7 / 16), L2(16 / 7), L2(8 / 7))),
]


@pytest.mark.parametrize("name,cell,want", POINTWISE)
def test_pointwise_atoms(name, cell, want):
    local = sx_pid(GATES[name], pointwise=True).pointwise
    got = (local.unq_R[cell], local.unq_C[cell], local.syn[cell], local.red[cell])
    for value, w in zip(got, want):
        assert float(value) == pytest.approx(w, abs=1e-12)


def test_pointwise_averages_to_atoms_and_is_zero_off_support():
    p = random_pmfs(np.random.default_rng(3), (3, 4, 2), zero_fraction=0.3)
    atoms = sx_pid(p, pointwise=True)
    for name, local in atoms.pointwise.as_dict().items():
        assert float((p * local).sum()) == pytest.approx(float(getattr(atoms, name)), abs=1e-12)
        assert torch.all(local[p == 0] == 0)
        assert torch.isfinite(local).all()


def random_pmfs(rng, shape, zero_fraction=0.0, batch=()):
    p = rng.random(batch + shape)
    if zero_fraction:
        p[rng.random(p.shape) < zero_fraction] = 0.0
        # keep every table non-empty
        flat = p.reshape(-1, int(np.prod(shape)))
        flat[flat.sum(1) == 0, 0] = 1.0
    p = p / p.sum(axis=(-3, -2, -1), keepdims=True)
    return torch.as_tensor(p)


def dit_atoms(p):
    """(unq1, unq2, red, syn) from dit's independent PID_SX implementation."""
    import dit
    from dit.pid import PID_SX

    outcomes, probs = [], []
    for idx in itertools.product(*(range(n) for n in p.shape)):
        if p[idx] > 0:
            outcomes.append(tuple(int(i) for i in idx))
            probs.append(float(p[idx]))
    pid = PID_SX(dit.Distribution(outcomes, probs), [[0], [1]], [2])
    return (
        pid.get_pi(((0,),)),
        pid.get_pi(((1,),)),
        pid.get_pi(((0,), (1,))),
        pid.get_pi(((0, 1),)),
    )


SHAPES = [(2, 2, 2), (3, 2, 2), (2, 4, 3), (4, 4, 3), (4, 3, 2), (3, 3, 3)]


@pytest.mark.parametrize("shape", SHAPES)
def test_against_dit(shape):
    pytest.importorskip("dit")
    rng = np.random.default_rng(sum(shape))
    for zero_fraction in (0.0, 0.3):
        p = random_pmfs(rng, shape, zero_fraction)
        ours = sx_pid(p)
        want = dit_atoms(p.numpy())
        got = (ours.unq_R, ours.unq_C, ours.red, ours.syn)
        for value, w in zip(got, want):
            assert float(value) == pytest.approx(w, abs=1e-9)


def test_reference_values_agree_with_dit():
    """The hard-coded reference values above come from outside this code: dit agrees."""
    pytest.importorskip("dit")
    for name, values in GATE_VALUES.items():
        want = dit_atoms(GATES[name].numpy())
        assert want == pytest.approx([values[k] for k in ATOM_KEYS[:4]], abs=1e-6), name
    for name, (theta, values) in NEURON_VALUES.items():
        want = dit_atoms(neuron(theta).numpy())
        assert want == pytest.approx([values[k] for k in ATOM_KEYS[:4]], abs=1e-6), name


@pytest.fixture
def batch():
    return random_pmfs(np.random.default_rng(7), (4, 3, 3), zero_fraction=0.2, batch=(5, 2))


def test_identities(batch):
    atoms = sx_pid(batch)
    h_t = entropy(batch)
    torch.testing.assert_close(atoms.stack().sum(-1), h_t, atol=1e-12, rtol=0)
    co_information = (
        mutual_information(batch, "s1") + mutual_information(batch, "s2") - mutual_information(batch)
    )
    torch.testing.assert_close(co_information, atoms.red - atoms.syn, atol=1e-12, rtol=0)
    torch.testing.assert_close(
        conditional_mutual_information(batch, "s1", "s2"), atoms.unq_R + atoms.syn, atol=1e-12, rtol=0
    )
    torch.testing.assert_close(
        conditional_mutual_information(batch, "s2", "s1"), atoms.unq_C + atoms.syn, atol=1e-12, rtol=0
    )


def test_swapping_sources_swaps_uniques(batch):
    atoms = sx_pid(batch)
    swapped = sx_pid(batch.transpose(-3, -2))
    torch.testing.assert_close(swapped.unq_R, atoms.unq_C, atol=1e-12, rtol=0)
    torch.testing.assert_close(swapped.unq_C, atoms.unq_R, atol=1e-12, rtol=0)
    for name in ("red", "syn", "res"):
        torch.testing.assert_close(getattr(swapped, name), getattr(atoms, name), atol=1e-12, rtol=0)


def test_relabelling_states_changes_nothing(batch):
    permuted = batch[..., [2, 0, 3, 1], :, :][..., [1, 2, 0], :][..., [2, 1, 0]]
    torch.testing.assert_close(sx_pid(permuted).stack(), sx_pid(batch).stack(), atol=1e-12, rtol=0)


def test_batch_equals_loop(batch):
    together = sx_pid(batch).stack()
    for i, j in itertools.product(range(batch.shape[0]), range(batch.shape[1])):
        torch.testing.assert_close(together[i, j], sx_pid(batch[i, j]).stack(), atol=1e-14, rtol=0)


def test_float32_agrees_with_float64(batch):
    big = random_pmfs(np.random.default_rng(1), (20, 20, 2), zero_fraction=0.1, batch=(50,))
    for p in (batch, big):
        a64 = sx_pid(p).stack()
        a32 = sx_pid(p.float()).stack()
        assert a32.dtype == torch.float32
        torch.testing.assert_close(a32.double(), a64, atol=1e-4, rtol=0)


def test_numpy_input_gives_torch_output():
    atoms = sx_pid(GATES["XOR"].numpy())
    assert isinstance(atoms.red, torch.Tensor)
    assert atoms.stack().shape == (5,)


def test_gradcheck():
    rng = np.random.default_rng(11)
    for shape in [(2, 2, 2), (3, 4, 2), (2, 3, 3)]:
        raw = random_pmfs(rng, shape, batch=(2,)).clone().requires_grad_(True)

        def f(x):
            return sx_pid(x / x.sum(dim=(-3, -2, -1), keepdim=True)).stack()

        assert torch.autograd.gradcheck(f, (raw,), eps=1e-7, atol=1e-6)


def test_gradients_finite_with_zero_cells():
    p = random_pmfs(np.random.default_rng(5), (4, 4, 2), zero_fraction=0.5, batch=(3,))
    p[0, 0] = 0.0  # a whole empty row of a source
    p[0] = p[0] / p[0].sum()
    weights = torch.tensor([0.3, -0.2, 1.0, 0.5, 0.1], dtype=torch.float64)
    for dtype in (torch.float64, torch.float32):
        x = p.to(dtype).clone().requires_grad_(True)
        atoms = sx_pid(x, pointwise=True)
        assert torch.isfinite(atoms.stack()).all()
        ((atoms.stack() * weights.to(dtype)).sum() + atoms.pointwise.red.sum()).backward()
        assert torch.isfinite(x.grad).all()


def test_no_bias_on_full_tables():
    """No epsilon: a table without zeros agrees with a pure-numpy evaluation to 1e-12."""
    p = random_pmfs(np.random.default_rng(2), (3, 3, 2)).numpy()
    p1, p2, pt = p.sum((1, 2)), p.sum((0, 2)), p.sum((0, 1))
    p1t, p2t, p12 = p.sum(1), p.sum(0), p.sum(2)
    union = p1[:, None] + p2[None, :] - p12
    union_t = p1t[:, None, :] + p2t[None, :, :] - p
    red = np.sum(p * np.log2(union_t / (pt[None, None, :] * union[:, :, None])))
    assert float(sx_pid(p).red) == pytest.approx(red, abs=1e-12)


def test_cuda_matches_cpu():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    p = random_pmfs(np.random.default_rng(4), (6, 5, 2), zero_fraction=0.2, batch=(8,))
    x = p.cuda().requires_grad_(True)
    atoms = sx_pid(x)
    atoms.stack().sum().backward()
    torch.testing.assert_close(atoms.stack().cpu(), sx_pid(p).stack(), atol=1e-12, rtol=0)
    assert torch.isfinite(x.grad).all()


@pytest.mark.parametrize(
    "p, message",
    [
        (torch.full((2, 2), 0.25, dtype=torch.float64), "rank"),
        (torch.zeros((2, 0, 2), dtype=torch.float64), "empty axis"),
        (torch.tensor([[[0.5, -0.25], [0.5, 0.25]]], dtype=torch.float64), "negative"),
        (torch.tensor([[[0.5, float("nan")], [0.25, 0.25]]], dtype=torch.float64), "NaN"),
        (torch.tensor([[[0.5, float("inf")], [0.25, 0.25]]], dtype=torch.float64), "infinite"),
        (torch.full((2, 2, 2), 0.125 + 1e-7, dtype=torch.float64), "sum to 1"),
        (torch.full((2, 2, 2), 0.125 + 1e-3, dtype=torch.float32), "sum to 1"),
        (torch.full((2, 2, 2), 0.125, dtype=torch.float16), "dtype"),
    ],
)
def test_bad_input_raises(p, message):
    with pytest.raises(ValueError, match=message):
        sx_pid(p)


def test_float32_scatter_added_histogram_accepted():
    """A float32 histogram of many samples is off 1 by more than 1e-6 and must still pass."""
    g = torch.Generator().manual_seed(0)
    n = 200_000
    bins = torch.randint(0, 40, (n,), generator=g)
    weight = torch.full((n,), 1.0 / n, dtype=torch.float32)
    hist = torch.zeros(40, dtype=torch.float32).index_add_(0, bins, weight)
    p = hist.reshape(5, 4, 2)
    p = p + 2e-5 / 40  # within the float32 tolerance
    atoms = sx_pid(p)
    assert torch.isfinite(atoms.stack()).all()


def test_helpers_validate_names():
    p = GATES["XOR"]
    with pytest.raises(ValueError, match="variables"):
        entropy(p, ("x",))
    with pytest.raises(ValueError, match="target"):
        mutual_information(p, ("s1", "t"))
    with pytest.raises(ValueError, match="source"):
        conditional_mutual_information(p, "s1", "s1")
    assert float(entropy(p, ("s1", "s2"))) == pytest.approx(2.0, abs=1e-12)
    assert float(conditional_mutual_information(p, "s1", "s2")) == pytest.approx(1.0, abs=1e-12)


# --- three sources (sx_pid_lattice) ------------------------------------------------------------


def dit_lattice_atoms(p, vocabulary):
    """Each atom of ``vocabulary`` from dit's PID_SX on the pmf ``p[s1, s2, s3, t]``."""
    import dit
    from dit.pid import PID_SX

    outcomes, probs = [], []
    for idx in itertools.product(*(range(n) for n in p.shape)):
        if p[idx] > 0:
            outcomes.append(tuple(int(i) for i in idx))
            probs.append(float(p[idx]))
    k = p.ndim - 1
    pid = PID_SX(dit.Distribution(outcomes, probs), [[i] for i in range(k)], [k])
    sources = next(a.antichain[0] for a in vocabulary.atoms if len(a.antichain) == 1
                   and len(a.antichain[0]) == k)
    index = {name: i for i, name in enumerate(sources)}
    out = {}
    for atom in vocabulary.atoms:
        if atom.antichain:
            target = {frozenset(index[x] for x in a) for a in atom.antichain}
            node = next(n for n in pid._lattice if {frozenset(a) for a in n} == target)
            out[atom.key] = pid.get_pi(node)
    return out


@pytest.mark.parametrize("shape", [(2, 2, 2, 2), (3, 2, 2, 2)])  # dit takes minutes on larger ones
@pytest.mark.slow
def test_three_sources_against_dit(shape):
    pytest.importorskip("dit")
    from infomorphic_core.goals import TRIVARIATE
    from infomorphic_core.pid import sx_pid_lattice

    rng = np.random.default_rng(sum(shape))
    for zero_fraction in (0.0, 0.4):
        p = rng.random(shape)
        p[rng.random(shape) < zero_fraction] = 0.0
        p /= p.sum()
        ours = sx_pid_lattice(torch.as_tensor(p))
        want = dit_lattice_atoms(p, TRIVARIATE)
        assert len(want) == 18
        for key, value in want.items():
            assert abs(float(ours[key]) - value) < 1e-9, key


def test_lattice_pid_of_two_sources_is_the_bivariate_one():
    from infomorphic_core.goals import lattice_vocabulary
    from infomorphic_core.pid import sx_pid_lattice

    p = random_pmfs(np.random.default_rng(3), (3, 4, 2), 0.3, batch=(5,))
    two = sx_pid(p)
    lattice = sx_pid_lattice(p, lattice_vocabulary(("R", "C")))
    for ours, key in (("unq_R", "{R}"), ("unq_C", "{C}"), ("red", "{R}{C}"), ("syn", "{RC}"), ("res", "res")):
        torch.testing.assert_close(lattice[key], two[ours], rtol=0, atol=1e-12)


def test_three_source_atoms_add_up_and_are_batched_and_differentiable():
    from infomorphic_core.goals import TRIVARIATE
    from infomorphic_core.pid import sx_pid_lattice

    rng = np.random.default_rng(5)
    p = torch.as_tensor(rng.random((4, 3, 2, 2, 2)))
    p = (p / p.sum((-4, -3, -2, -1), keepdim=True)).requires_grad_(True)
    atoms = sx_pid_lattice(p)
    assert atoms.stack().shape == (4, 19)
    p_t = p.sum((-4, -3, -2))
    h_t = -(p_t * torch.log2(p_t)).sum(-1)
    torch.testing.assert_close(atoms.stack().sum(-1), h_t, rtol=0, atol=1e-12)  # atoms sum to H(T)
    alone = sx_pid_lattice(p[2].detach())
    torch.testing.assert_close(atoms.stack()[2].detach(), alone.stack(), rtol=0, atol=1e-12)
    atoms.stack()[..., TRIVARIATE.index("{F}{C}{L}")].sum().backward()
    assert torch.isfinite(p.grad).all() and p.grad.abs().max() > 0
    with pytest.raises(ValueError, match="sum to 1"):
        sx_pid_lattice(torch.full((2, 2, 2, 2), 0.1))


def histogram(weights, bins, n_bins):
    """The joint p(s_1, ..., s_k, t) of samples by scatter-adding their weights: [..., *n_bins, n_t]."""
    *lead, n_samples, n_t = weights.shape
    cell = torch.zeros_like(bins[0])
    for b, n in zip(bins, n_bins):
        cell = cell * n + b
    size = int(np.prod(n_bins))
    table = torch.zeros(*lead, size, n_t, dtype=weights.dtype)
    table = table.scatter_add(-2, cell[..., None].expand(*cell.shape, n_t), weights / n_samples)
    return table.reshape(*lead, *n_bins, n_t)


@pytest.mark.parametrize("n_bins", [(4, 3, 5), (20, 20, 20)])
def test_atoms_at_the_samples_equal_the_atoms_of_the_histogram(n_bins):
    """Σ_cells p·i = (1/B) Σ_n Σ_t w_n(t) i(s_n, t): values and gradients equal the full-table
    sx-PID, also where θ is exactly 0 or 1 (outputs of zero probability)."""
    from infomorphic_core.pid import sx_pid_lattice, sx_pid_samples

    generator = torch.Generator().manual_seed(7)
    theta = torch.rand(2, 3, 300, generator=generator, dtype=torch.float64)
    theta[0, 0, :40] = 1.0
    theta[1, 2, 10:30] = 0.0
    theta.requires_grad_(True)
    bins = [torch.randint(0, n, (2, 3, 300), generator=generator) for n in n_bins]
    weights = torch.stack([1 - theta, theta], -1)
    ours = sx_pid_samples(weights, bins, n_bins)
    full = sx_pid_lattice(histogram(weights, bins, n_bins))
    assert ours.stack().shape == (2, 3, 19)
    torch.testing.assert_close(ours.stack(), full.stack(), rtol=0, atol=1e-12)
    gamma = torch.randn(19, generator=generator, dtype=torch.float64)
    ours_grad, = torch.autograd.grad((ours.stack() * gamma).sum(), theta)
    full_grad, = torch.autograd.grad((full.stack() * gamma).sum(), theta)
    assert torch.isfinite(ours_grad).all() and ours_grad.abs().max() > 0
    torch.testing.assert_close(ours_grad, full_grad, rtol=0, atol=1e-12)


def test_atoms_at_the_samples_of_two_sources_are_the_bivariate_ones_in_float32():
    from infomorphic_core.goals import lattice_vocabulary
    from infomorphic_core.pid import sx_pid_samples

    generator = torch.Generator().manual_seed(8)
    theta = torch.rand(5, 500, generator=generator)
    bins = [torch.randint(0, n, (5, 500), generator=generator) for n in (6, 4)]
    weights = torch.stack([1 - theta, theta], -1)
    ours = sx_pid_samples(weights, bins, (6, 4), lattice_vocabulary(("R", "C")))
    two = sx_pid(histogram(weights.double(), bins, (6, 4)))
    assert ours.stack().dtype == torch.float32
    for key, name in (("{R}", "unq_R"), ("{C}", "unq_C"), ("{R}{C}", "red"), ("{RC}", "syn"), ("res", "res")):
        torch.testing.assert_close(ours[key].double(), two[name], rtol=0, atol=1e-5)
    with pytest.raises(ValueError, match="each of the sources"):
        sx_pid_samples(weights, bins[:1], (6,), lattice_vocabulary(("R", "C")))


def test_gradient_at_the_samples_matches_finite_differences_and_float32():
    """The closed-form backward of the sampled atoms: against central differences (gradcheck,
    float64) for the three-source and the two-source lattice, and float32 against float64."""
    from infomorphic_core.goals import lattice_vocabulary
    from infomorphic_core.pid import sx_pid_samples

    generator = torch.Generator().manual_seed(9)
    for sources, n_bins in ((("F", "C", "L"), (3, 2, 4)), (("R", "C"), (4, 3))):
        vocabulary = lattice_vocabulary(sources)
        theta = (0.1 + 0.8 * torch.rand(2, 40, generator=generator, dtype=torch.float64)).requires_grad_(True)
        bins = [torch.randint(0, n, (2, 40), generator=generator) for n in n_bins]
        gamma = torch.randn(len(vocabulary.keys), generator=generator, dtype=torch.float64)

        def goal(t):
            return (sx_pid_samples(torch.stack([1 - t, t], -1), bins, n_bins, vocabulary).stack() * gamma).sum()

        assert torch.autograd.gradcheck(goal, (theta,), eps=1e-6, atol=1e-7)
        grad64, = torch.autograd.grad(goal(theta), theta)
        theta32 = theta.detach().float().requires_grad_(True)
        atoms32 = sx_pid_samples(torch.stack([1 - theta32, theta32], -1), bins, n_bins, vocabulary)
        grad32, = torch.autograd.grad((atoms32.stack() * gamma.float()).sum(), theta32)
        torch.testing.assert_close(grad32.double(), grad64, rtol=0, atol=1e-4 * grad64.abs().max().item())
