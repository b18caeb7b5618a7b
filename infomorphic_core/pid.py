"""Shared-exclusion partial information decomposition (sx-PID) of bivariate joint pmfs.

Implements the bivariate sx-PID of Makkeh, Gutknecht & Wibral (PRE 103, 032149, 2021), as used
by the infomorphic neurons of Makkeh et al. (PNAS 2025, Eqs. 3-6).

A joint pmf is a tensor shaped ``[..., n_s1, n_s2, n_t]``: any leading (batch) axes, then the
two sources and the target. All quantities are in bits.

Numerics: cells with zero probability contribute nothing (every term is weighted by the cell's
probability); the logarithm of such a cell is replaced by ``log2 1 = 0`` through a mask, so no
epsilon biases the result and no NaN reaches a value or a gradient. Atoms are never clipped: the
sx redundancy can be negative (XOR: log2 2/3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from typing import Iterable

import numpy as np
import torch

from . import fused
from .goals import BIVARIATE, TRIVARIATE, Vocabulary

__all__ = [
    "PIDAtoms",
    "sx_pid",
    "sx_pid_lattice",
    "sx_pid_samples",
    "entropy",
    "mutual_information",
    "conditional_mutual_information",
    "as_pmf",
]

# Allowed deviation of a table's total from 1. A float32 histogram scatter-added from thousands
# of samples is legitimately off by more than 1e-6, so float32 gets a much looser bound.
SUM_TOLERANCE = {torch.float64: 1e-9, torch.float32: 1e-4}

_AXES = {"s1": -3, "s2": -2, "t": -1}


@dataclass
class PIDAtoms:
    """The atoms of an sx-PID (bits): ``values[..., i]`` is atom i of ``vocabulary`` (for the
    bivariate one, S1 = R̃, S2 = C̃ and T = Y: I_unq,R, I_unq,C, I_red, I_syn, H_res, PNAS
    Eq. 5), shaped like the pmf's leading axes. Atoms read by key: ``atoms.red``,
    ``atoms["unq_R"]``. With ``pointwise=True`` the local atoms on the grid
    ``[..., n_s1, n_s2, n_t]`` are in ``pointwise`` (zero on cells of zero probability).
    """

    values: torch.Tensor
    vocabulary: Vocabulary = BIVARIATE
    pointwise: "PIDAtoms | None" = None

    @classmethod
    def of(cls, pointwise=None, vocabulary: Vocabulary = BIVARIATE, **atoms) -> "PIDAtoms":
        """From one tensor per atom key, in any order."""
        if sorted(atoms) != sorted(vocabulary.keys):
            raise ValueError(f"PIDAtoms needs the atoms {vocabulary.keys}, got {tuple(atoms)}")
        return cls(torch.stack([atoms[key] for key in vocabulary.keys], dim=-1), vocabulary, pointwise)

    def __getitem__(self, key: str) -> torch.Tensor:
        return self.values[..., self.vocabulary.index(key)]

    def __getattr__(self, key):
        if key.startswith("_") or "vocabulary" not in self.__dict__ or key not in self.vocabulary.keys:
            raise AttributeError(key)
        return self[key]

    def stack(self) -> torch.Tensor:
        """Atoms as ``[..., n_atoms]`` in the vocabulary's order, the order of Γ."""
        return self.values

    def as_dict(self) -> dict[str, torch.Tensor]:
        return {key: self[key] for key in self.vocabulary.keys}

    def __repr__(self) -> str:
        return "PIDAtoms(" + ", ".join(f"{k}={v!r}" for k, v in self.as_dict().items()) + ")"


def as_pmf(p, n_sources: int = 2) -> torch.Tensor:
    """Convert ``p`` to a floating torch tensor and check that it is a batch of joint pmfs
    over ``n_sources`` source axes and a target axis.

    Raises ``ValueError`` naming the problem: rank below n_sources + 1, an empty axis, negative
    or non-finite entries, or a table whose total is off 1 by more than ``SUM_TOLERANCE``.
    """
    p = _as_tables(p, n_sources)
    _check_values(p, p.sum(dim=tuple(range(-n_sources - 1, 0))), p.amin())
    return p


def _as_tables(p, n_sources: int) -> torch.Tensor:
    """:func:`as_pmf`'s conversion and its checks of dtype and shape."""
    if isinstance(p, np.ndarray) or not isinstance(p, torch.Tensor):
        p = torch.as_tensor(np.asarray(p))
    if not p.is_floating_point():
        p = p.to(torch.float64)
    elif p.dtype not in SUM_TOLERANCE:
        raise ValueError(f"pmf dtype must be float32 or float64, got {p.dtype}")
    if p.dim() < n_sources + 1:
        axes = ", ".join(f"n_s{i + 1}" for i in range(n_sources))
        raise ValueError(
            f"pmf must have shape [..., {axes}, n_t] (rank >= {n_sources + 1}), got shape {tuple(p.shape)}"
        )
    if any(n == 0 for n in p.shape):
        raise ValueError(f"pmf has an empty axis: shape {tuple(p.shape)}")
    return p


def _check_values(p: torch.Tensor, total: torch.Tensor, minimum: torch.Tensor) -> None:
    """:func:`as_pmf`'s checks of the values, from each table's ``total`` and the ``minimum`` entry."""
    if not bool(torch.isfinite(total).all()):
        kind = "NaN" if bool(torch.isnan(p).any()) else "infinite"
        raise ValueError(f"pmf has {kind} entries")
    low = minimum.min().item()
    if low < 0:
        raise ValueError(f"pmf has negative entries (minimum {low:.3g})")
    off = (total - 1).abs().max().item()
    if off > SUM_TOLERANCE[p.dtype]:
        raise ValueError(
            f"pmf tables must sum to 1 (within {SUM_TOLERANCE[p.dtype]:g} for {p.dtype}); "
            f"the worst table is off by {off:.3g}"
        )


def _log2(y: torch.Tensor, inplace: bool = False) -> torch.Tensor:
    """log2 of a probability table, clamped at the smallest normal number.

    The clamp only changes cells of zero probability, and every log here is weighted by a
    probability that is zero on those cells: no bias, and no log 0 in values or gradients.
    ``inplace`` overwrites ``y`` (a temporary) to save two full-size allocations.
    """
    tiny = torch.finfo(y.dtype).tiny
    if inplace:
        return y.clamp_min_(tiny).log2_()
    return torch.log2(y.clamp_min(tiny))


def _dot(x: torch.Tensor, y: torch.Tensor, ndim: int) -> torch.Tensor:
    """Σ x·y over the last ``ndim`` axes."""
    return torch.linalg.vecdot(x.flatten(-ndim), y.flatten(-ndim))


def _xlog2x(x: torch.Tensor, ndim: int) -> torch.Tensor:
    """Σ x·log2 x over the last ``ndim`` axes, with 0·log 0 = 0."""
    return _dot(x, _log2(x), ndim)


def _sum_slices(x: torch.Tensor, dim: int) -> torch.Tensor:
    """Sum over a short axis as a chain of slice additions (faster than a strided reduction)."""
    if x.shape[dim] > 8:
        return x.sum(dim)
    slices = x.unbind(dim)
    total = slices[0]
    for s in slices[1:]:
        total = total + s
    return total


def sx_pid(p, pointwise: bool = False, validate: bool = True, compiled: bool = True) -> PIDAtoms:
    """Bivariate sx-PID of joint pmfs ``p[..., s1, s2, t]`` (PNAS Eqs. 3-5).

    Red = Σ p log2 [P(t ∧ (s1 ∨ s2)) / (P(t) P(s1 ∨ s2))], with the union probabilities from
    inclusion-exclusion; the other atoms follow by Möbius inversion:
    Unq_R = I(T:S1) − Red, Unq_C = I(T:S2) − Red, Syn = I(T:S1,S2) − I(T:S1) − I(T:S2) + Red,
    Res = H(T) − I(T:S1,S2).

    Accepts torch tensors or numpy arrays (float32 or float64; returned as torch), batched over
    any leading axes, on any device, differentiable. Logarithms are taken on the small marginal
    tables wherever possible; the full grid is touched by the joint and the union term only.
    ``validate=False`` skips the input checks, for tables that are pmfs by construction (the
    θ-weighted joints of :mod:`infomorphic_core.estimate`, in the training loop's hot path).
    CPU tables without a recorded gradient or local atoms go to the fused kernel of
    :mod:`infomorphic_core.fused` where it could be built (the same atoms to float rounding, about
    five times faster); ``compiled=False`` keeps them on the eager path.

    Parameters
    ----------
    p : torch.Tensor or numpy.ndarray, shape ``[..., n_s1, n_s2, n_t]``
        Joint pmfs, each table summing to 1.
    pointwise : bool
        Also compute the local atoms on the grid, returned in ``atoms.pointwise``.
    validate : bool
        Check ``p`` first (:func:`as_pmf`); a bad table raises ``ValueError``.
    compiled : bool
        Use the fused kernel where it applies (:mod:`infomorphic_core.fused`).

    Returns
    -------
    PIDAtoms
        The five atoms in bits, each shaped like the leading axes of ``p``.

    Examples
    --------
    >>> from infomorphic_core.examples import GATES
    >>> atoms = sx_pid(GATES["XOR"])  # T = S1 xor S2, sources uniform and independent
    >>> [round(float(atoms[key]), 6) for key in ("unq_R", "unq_C", "red", "syn")]
    [0.584963, 0.584963, -0.584963, 0.415037]
    """
    if validate:
        p = _as_tables(p, 2)
    if compiled and fused.applies(p, pointwise):
        # the same atoms, in BIVARIATE's order; the checks' totals come from the same pass
        values, total, minimum = fused.atoms_and_checks(p)
        if validate:
            _check_values(p, total, minimum)
        return PIDAtoms(values)
    if validate:
        _check_values(p, p.sum(dim=(-3, -2, -1)), p.amin())
    # Target-major copy [..., n_t, n_s1, n_s2]: reductions and broadcasts over the source axes
    # then run along contiguous memory, which matters for the common n_t = 2.
    pt = p.movedim(-1, -3).contiguous()
    p_s1t = pt.sum(-1)  # [..., nt, n1]
    p_s2t = pt.sum(-2)  # [..., nt, n2]
    p_s1s2 = _sum_slices(pt, -3)  # [..., n1, n2]
    p_s1 = p_s1s2.sum(-1)
    p_s2 = p_s1s2.sum(-2)
    p_t = p_s1t.sum(-1)

    h_t = -_xlog2x(p_t, 1)
    h_s1 = -_xlog2x(p_s1, 1)
    h_s2 = -_xlog2x(p_s2, 1)
    h_s1s2 = -_xlog2x(p_s1s2, 2)
    h_s1t = -_xlog2x(p_s1t, 2)
    h_s2t = -_xlog2x(p_s2t, 2)

    # Union probabilities P(s1 ∨ s2) and P(t ∧ (s1 ∨ s2)) by inclusion-exclusion; both tables
    # are temporaries, so their logs may overwrite them when no gradient is recorded.
    inplace = not (torch.is_grad_enabled() and p.requires_grad)
    union = p_s1[..., :, None] + p_s2[..., None, :] - p_s1s2
    union_t = (p_s1t[..., :, :, None] + p_s2t[..., :, None, :]) - pt
    log_union = _log2(union, inplace)
    log_union_t = _log2(union_t, inplace)
    log_joint = _log2(pt)
    # The only two sums over the full grid: Σ p log2 p and Σ p log2 P(t ∧ (s1 ∨ s2)).
    h_s1s2t = -_dot(pt, log_joint, 3)
    e_log_union_t = _dot(pt, log_union_t, 3)
    # E[log2 P(s1 ∨ s2)] only needs the source table.
    e_log_union = _dot(p_s1s2, log_union, 2)

    mi_1 = h_s1 + h_t - h_s1t
    mi_2 = h_s2 + h_t - h_s2t
    mi_12 = h_s1s2 + h_t - h_s1s2t
    red = e_log_union_t + h_t - e_log_union

    local = None
    if pointwise:
        local = _pointwise(
            p,
            p_s1s2,
            p_s1t.transpose(-1, -2),
            p_s2t.transpose(-1, -2),
            p_s1,
            p_s2,
            p_t,
            log_union,
            log_joint.movedim(-3, -1),
            log_union_t.movedim(-3, -1),
        )
    return PIDAtoms.of(
        unq_R=mi_1 - red,
        unq_C=mi_2 - red,
        red=red,
        syn=mi_12 - mi_1 - mi_2 + red,
        res=h_t - mi_12,
        pointwise=local,
    )


def _pointwise(p, p_s1s2, p_s1t, p_s2t, p_s1, p_s2, p_t, log_union, log_joint, log_union_t):
    """Local atoms on the grid (Makkeh et al. 2021, the union formula); zero where p = 0."""
    log_t = _log2(p_t)[..., None, None, :]
    i_1 = _log2(p_s1t)[..., :, None, :] - _log2(p_s1)[..., :, None, None] - log_t
    i_2 = _log2(p_s2t)[..., None, :, :] - _log2(p_s2)[..., None, :, None] - log_t
    i_12 = log_joint - _log2(p_s1s2)[..., :, :, None] - log_t
    i_red = log_union_t - log_union[..., :, :, None] - log_t
    support = p > 0
    zero = torch.zeros_like(p)

    def on_support(x):
        return torch.where(support, x, zero)

    return PIDAtoms.of(
        unq_R=on_support(i_1 - i_red),
        unq_C=on_support(i_2 - i_red),
        red=on_support(i_red),
        syn=on_support(i_12 - i_1 - i_2 + i_red),
        res=on_support(-log_t - i_12),
    )


def below(beta, alpha) -> bool:
    """β ≤ α on the redundancy lattice (Williams & Beer 2010): every source set of α contains
    one of β."""
    return all(any(set(b) <= set(a) for b in beta) for a in alpha)


def _lattice(vocabulary: Vocabulary):
    """The nodes of ``vocabulary``'s lattice (antichains of source sets) and its sources, in
    the order of the top node (``{FCL}``: F, C, L)."""
    nodes = [a.antichain for a in vocabulary.atoms if a.antichain]
    top = next(n for n in nodes if len(n) == 1 and all(set(m[0]) <= set(n[0]) for m in nodes if len(m) == 1))
    return nodes, top


def _union_terms(node):
    """Inclusion-exclusion over the source sets of ``node``: (sign, source names) pairs whose
    signed marginals sum to the probability that at least one set takes its observed values."""
    for size in range(1, len(node) + 1):
        for family in combinations(node, size):
            yield (1.0 if size % 2 else -1.0), frozenset().union(*family)


def _invert(red: dict, h_t: torch.Tensor, vocabulary: Vocabulary) -> PIDAtoms:
    """Atoms by Möbius inversion of the redundancies ``red`` (node -> tensor),
    Π(α) = red(α) − Σ_{β<α} Π(β); the residual is H(T) − red(top)."""
    nodes, top = _lattice(vocabulary)
    atoms = {}
    for node in sorted(nodes, key=lambda n: sum(below(b, n) for b in nodes)):
        atoms[node] = red[node] - sum((atoms[b] for b in atoms if b != node and below(b, node)),
                                      torch.zeros_like(h_t))
    values = [atoms[a.antichain] if a.antichain else h_t - red[top] for a in vocabulary.atoms]
    return PIDAtoms(torch.stack(values, -1), vocabulary)


def sx_pid_lattice(p, vocabulary: Vocabulary = TRIVARIATE, validate: bool = True,
                   compiled: bool = True) -> PIDAtoms:
    """sx-PID of joint pmfs ``p[..., s_1, ..., s_k, t]`` with k sources, one atom per node of the
    lattice of ``vocabulary`` (18 for three sources) plus the residual entropy ``res``.

    For each node α (an antichain of source sets) the shared-exclusion redundancy is
    Σ p log2 [P(t ∧ 𝔄_α) / (P(t) P(𝔄_α))], 𝔄_α the event that at least one source set of α
    takes its observed values (Makkeh, Gutknecht, Wibral 2021), its probability by
    inclusion-exclusion over the sets of α; the atoms follow by Möbius inversion,
    Π(α) = red(α) − Σ_{β<α} Π(β). The sources are the axes in the order of the vocabulary's
    top node (``{FCL}``: F, C, L). Batched over leading axes, differentiable, float32/64.
    For the joint of a minibatch, :func:`sx_pid_samples` gives the same atoms without the
    full table. As :func:`sx_pid`, CPU tables without a recorded gradient go to the fused kernel
    where it could be built (two or three sources); ``compiled=False`` keeps the eager path.
    """
    nodes, top = _lattice(vocabulary)
    sources = top[0]
    k = len(sources)
    p = _as_tables(p, k) if validate else p
    if compiled and k in (2, 3) and fused.applies(p, False):
        reds, h_t, total, minimum = fused.lattice_and_checks(p, _lattice_spec(vocabulary), len(nodes), k)
        if validate:
            _check_values(p, total, minimum)
        return _invert(dict(zip(nodes, reds.unbind(-1))), h_t, vocabulary)
    if validate:
        _check_values(p, p.sum(dim=tuple(range(-k - 1, 0))), p.amin())
    axes = {name: -k - 1 + i for i, name in enumerate(sources)}
    everything = tuple(range(-k - 1, 0))
    cache = {}

    def table(names, with_t):
        key = (frozenset(names), with_t)
        if key not in cache:
            drop = tuple(axes[x] for x in sources if x not in names) + (() if with_t else (-1,))
            cache[key] = p.sum(drop, keepdim=True) if drop else p
        return cache[key]

    p_t = table((), True)
    h_t = -(p_t * _log2(p_t)).sum(everything)
    red = {}
    for node in nodes:
        # the union event only involves the node's own sources: sum over their marginal table
        # instead of the full grid (single-set nodes reduce to a mutual information)
        union_t = sum(sign * table(names, True) for sign, names in _union_terms(node))
        union = sum(sign * table(names, False) for sign, names in _union_terms(node))
        involved = set().union(*node)
        q_t, q = table(involved, True), table(involved, False)
        red[node] = (_dot(q_t, _log2(union_t.expand_as(q_t)), k + 1) - _dot(q, _log2(union.expand_as(q)), k + 1)
                     + h_t)
    return _invert(red, h_t, vocabulary)


@lru_cache(maxsize=None)
def _lattice_spec(vocabulary: Vocabulary) -> tuple:
    """The lattice for the fused kernel: per node (in :func:`_lattice`'s order) the bit mask of
    the sources it involves, its number of inclusion-exclusion terms, then each term's sign and
    source mask (bit i: the i-th source of the top node)."""
    nodes, top = _lattice(vocabulary)
    bit = {name: 1 << i for i, name in enumerate(top[0])}

    def mask(names):
        return sum(bit[name] for name in names)

    spec = []
    for node in nodes:
        terms = list(_union_terms(node))
        spec += [mask(set().union(*node)), len(terms)]
        for sign, names in terms:
            spec += [int(sign), mask(names)]
    return tuple(spec)


@lru_cache(maxsize=None)
def _union_signs(vocabulary: Vocabulary):
    """For :func:`sx_pid_samples`, once per vocabulary: the lattice's nodes, its sources, every
    source set that enters a node's union event, and each node's union as a signed sum of those
    sets' marginals (inclusion-exclusion), one row of signs per node."""
    nodes, top = _lattice(vocabulary)
    sets = sorted({names for node in nodes for _, names in _union_terms(node)}, key=lambda s: (len(s), sorted(s)))
    rows = []
    for node in nodes:
        row = [0.0] * len(sets)
        for sign, names in _union_terms(node):
            row[sets.index(names)] += sign
        rows.append(tuple(row))
    return nodes, top[0], tuple(sets), tuple(rows)  # immutable: shared by every call


def _lookup(values: torch.Tensor, cell: torch.Tensor, size: int) -> torch.Tensor:
    """Σ of ``values`` over the entries that share each entry's ``cell`` (a histogram, read back
    at every entry)."""
    table = torch.zeros(size, dtype=values.dtype, device=values.device)
    return table.scatter_add_(0, cell, values.reshape(-1)).index_select(0, cell).reshape(values.shape)


def _sample_cells(sources, sets, bins, n_bins, n_tables: int, n_t: int) -> tuple[torch.Tensor, int]:
    """Entry (set, table, t, n) of the lookups at the samples is entry (cell_n, t) of the flat
    marginal table P(set's sources, t) of that table: all sets in one scatter and one gather.
    Returns the flat cell of every entry and the size of all tables together."""
    device = bins[0].device
    n_samples = bins[0].shape[-1]
    target = torch.arange(n_t, device=device)[:, None]
    table = torch.arange(n_tables, device=device)[:, None, None]
    flat_bins = [b.reshape(n_tables, 1, n_samples) for b in bins]
    cell = torch.empty(len(sets), n_tables, n_t, n_samples, dtype=torch.long, device=device)
    size_all = 0
    for s, names in enumerate(sets):
        code, size = table, 1
        for name, b, n in zip(sources, flat_bins, n_bins):
            if name in names:
                code, size = code * n + b, size * n
        torch.add(code * n_t + size_all, target, out=cell[s])
        size_all += n_tables * size * n_t
    return cell.reshape(-1), size_all


class _SharedExclusion(torch.autograd.Function):
    """(1/B) [Σ_n Σ_t w_n(t) log2 P(t ∧ 𝔄_k)(n) − Σ_n m_n log2 P(𝔄_k)(n)] for every node k, the
    union probabilities looked up at each sample n (m_n = Σ_t w_n(t)), with its gradient in
    closed form: a few passes over the [nodes, tables, t·samples] unions instead of autograd's
    record of every operation.

    With U_t = S·M (S the nodes' inclusion-exclusion signs over the source sets, M the sets'
    marginals at the samples, M_s(n, t) = (1/B) Σ_{m ~_s n} w_m(t)) and U = Σ_t U_t, the
    derivative in w_n(t) is (1/B) Σ_k g_k [log2 U_t(n, t) − log2 U(n)
    + (1/(B ln 2)) Σ_s S_ks Σ_{m ~_s n} (w_m(t)/U_t(m, t) − m_m/U(m))].
    """

    @staticmethod
    def forward(ctx, w_t, signs, cell, size):
        n_tables, n_t, n_samples = w_t.shape
        n_nodes, n_sets = signs.shape
        w_t = w_t.contiguous()
        marginals = _lookup((w_t / n_samples).expand(n_sets, n_tables, n_t, n_samples), cell, size)
        union_t = torch.matmul(signs, marginals.reshape(n_sets, -1)).clamp_min_(torch.finfo(w_t.dtype).tiny)
        union_t = union_t.reshape(n_nodes, n_tables, n_t, n_samples)
        union = _sum_slices(union_t, 2)
        mass = _sum_slices(w_t, 1)
        log_union_t, log_union = torch.log2(union_t), torch.log2(union)
        # per table a product of its [nodes, t·samples] logs with its weights (batched over tables)
        out = (torch.matmul(log_union_t.flatten(2).transpose(0, 1), w_t.reshape(n_tables, -1, 1))
               - torch.matmul(log_union.transpose(0, 1), mass.unsqueeze(-1))).squeeze(-1) / n_samples
        ctx.save_for_backward(w_t, signs, cell, union_t, union, log_union_t, log_union, mass)
        ctx.size = size
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        w_t, signs, cell, union_t, union, log_union_t, log_union, mass = ctx.saved_tensors
        n_nodes, n_tables, n_t, n_samples = union_t.shape
        g = grad.unsqueeze(1)  # [tables, 1, nodes]
        direct = (torch.matmul(g, log_union_t.flatten(2).transpose(0, 1)).reshape(n_tables, n_t, n_samples)
                  - torch.matmul(g, log_union.transpose(0, 1)))
        ratio = torch.div(w_t, union_t)
        ratio.sub_(torch.div(mass, union).unsqueeze(2)).mul_(grad.t().reshape(n_nodes, n_tables, 1, 1))
        per_set = torch.matmul(signs.t(), ratio.reshape(n_nodes, -1))
        spread = _sum_slices(_lookup(per_set.reshape(-1, n_tables, n_t, n_samples), cell, ctx.size), 0)
        return (direct + spread / (n_samples * math.log(2))) / n_samples, None, None, None


def sx_pid_samples(weights: torch.Tensor, bins, n_bins, vocabulary: Vocabulary = TRIVARIATE) -> PIDAtoms:
    """sx-PID atoms of the joint of a sample, p(s, t) = (1/B) Σ_n 1[bins_n = s] w_n(t), evaluated
    at the B samples instead of on the full table.

    Every atom is an average of a local quantity over p, and p puts mass only on the cells the
    samples occupy: Σ_cells p(s, t) i(s, t) = (1/B) Σ_n Σ_t w_n(t) i(s_n, t), each marginal
    looked up at the sample's own cell. A minibatch of 1,024 touches a few hundred of a
    three-source neuron's 8,000 cells, so this costs a few passes over B·n_t numbers per node
    instead of passes over the table. Equal to :func:`sx_pid_lattice` of the histogram (up to
    float rounding), and differentiable in ``weights`` alike.

    Parameters
    ----------
    weights : tensor ``[..., B, n_t]``
        P(T = t | sample n): each row sums to 1 (for a binary neuron ``(1 − θ, θ)``).
    bins : sequence of integer tensors ``[..., B]``
        The bin of every sample in each source, in the order of the vocabulary's top node.
    n_bins : sequence of int
        The number of bins of each source.

    Returns
    -------
    PIDAtoms shaped like the leading axes ``...``.
    """
    nodes, sources, sets, rows = _union_signs(vocabulary)
    if len(bins) != len(sources) or len(n_bins) != len(sources):
        raise ValueError(f"need bins and n_bins for each of the sources {sources}, got {len(bins)} and "
                         f"{len(n_bins)}")
    *lead, n_samples, n_t = weights.shape
    n_tables = math.prod(lead)
    device, dtype = weights.device, weights.dtype
    signs = torch.tensor(rows, dtype=dtype, device=device)
    cell, size_all = _sample_cells(sources, sets, bins, n_bins, n_tables, n_t)
    w_t = weights.reshape(n_tables, n_samples, n_t).transpose(1, 2)
    shared = _SharedExclusion.apply(w_t, signs, cell, size_all).reshape(*lead, len(nodes))
    p_t = weights.mean(-2)
    h_t = -(p_t * _log2(p_t)).sum(-1)
    red = dict(zip(nodes, (shared + h_t[..., None]).unbind(-1)))
    return _invert(red, h_t, vocabulary)


def _names(variables) -> list[str]:
    if isinstance(variables, str):
        variables = [variables]
    names = list(variables)
    unknown = [v for v in names if v not in _AXES]
    if unknown or not names or len(set(names)) != len(names):
        raise ValueError(
            f"variables must be distinct names from {sorted(_AXES)}, got {list(variables)}"
        )
    return names


def _joint_entropy(p: torch.Tensor, names: Iterable[str]) -> torch.Tensor:
    keep = {_AXES[v] for v in names}
    drop = tuple(a for a in (-3, -2, -1) if a not in keep)
    marginal = p.sum(dim=drop, keepdim=True) if drop else p
    return -_xlog2x(marginal, 3)


def entropy(p, variables=("t",)) -> torch.Tensor:
    """Joint entropy (bits) of the named variables among ``"s1"``, ``"s2"``, ``"t"`` of
    pmfs ``p[..., s1, s2, t]``; e.g. ``entropy(p)`` = H(T), ``entropy(p, ("s1", "t"))``."""
    return _joint_entropy(as_pmf(p), _names(variables))


def mutual_information(p, sources=("s1", "s2")) -> torch.Tensor:
    """I(T : sources) in bits, with ``sources`` a subset of ``("s1", "s2")``."""
    p = as_pmf(p)
    names = _names(sources)
    if "t" in names:
        raise ValueError("sources must not include the target 't'")
    return _joint_entropy(p, names) + _joint_entropy(p, ["t"]) - _joint_entropy(p, names + ["t"])


def conditional_mutual_information(p, source="s1", given="s2") -> torch.Tensor:
    """I(T : source | given) in bits, for ``source``/``given`` the two sources in some order."""
    p = as_pmf(p)
    if {source, given} != {"s1", "s2"}:
        raise ValueError(f"source and given must be 's1' and 's2', got {source!r}, {given!r}")
    return (
        _joint_entropy(p, [source, given])
        + _joint_entropy(p, [given, "t"])
        - _joint_entropy(p, [given])
        - _joint_entropy(p, [source, given, "t"])
    )
