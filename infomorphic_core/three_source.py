"""A layer of neurons with three input classes, feedforward, context and lateral (Schneider et
al., ICLR 2025), batched over runs like the bivariate :class:`~infomorphic_core.layer.InfomorphicLayer`;
its goal is a weighting of the 18 atoms of the three-source sx-PID, evaluated at the samples.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import torch
from torch import Tensor

from . import checks, fused, rng
from .activations import three_source
from .estimate import THETA_CLIP, Binning
from .goals import Goal, lattice_vocabulary
from .layer import DTYPES, InfomorphicLayer
from .pid import PIDAtoms, _invert, _lookup, _sample_cells, _union_signs, sx_pid_samples


@dataclass
class ThreeSourceConfig:
    """Shape and settings of a :class:`ThreeSourceLayer` (validated on creation).

    ``sources``: the input classes the neurons see, feedforward ``F`` always, with the context
    ``C`` (e.g. the label), the lateral input ``L`` (the layer's own previous outputs; no
    self-connections), or both; the atoms are those of :func:`~infomorphic_core.goals.lattice_vocabulary`
    of these sources (18 + H_res for three). ``n_partners``: each neuron's lateral input comes
    from that many other neurons drawn at random (``None``: all others).
    ``context_gain`` / ``lateral_gain``: c1 and c2 of :func:`~infomorphic_core.activations.three_source`.
    ``gain_base``: the constant part of the gain, A = f·[b + c1·σ(2fc) + c2·σ(2fl)]; ``None``:
    b = 1 − c1 − c2, the three-source activation. The published two-source networks use the
    bivariate activation f·[k1 + 2(1 − k1)·σ(2fx)] of their one other source x: b = k1 = 0.9
    and a gain of 0.2 on x.
    Weights and biases start as in ``torch.nn.Linear``: uniform in ±1/√fan-in.
    """

    n_neurons: int
    n_feedforward: int
    n_context: int = 0
    sources: tuple = ("F", "C", "L")
    n_runs: int = 1
    n_partners: int | None = None
    context_gain: float = 0.1
    lateral_gain: float = 0.1
    gain_base: float | None = None
    binning: Binning = field(default_factory=lambda: Binning(20, "fixed", (-20.0, 20.0)))
    dtype: str = "float32"
    seed: int = 0
    key: tuple = ()  # more of the random streams' key, for layers of one network drawn apart

    def __post_init__(self):
        for name in ("n_neurons", "n_feedforward", "n_runs"):
            checks.integer(name, getattr(self, name))
        self.sources = tuple(self.sources)
        if self.sources not in (("F", "C", "L"), ("F", "C"), ("F", "L")):
            raise ValueError(f"sources must be ('F', 'C', 'L'), ('F', 'C') or ('F', 'L'), got {self.sources}")
        if "C" in self.sources:
            checks.integer("n_context", self.n_context)
        if self.n_partners is not None:
            checks.integer("n_partners", self.n_partners)
            if self.n_partners >= self.n_neurons:
                raise ValueError(f"n_partners must be below n_neurons ({self.n_neurons}), got {self.n_partners}")
        for name in ("context_gain", "lateral_gain"):
            checks.number(name, getattr(self, name), low=0)
        if self.gain_base is not None:
            checks.number("gain_base", self.gain_base, low=0)
        if not isinstance(self.binning, Binning):
            raise ValueError(f"binning must be a Binning, got {self.binning!r}")
        checks.one_of("dtype", self.dtype, sorted(DTYPES))

    @property
    def vocabulary(self):
        return lattice_vocabulary(self.sources)


class ThreeSourceLayer(torch.nn.Module):
    """Neurons with a feedforward, a context and a lateral input (Schneider et al., ICLR 2025),
    batched over runs like :class:`InfomorphicLayer`: f = W_F·x + b_F, c = W_C·x_C + b_C,
    l = W_L·y' + b_L (y' the layer's previous ±1 outputs), θ = σ(A(f, c, l)).

    The atoms of a minibatch are evaluated at its samples (:func:`~infomorphic_core.pid.sx_pid_samples`),
    each source in ``config.binning``; the goal's gradient by autograd through them, or in closed
    form by :func:`closed_form_gradient` (as the three-source network learns).

    Examples
    --------
    >>> layer = ThreeSourceLayer(ThreeSourceConfig(n_neurons=4, n_feedforward=6, n_context=3, n_runs=2))
    >>> x, label = torch.randn(50, 6), torch.eye(3)[torch.arange(50) % 3]
    >>> f, c, l = layer.drives(x, label, None)  # first step: no previous outputs, l = b_L
    >>> layer.atoms(f, c, l).stack().shape  # 18 atoms and H_res per neuron and run
    torch.Size([2, 4, 19])
    """

    def __init__(self, config: ThreeSourceConfig, device: torch.device | str | None = None):
        super().__init__()
        self.config = cfg = config
        dtype = DTYPES[cfg.dtype]
        n = cfg.n_neurons

        def linear(n_inputs, name):
            bound = 1.0 / math.sqrt(n_inputs)
            w = rng.per_run(lambda g: torch.rand((n, n_inputs + 1), generator=g, dtype=torch.float64),
                            cfg.seed, cfg.n_runs, "init", name, *cfg.key)
            w = ((2 * w - 1) * bound).to(dtype=dtype, device=device)
            return torch.nn.Parameter(w[..., :-1].contiguous()), torch.nn.Parameter(w[..., -1].contiguous())

        self.w_feedforward, self.b_feedforward = linear(cfg.n_feedforward, "w_f")
        self.w_context = self.b_context = self.w_lateral = self.b_lateral = None
        if "C" in cfg.sources:
            self.w_context, self.b_context = linear(cfg.n_context, "w_c")
        if "L" in cfg.sources:
            self.w_lateral, self.b_lateral = linear(n, "w_l")
            self.register_buffer("mask", self._partners().to(dtype=dtype, device=device))
            self.apply_mask()

    def _partners(self) -> Tensor:
        """0/1 lateral mask [runs, neurons, neurons]: no self-connections; with ``n_partners``,
        that many partners per neuron drawn per run."""
        cfg = self.config
        n = cfg.n_neurons
        others = 1 - torch.eye(n)
        if cfg.n_partners is None:
            return others.expand(cfg.n_runs, n, n).clone()
        scores = rng.per_run(lambda g: torch.rand((n, n), generator=g), cfg.seed, cfg.n_runs, "partners", *cfg.key)
        scores = torch.where(others > 0, scores, -1.0)
        chosen = scores.topk(cfg.n_partners, dim=-1).indices
        return torch.zeros(cfg.n_runs, n, n).scatter_(-1, chosen, 1.0)

    def apply_mask(self) -> None:
        """Zero the absent lateral weights (call after every update)."""
        if self.w_lateral is not None:
            with torch.no_grad():
                self.w_lateral.mul_(self.mask)

    @property
    def dtype(self) -> torch.dtype:
        return self.w_feedforward.dtype

    def drives(self, x: Tensor, x_context: Tensor | None, y_previous: Tensor | None):
        """f, c, l [runs, samples, neurons] from the inputs [(runs,) samples, inputs] and the
        previous outputs [runs, samples, neurons] (``None``: a zero vector, so l = b_L, as the
        first lateral step). ``x_context`` ``None`` (no label) gives c = b_C. A source the layer
        lacks is returned as ``None``."""
        drive = InfomorphicLayer._drive
        f = drive(x, self.w_feedforward, self.b_feedforward)
        c = l = None
        if self.w_context is not None:
            c = (self.b_context[:, None, :].expand_as(f) if x_context is None
                 else drive(x_context, self.w_context, self.b_context))
        if self.w_lateral is not None:
            l = self.b_lateral[:, None, :].expand_as(f) if y_previous is None else self.lateral(y_previous)
        return f, c, l

    def lateral(self, y_previous: Tensor) -> Tensor:
        """l = W_L·y' + b_L from the previous outputs [runs, samples, neurons]."""
        return InfomorphicLayer._drive(y_previous, self.w_lateral, self.b_lateral)

    def theta(self, f: Tensor, c: Tensor | None, l: Tensor | None) -> Tensor:
        """Firing probability σ(A(f, c, l)), [runs, samples, neurons]."""
        cfg = self.config
        c1, c2 = self.gains(c, l)
        if cfg.gain_base is not None:
            return torch.sigmoid(_activation_partials(f, c, l, c1, c2, base=cfg.gain_base)[0])
        zero = torch.zeros((), dtype=f.dtype, device=f.device)
        return torch.sigmoid(three_source(f, zero if c is None else c, zero if l is None else l, c1, c2))

    def gains(self, c: Tensor | None, l: Tensor | None) -> tuple[float, float]:
        """c1 and c2 of the activation for these drives (0 for a source that is ``None``)."""
        cfg = self.config
        return cfg.context_gain if c is not None else 0.0, cfg.lateral_gain if l is not None else 0.0

    def atoms(self, f: Tensor, c: Tensor | None, l: Tensor | None, theta: Tensor | None = None) -> PIDAtoms:
        """The atoms of every neuron of every run over this minibatch, [runs, neurons] each:
        the θ-weighted joint of (F̃, C̃, L̃, Y) with the sources binned by ``config.binning``."""
        cfg = self.config
        theta = self.theta(f, c, l) if theta is None else theta
        theta = theta.clamp(THETA_CLIP, 1 - THETA_CLIP).transpose(-1, -2)
        weights = torch.stack([1 - theta, theta], -1)
        drives = {"F": f, "C": c, "L": l}
        bins = [cfg.binning.indices(drives[name]).transpose(-1, -2) for name in cfg.sources]
        return sx_pid_samples(weights, bins, [cfg.binning.n_bins] * len(bins), cfg.vocabulary)

    def goal(self, atoms: PIDAtoms, gamma) -> Tensor:
        """G = Γ·atoms [runs, neurons]; ``gamma`` a :class:`~infomorphic_core.goals.Goal` of the
        layer's vocabulary or weights by atom key (a dict)."""
        if isinstance(gamma, dict):
            gamma = Goal.of(self.config.vocabulary, **gamma)
        if gamma.vocabulary != self.config.vocabulary:
            raise ValueError(f"the goal's atoms {gamma.vocabulary.keys} are not the layer's "
                             f"{self.config.vocabulary.keys}")
        return (atoms.stack() * gamma.tensor(atoms.stack().dtype, atoms.stack().device)).sum(-1)


# --- the learning rule in closed form -----------------------------------------------------------
#
# G = Γ·atoms is linear in the nodes' redundancies and H(Y): G = Σ_α c_α I∩(α) + c_H H(Y). With
# w_n = (1 − θ_n, θ_n) and, at sample n, U_t(α)(n, t) = P(t ∧ 𝔄_α) from the sets' marginals
# M_s(n, t) = (1/B) Σ_{m ~_s n} w_m(t) (the inclusion-exclusion of :func:`~infomorphic_core.pid.sx_pid_samples`),
# every term of ∂G/∂w_n(t) that does not depend on t cancels in ∂G/∂θ_n = ∂G/∂w_n(1) − ∂G/∂w_n(0):
#
#   B ∂G/∂θ_n = Σ_α c_α [log2 U_1(α)(n) − log2 U_0(α)(n)]
#               + 1/(B ln 2) Σ_s Σ_{m ~_s n} [z_s(m, 1) − z_s(m, 0)],  z_s(m, t) = Σ_α c_α S_αs w_m(t) / U_t(α)(m, t)
#               − (Σ_α c_α + c_H) [log2 p(1) − log2 p(0)]
#
# (S the nodes' inclusion-exclusion signs over the sets): one scatter and gather per set, as
# the forward pass's, instead of autograd's record of every operation.


def goal_coefficients(vocabulary, gamma: Goal) -> tuple[Tensor, float]:
    """(c_α for every node of the lattice, in the order of ``pid``'s nodes, and c_H): the goal
    Γ·atoms written as Σ_α c_α I∩(α) + c_H H(Y) (the atoms are linear in the redundancies)."""
    c = _coefficients(vocabulary, gamma)
    return torch.tensor(c[:-1], dtype=torch.float64), c[-1]


@functools.lru_cache(maxsize=64)
def _coefficients(vocabulary, gamma: Goal) -> tuple[float, ...]:
    # the inversion's basis costs more than a learning step's score: once per goal
    nodes = _union_signs(vocabulary)[0]
    basis = torch.eye(len(nodes) + 1, dtype=torch.float64)
    atoms = _invert(dict(zip(nodes, basis[:len(nodes)])), basis[len(nodes)], vocabulary).values
    return tuple((atoms @ gamma.tensor(torch.float64)).tolist())


def goal_score(theta: Tensor, bins, n_bins, vocabulary, gamma: Goal, neurons_last: bool = False) -> Tensor:
    """∂(Γ·atoms)/∂θ_n of the atoms of :func:`~infomorphic_core.pid.sx_pid_samples` with
    weights (1 − θ, θ): ``theta`` [..., B] (already clipped), ``bins`` one integer tensor
    [..., B] per source of the vocabulary's top node; returns [..., B]. With ``neurons_last``
    all are [..., B, neurons], as a layer computes them. CPU tensors take the fused kernel
    (:func:`~infomorphic_core.fused.score_samples`), which computes the same sums in one pass
    per table."""
    nodes, sources, sets, rows = _union_signs(vocabulary)
    c, c_h = goal_coefficients(vocabulary, gamma)
    if fused.applies_samples(theta):
        members = [[int(name in names) for name in sources] for names in sets]
        return fused.score_samples(theta, bins, n_bins, members, rows, c, c_h, neurons_last)
    if neurons_last:
        turned = [t.transpose(-1, -2) for t in [theta, *bins]]
        return goal_score(turned[0], turned[1:], n_bins, vocabulary, gamma).transpose(-1, -2)
    *lead, n_samples = theta.shape
    n_tables = math.prod(lead)
    dtype, device = theta.dtype, theta.device
    signs = torch.tensor(rows, dtype=dtype, device=device)
    c = c.to(dtype=dtype, device=device)
    cell, size_all = _sample_cells(sources, sets, bins, n_bins, n_tables, 2)
    theta = theta.reshape(n_tables, 1, n_samples)
    w_t = torch.cat([1 - theta, theta], 1)  # [tables, t, B]
    marginals = _lookup((w_t / n_samples).expand(len(sets), n_tables, 2, n_samples), cell, size_all)
    union_t = torch.matmul(signs, marginals.reshape(len(sets), -1)).clamp_min_(torch.finfo(dtype).tiny)
    union_t = union_t.reshape(len(nodes), n_tables, 2, n_samples)
    log_union = torch.log2(union_t)
    direct = torch.tensordot(c, log_union[:, :, 1] - log_union[:, :, 0], 1)  # [tables, B]
    z = torch.matmul(signs.t(), (w_t / union_t * c[:, None, None, None]).reshape(len(nodes), -1))
    spread = _lookup(z.reshape(len(sets), n_tables, 2, n_samples), cell, size_all).sum(0)
    p_t = w_t.mean(-1)  # [tables, t]
    h = (c.sum() + c_h) * (torch.log2(p_t[:, 1]) - torch.log2(p_t[:, 0]))
    score = direct + (spread[:, 1] - spread[:, 0]) / (n_samples * math.log(2)) - h[:, None]
    return (score / n_samples).reshape(*lead, n_samples)


def _activation_partials(f: Tensor, c: Tensor | None, l: Tensor | None, c1: float, c2: float,
                         w1: float = 2.0, w2: float = 2.0, base: float | None = None):
    """A of :func:`~infomorphic_core.activations.three_source` with ∂A/∂f, ∂A/∂c, ∂A/∂l (``None``
    for an absent source): A = f·g, g = b + c1 σ(w1 f c) + c2 σ(w2 f l), b = ``base`` or 1 − c1 − c2."""
    gain = torch.full_like(f, 1.0 - c1 - c2 if base is None else base)
    slope = torch.zeros_like(f)  # ∂g/∂f
    partial = {}
    for name, x, k, w in (("c", c, c1, w1), ("l", l, c2, w2)):
        if x is None or k == 0:
            partial[name] = None
            continue
        s = torch.sigmoid(w * f * x)
        gain += k * s
        d = (k * w) * s * (1 - s)  # ∂(k σ(w f x))/∂(f x)
        slope += d * x
        partial[name] = d * f * f
    return f * gain, gain + f * slope, partial["c"], partial["l"]


def closed_form_gradient(layer: "ThreeSourceLayer", x: Tensor, x_context: Tensor | None,
                         y_previous: Tensor | None, gamma: Goal, drives=None) -> dict[str, Tensor]:
    """∂(Σ_neurons Γ·atoms)/∂parameters of ``layer`` for the minibatch (the drives, θ and the
    atoms of :meth:`ThreeSourceLayer.atoms`), without autograd: each sample's :func:`goal_score`
    times θ(1 − θ) and the activation's partial derivatives, summed over the minibatch as a few
    matrix products. Keyed by parameter name, as autograd's: a weight whose inputs are ``None``
    gets none, and the lateral weights' gradient is not masked, as autograd's
    (:meth:`ThreeSourceLayer.apply_mask` zeroes the absent weights after a step). ``drives``:
    (f, c, l) of these inputs when already computed."""
    cfg = layer.config
    with torch.no_grad():
        f, c, l = layer.drives(x, x_context, y_previous) if drives is None else drives
        activation, da_df, da_dc, da_dl = _activation_partials(f, c, l, *layer.gains(c, l), base=cfg.gain_base)
        theta = torch.sigmoid(activation)
        drives = {"F": f, "C": c, "L": l}
        bins = [cfg.binning.indices(drives[name]) for name in cfg.sources]
        clipped = theta.clamp(THETA_CLIP, 1 - THETA_CLIP)
        score = goal_score(clipped, bins, [cfg.binning.n_bins] * len(bins), cfg.vocabulary, gamma, neurons_last=True)
        inside = (theta > THETA_CLIP) & (theta < 1 - THETA_CLIP)
        d_theta = score * theta * (1 - theta) * inside  # [runs, B, N]
        grads = {}
        for name, d, inputs in (("feedforward", da_df, x), ("context", da_dc, x_context),
                                ("lateral", da_dl, y_previous)):
            if getattr(layer, f"b_{name}") is None:
                continue
            g = d_theta * d if d is not None else torch.zeros_like(d_theta)
            grads[f"b_{name}"] = g.sum(-2)
            if inputs is not None:  # without inputs the drive is its bias alone: no weight gradient
                grads[f"w_{name}"] = torch.matmul(g.transpose(-1, -2), inputs)
    return grads
