"""Example joint pmfs with reference atoms from outside this code, shared by the tests and the
theory chapter: the classic gates (sources uniform and independent) and small stochastic
neurons. Pmfs are ``[s1, s2, t]`` float64 tensors; S1 plays R̃ and S2 plays C̃."""

from __future__ import annotations

import itertools

import torch


def pmf_from_realisations(rows, shape=None):
    """Joint pmf [s1, s2, t] from (s1, s2, t) realisations, uniform or with given weights."""
    if all(len(r) == 3 for r in rows):
        rows = [(r, 1.0 / len(rows)) for r in rows]
    if shape is None:
        shape = tuple(max(r[0][i] for r in rows) + 1 for i in range(3))
    p = torch.zeros(shape, dtype=torch.float64)
    for (s1, s2, t), w in rows:
        p[s1, s2, t] += w
    return p


def gate(fn, n=2):
    return pmf_from_realisations([(a, b, fn(a, b)) for a, b in itertools.product(range(n), repeat=2)])


GATES = {
    "XOR": gate(lambda a, b: a ^ b),
    "AND": gate(lambda a, b: a & b),
    "OR": gate(lambda a, b: a | b),
    "UNQ": gate(lambda a, b: a),
    "RDN": pmf_from_realisations([(0, 0, 0), (1, 1, 1)]),
    "COPY": gate(lambda a, b: 2 * a + b),
    "S1_XOR": gate(lambda a, b: 2 * a + (a ^ b)),
    "SUM": gate(lambda a, b: a + b),
    "RndErr": pmf_from_realisations(
        [((0, 0, 0), 3 / 8), ((1, 1, 1), 3 / 8), ((0, 1, 0), 1 / 8), ((1, 0, 1), 1 / 8)]
    ),
    "PwUnq": pmf_from_realisations([(0, 1, 1), (1, 0, 1), (0, 2, 2), (2, 0, 2)]),
    "ReducedOr": pmf_from_realisations([((0, 0, 0), 0.5), ((0, 1, 1), 0.25), ((1, 0, 1), 0.25)]),
    "WilliamsBeerA": pmf_from_realisations([(0, 0, 0), (0, 1, 1), (1, 0, 2)]),
}

# Averaged atoms of the classic gates, 6 decimals, as in the pointwise gate tests of the sx-PID
# reference implementation (Makkeh et al. 2021); the test suite checks them against the
# independent implementation in dit. Typed in that implementation's order (Red, Unq_1, Unq_2, Syn,
# I(T:S1,S2), H_res) and read by name: the atoms by their keys (S1 plays R̃), ``mi`` the mutual
# information.
GATE_ORDER = ("red", "unq_R", "unq_C", "syn", "mi", "res")
GATE_VALUES = {name: dict(zip(GATE_ORDER, values)) for name, values in {
    "XOR": (-0.584963, 0.584963, 0.584963, 0.415037, 1, 0),
    "AND": (0.122556, 0.188722, 0.188722, 0.311278, 0.811278, 0),
    "OR": (0.122556, 0.188722, 0.188722, 0.311278, 0.811278, 0),
    "UNQ": (0.415037, 0.584963, -0.415037, 0.415037, 1, 0),
    "RDN": (1, 0, 0, 0, 1, 0),
    "COPY": (0.415037, 0.584963, 0.584963, 0.415037, 2, 0),
    "S1_XOR": (0.415037, 0.584963, 0.584963, 0.415037, 2, 0),
    "SUM": (-0.084963, 0.584963, 0.584963, 0.415037, 1.5, 0),
    "RndErr": (0.556715, 0.443285, -0.367993, 0.367993, 1, 0),
    "PwUnq": (0, 0.5, 0.5, 0, 1, 0),
    "ReducedOr": (-0.292481, 0.603759, 0.603759, 0.084963, 1, 0),
    "WilliamsBeerA": (0.389975, 0.528321, 0.528321, 0.138346, 1.584963, 0),
}.items()}


def neuron(theta):
    """R̃, C̃ iid uniform on {0, 1}; Y = 1 with probability theta[r][c] (index 1 of the target)."""
    th = torch.tensor(theta, dtype=torch.float64)
    return 0.25 * torch.stack([1 - th, th], dim=-1)


# Stochastic neurons, R̃ and C̃ iid uniform (also checked against dit): name -> (theta, values by
# name: the atoms by key, ``mi`` = I(Y:R,C), ``h`` = H(Y)), typed in the order of NEURON_ORDER
NEURON_ORDER = ("red", "unq_R", "unq_C", "syn", "mi", "h", "res")
NEURON_VALUES = {name: (theta, dict(zip(NEURON_ORDER, values))) for name, (theta, values) in {
    "noisy XNOR": ([[0.9, 0.1], [0.1, 0.9]], (-0.368609, 0.368609, 0.368609, 0.162395, 0.531004, 1, 0.468996)),
    "noisy copy-R": ([[0.1, 0.1], [0.9, 0.9]], (0.262187, 0.268817, -0.262187, 0.262187, 0.531004, 1, 0.468996)),
    "noisy AND": ([[0.1, 0.1], [0.1, 0.9]], (0.052983, 0.093810, 0.093810, 0.171692, 0.412295, 0.881291, 0.468996)),
    "coin": ([[0.5, 0.5], [0.5, 0.5]], (0, 0, 0, 0, 0, 1, 1)),
}.items()}
