"""A layer of infomorphic neurons, batched over independent runs (PNAS §2.1-2.2, Eqs. 7-9).

Weights are shaped ``[runs, neurons, inputs]``: R independent networks train together as one
tensor program. Inputs are ``[runs, samples, inputs]`` (or ``[samples, inputs]``, shared by all
runs); aggregates, firing probabilities and outputs are ``[runs, samples, neurons]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import Tensor

from . import checks, fused, rng
from .activations import get_activation
from .estimate import THETA_CLIP, Binning, theta_joint
from .goals import Goal, classical_coefficients
from .pid import PIDAtoms, sx_pid

DTYPES = {"float32": torch.float32, "float64": torch.float64}


@dataclass
class LayerConfig:
    """Shape and settings of an :class:`InfomorphicLayer` (validated on creation).

    ``recurrent_context``: the context input is the layer's own output at the previous step,
    so ``n_context`` must equal ``n_neurons`` and self-connections are masked out.
    ``context_mask`` / ``receptive_mask``: optional 0/1 nested lists or tensors
    ``[n_neurons, n_context]`` / ``[n_neurons, n_receptive]`` (e.g. the identity when neuron i
    receives only element i of the input).
    """

    n_neurons: int
    n_receptive: int
    n_context: int
    n_runs: int = 1
    activation: str = "sigmoid_gain"
    bias_receptive: bool = True
    bias_context: bool = True
    init_std_receptive: float = 0.01
    init_std_context: float = 0.01
    binning_receptive: Binning = field(default_factory=lambda: Binning(20, "adaptive"))
    binning_context: Binning = field(default_factory=lambda: Binning(20, "adaptive"))
    recurrent_context: bool = False
    context_mask: object = None
    receptive_mask: object = None
    dtype: str = "float32"
    seed: int = 0

    def __post_init__(self):
        for name in ("n_neurons", "n_receptive", "n_context", "n_runs"):
            checks.integer(name, getattr(self, name))
        get_activation(self.activation)
        for name in ("init_std_receptive", "init_std_context"):
            checks.number(name, getattr(self, name), low=0)
        for name in ("binning_receptive", "binning_context"):
            if not isinstance(getattr(self, name), Binning):
                raise ValueError(f"{name} must be a Binning, got {getattr(self, name)!r}")
        checks.one_of("dtype", self.dtype, sorted(DTYPES))
        if self.recurrent_context and self.n_context != self.n_neurons:
            raise ValueError(
                f"n_context must equal n_neurons ({self.n_neurons}) for a recurrent context, "
                f"got {self.n_context}"
            )
        for name, n_inputs in (("context_mask", self.n_context), ("receptive_mask", self.n_receptive)):
            value = getattr(self, name)
            if value is not None:
                tensor = torch.as_tensor(value, dtype=torch.float64)
                shape = tuple(tensor.shape)
                if shape != (self.n_neurons, n_inputs):
                    raise ValueError(f"{name} must have shape {(self.n_neurons, n_inputs)} "
                                     f"(n_neurons, inputs), got {shape}")
                if not bool(((tensor == 0) | (tensor == 1)).all()):
                    raise ValueError(f"{name} must hold only 0 and 1 (NaN and other values "
                                     f"are not a mask)")

    def mask(self) -> torch.Tensor:
        """0/1 mask of the context weights [n_neurons, n_context]."""
        mask = torch.ones(self.n_neurons, self.n_context)
        if self.context_mask is not None:
            mask = mask * torch.as_tensor(self.context_mask, dtype=torch.float32)
        if self.recurrent_context:
            mask.fill_diagonal_(0.0)
        return mask

    def mask_receptive(self) -> torch.Tensor:
        """0/1 mask of the receptive weights [n_neurons, n_receptive]."""
        if self.receptive_mask is None:
            return torch.ones(self.n_neurons, self.n_receptive)
        return torch.as_tensor(self.receptive_mask, dtype=torch.float32).clone()


class InfomorphicLayer(torch.nn.Module):
    """Infomorphic neurons: θ = σ(A(r, c)) with r = w_R·x_R + b_R, c = w_C·x_C + b_C.

    Run ``i`` is initialised from ``seed + i`` (weights N(0, init_std²), biases 0), so a batch
    of runs equals the same runs made one by one. Masked context weights are zero and stay zero
    (:meth:`apply_mask` after every update).

    Parameters
    ----------
    config : LayerConfig
        Sizes (neurons, inputs, runs), activation, binning, masks and seed.
    device : torch.device or str, optional
        Where the weights live (default: the CPU).

    Examples
    --------
    >>> import torch
    >>> from infomorphic_core import InfomorphicLayer, LayerConfig
    >>> layer = InfomorphicLayer(LayerConfig(n_neurons=3, n_receptive=4, n_context=2, n_runs=5))
    >>> layer.w_receptive.shape  # [runs, neurons, inputs]
    torch.Size([5, 3, 4])
    >>> x_r, x_c = torch.randn(100, 4), torch.randn(100, 2)  # 100 samples shared by all runs
    >>> layer.theta(x_r, x_c).shape  # firing probabilities [runs, samples, neurons]
    torch.Size([5, 100, 3])
    >>> layer.atoms(x_r, x_c).stack().shape  # five atoms per neuron and run
    torch.Size([5, 3, 5])
    """

    def __init__(self, config: LayerConfig, device: torch.device | str | None = None):
        super().__init__()
        self.config = config
        cfg = config
        dtype = DTYPES[cfg.dtype]
        self.activation = get_activation(cfg.activation)

        def init(shape, std, name):
            w = rng.per_run(lambda g: torch.randn(shape, generator=g, dtype=torch.float64), cfg.seed,
                            cfg.n_runs, "init", name)
            return torch.nn.Parameter((w * std).to(dtype=dtype, device=device))

        self.w_receptive = init((cfg.n_neurons, cfg.n_receptive), cfg.init_std_receptive, "w_r")
        self.w_context = init((cfg.n_neurons, cfg.n_context), cfg.init_std_context, "w_c")
        zeros = torch.zeros(cfg.n_runs, cfg.n_neurons, dtype=dtype, device=device)
        self.b_receptive = torch.nn.Parameter(zeros.clone()) if cfg.bias_receptive else None
        self.b_context = torch.nn.Parameter(zeros.clone()) if cfg.bias_context else None
        self.register_buffer("mask", cfg.mask().to(dtype=dtype, device=device))
        self.register_buffer("mask_receptive", cfg.mask_receptive().to(dtype=dtype, device=device))
        self.apply_mask()

    @property
    def dtype(self) -> torch.dtype:
        return self.w_receptive.dtype

    @property
    def device(self) -> torch.device:
        return self.w_receptive.device

    def apply_mask(self) -> None:
        """Zero the masked weights (call after every update)."""
        with torch.no_grad():
            self.w_context.mul_(self.mask)
            self.w_receptive.mul_(self.mask_receptive)

    @staticmethod
    def _drive(x: Tensor, weights: Tensor, bias: Tensor | None) -> Tensor:
        """w·x + b for inputs [runs, samples, inputs] (or [samples, inputs]): [runs, samples, neurons]."""
        if bias is not None and x.dim() == 3:  # bias added by the product itself: one pass
            return torch.baddbmm(bias[:, None, :], x, weights.transpose(-1, -2))
        out = torch.matmul(x, weights.transpose(-1, -2))
        return out if bias is None else out + bias[:, None, :]

    def aggregates(self, x_receptive: Tensor, x_context: Tensor) -> tuple[Tensor, Tensor]:
        """r, c: [runs, samples, neurons]."""
        return self.receptive_drive(x_receptive), self.context_drive(x_context)

    def theta(self, x_receptive: Tensor, x_context: Tensor) -> Tensor:
        """Firing probability θ = P(Y = +1 | r, c) = σ(A(r, c)), [runs, samples, neurons]."""
        r, c = self.aggregates(x_receptive, x_context)
        return torch.sigmoid(self.activation(r, c))

    @staticmethod
    def sample(theta: Tensor, uniforms: Tensor) -> Tensor:
        """±1 outputs: +1 where ``uniforms`` < θ (uniforms drawn per run, see :mod:`rng`)."""
        return torch.where(uniforms < theta, 1.0, -1.0).to(theta.dtype)

    def draw_uniforms(self, n_samples: int, *key) -> Tensor:
        """Uniforms [runs, n_samples, neurons] for :meth:`sample`, run i from ``seed + i``."""
        shape = (n_samples, self.config.n_neurons)
        return rng.per_run(lambda g: torch.rand(shape, generator=g, dtype=torch.float64),
                           self.config.seed, self.config.n_runs, "sample", *key,
                           device=self.device).to(self.dtype)

    @torch.no_grad()
    def simulate(self, x_receptive: Tensor, y_previous: Tensor,
                 uniforms: Tensor) -> tuple[Tensor, Tensor]:
        """Run the layer in discrete time with its own sampled outputs as context
        (recurrent context, PNAS §3.2-3.3): at step t the context is y(t − 1).

        ``x_receptive`` [runs, T, inputs], ``y_previous`` [runs, neurons] (the state before the
        first step), ``uniforms`` [runs, T, neurons]. Returns the recorded context inputs and
        outputs, both [runs, T, neurons].
        """
        r_all = self.receptive_drive(x_receptive)
        contexts, outputs = [], []
        y = y_previous.to(self.dtype)[:, None, :]
        for t in range(x_receptive.shape[-2]):
            contexts.append(y)
            y = self.step(r_all[:, t:t + 1], y, uniforms[:, t:t + 1])
            outputs.append(y)
        return torch.cat(contexts, 1), torch.cat(outputs, 1)

    def receptive_drive(self, x_receptive: Tensor) -> Tensor:
        """r = w_R·x_R + b_R, [runs, samples, neurons]."""
        return self._drive(x_receptive, self.w_receptive, self.b_receptive)

    def context_drive(self, x_context: Tensor) -> Tensor:
        """c = W_C·x_C + b_C, [runs, samples, neurons]."""
        return self._drive(x_context, self.w_context, self.b_context)

    def step(self, r: Tensor, y_previous: Tensor, uniforms: Tensor) -> Tensor:
        """One step of the recurrent dynamics, used by :meth:`simulate` and by the memory test:
        ±1 outputs sampled from θ = σ(A(r, c)), the context drive c coming from the previous
        outputs ``y_previous``. ``r`` is the receptive drive (:meth:`receptive_drive`); all
        arguments and the result are [runs, samples, neurons]."""
        return self.sample(torch.sigmoid(self.activation(r, self.context_drive(y_previous))), uniforms)

    def bins(self, r: Tensor, c: Tensor) -> tuple[Tensor, Tensor]:
        cfg = self.config
        return cfg.binning_receptive.indices(r), cfg.binning_context.indices(c)

    def joint(self, x_receptive: Tensor, x_context: Tensor) -> Tensor:
        """θ-weighted p(r̃, c̃, y) of every neuron of every run, [runs, neurons, n_r, n_c, 2]."""
        return self._joint(*self.aggregates(x_receptive, x_context))

    def _joint(self, r: Tensor, c: Tensor) -> Tensor:
        theta = torch.sigmoid(self.activation(r, c))
        bin_r, bin_c = self.bins(r, c)
        cfg = self.config
        return theta_joint(theta, bin_r, bin_c, cfg.binning_receptive.n_bins, cfg.binning_context.n_bins)

    def atoms(self, x_receptive: Tensor, x_context: Tensor) -> PIDAtoms:
        """The five sx-PID atoms (bits) of every neuron of every run, each [runs, neurons].

        Inputs with NaN or infinite entries raise ``ValueError`` (they would give NaN atoms).
        The check is made on the drives r and c, which a non-finite input always makes
        non-finite (also through a weight of 0), at a fraction of the inputs' size."""
        r, c = self.aggregates(x_receptive, x_context)
        for name, drive in (("x_receptive", r), ("x_context", c)):
            if not bool(torch.isfinite(drive).all()):
                raise ValueError(f"{name} holds NaN or infinite values (or values whose drive overflows)")
        # the joint sums to 1 by construction: skip sx_pid's input checks here
        return sx_pid(self._joint(r, c), validate=False)

    def goal(self, x_receptive: Tensor, x_context: Tensor, gamma) -> tuple[Tensor, PIDAtoms]:
        """Local goal G = Γ·atoms [runs, neurons] (PNAS Eq. 7) and the atoms it came from."""
        atoms = self.atoms(x_receptive, x_context)
        return self._weigh(atoms, gamma), atoms

    def goal_of_joint(self, joint: Tensor, gamma) -> Tensor:
        """G [runs, neurons] of joints built by :meth:`joint`."""
        return self._weigh(sx_pid(joint, validate=False), gamma)

    def _weigh(self, atoms: PIDAtoms, gamma) -> Tensor:
        """Γ·atoms; ``gamma`` may also be a tensor [runs, n_atoms], one goal per run."""
        if isinstance(gamma, Tensor):
            weights = gamma.to(self.dtype)[:, None, :] if gamma.dim() == 2 else gamma.to(self.dtype)
        else:
            weights = Goal.from_any(gamma).tensor(self.dtype, self.device)
        return (atoms.stack() * weights).sum(-1)


@dataclass
class ThreeSourceConfig:
    """Shape and settings of a :class:`ThreeSourceLayer` (validated on creation).

    ``sources``: the input classes the neurons see, feedforward ``F`` always, with the context
    ``C`` (e.g. the label), the lateral input ``L`` (the layer's own previous outputs; no
    self-connections), or both; the atoms are those of :func:`~infomorphic_core.goals.lattice_vocabulary`
    of these sources (18 + H_res for three). ``n_partners``: each neuron's lateral input comes
    from that many other neurons drawn at random (``None``: all others).
    ``context_gain`` / ``lateral_gain``: c1 and c2 of :func:`~infomorphic_core.activations.three_source`.
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
    binning: Binning = field(default_factory=lambda: Binning(20, "fixed", (-20.0, 20.0)))
    dtype: str = "float32"
    seed: int = 0

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
        if not isinstance(self.binning, Binning):
            raise ValueError(f"binning must be a Binning, got {self.binning!r}")
        checks.one_of("dtype", self.dtype, sorted(DTYPES))

    @property
    def vocabulary(self):
        from .goals import lattice_vocabulary

        return lattice_vocabulary(self.sources)


class ThreeSourceLayer(torch.nn.Module):
    """Neurons with a feedforward, a context and a lateral input (Schneider et al., ICLR 2025),
    batched over runs like :class:`InfomorphicLayer`: f = W_F·x + b_F, c = W_C·x_C + b_C,
    l = W_L·y' + b_L (y' the layer's previous ±1 outputs), θ = σ(A(f, c, l)).

    The atoms of a minibatch are evaluated at its samples (:func:`~infomorphic_core.pid.sx_pid_samples`),
    each source in ``config.binning``; the goal's gradient is taken by autograd.

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
                            cfg.seed, cfg.n_runs, "init", name)
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
        scores = rng.per_run(lambda g: torch.rand((n, n), generator=g), cfg.seed, cfg.n_runs, "partners")
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
        from .activations import three_source

        cfg = self.config
        zero = torch.zeros((), dtype=f.dtype, device=f.device)
        return torch.sigmoid(three_source(f, zero if c is None else c, zero if l is None else l,
                                          cfg.context_gain if c is not None else 0.0,
                                          cfg.lateral_gain if l is not None else 0.0))

    def atoms(self, f: Tensor, c: Tensor | None, l: Tensor | None, theta: Tensor | None = None) -> PIDAtoms:
        """The atoms of every neuron of every run over this minibatch, [runs, neurons] each:
        the θ-weighted joint of (F̃, C̃, L̃, Y) with the sources binned by ``config.binning``."""
        from .pid import sx_pid_samples

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


def pid_score(p: torch.Tensor, gamma) -> torch.Tensor:
    """F(r̃, c̃) = ∂G/∂p(r̃, c̃, +1) − ∂G/∂p(r̃, c̃, −1) for joints p [..., n_r, n_c, 2] (the book's Methods page).

    With G = a_R I(Y:R̃) + a_C I(Y:C̃) + a_RC I(Y:R̃,C̃) + a_red I_red + a_H H(Y), every term's
    derivative is a log-odds difference; the redundancy adds the S-term of the union events.
    """
    a = _classical(gamma, p)
    tiny = torch.finfo(p.dtype).tiny

    def log_odds(x):
        log = torch.log2(x.clamp_min(tiny))
        return log[..., 1] - log[..., 0]

    p_y = p.sum(dim=(-3, -2))
    p_ry = p.sum(-2)
    p_cy = p.sum(-3)
    base = log_odds(p_y)[..., None, None]

    def delta_red():
        union_y = p_ry[..., :, None, :] + p_cy[..., None, :, :] - p
        q = p / union_y.clamp_min(tiny)  # 0 where p = 0: the union is at least p
        s = q.sum(-2, keepdim=True) + q.sum(-3, keepdim=True) - q
        return log_odds(union_y) - base + (s[..., 1] - s[..., 0]) / math.log(2)

    terms = (("a_R", lambda: log_odds(p_ry)[..., :, None] - base),
             ("a_C", lambda: log_odds(p_cy)[..., None, :] - base),
             ("a_RC", lambda: log_odds(p) - base),
             ("a_red", delta_red),
             ("a_H", lambda: -base))
    # a term whose coefficient is the number 0 only adds zeros: it is left out (a learning step
    # of a goal with few classical terms then makes a third fewer operations)
    score = None
    for key, term in terms:
        if isinstance(a[key], torch.Tensor) or a[key] != 0:
            value = a[key] * term()
            score = value if score is None else score + value
    # a score of the output's marginals alone (H(Y)) is constant over the grid: spread it out
    return p.new_zeros(p.shape[:-1]) if score is None else score.expand(p.shape[:-1]).contiguous()


def _classical(gamma, p: torch.Tensor) -> dict:
    """The classical coefficients of :meth:`Goal.classical`; for a tensor Γ [runs, n_atoms] (one
    goal per run of joints p [runs, neurons, n_r, n_c, 2]) each is shaped to broadcast over
    the runs' [neurons, n_r, n_c] grids."""
    if not isinstance(gamma, torch.Tensor):
        return Goal.from_any(gamma).classical()
    w = gamma.to(p.dtype)
    if w.dim() == 2:
        w = w[:, None, None, None, :]
    return classical_coefficients(*w.unbind(-1))


def _coefficients(gamma, theta: torch.Tensor) -> torch.Tensor:
    """:func:`_classical`'s coefficients (a_R, a_C, a_RC, a_red, a_H) as one tensor: [5] for one
    goal of every run, [runs, 5] for a goal per run."""
    classical = _classical(gamma, theta)
    a = [classical[key] for key in ("a_R", "a_C", "a_RC", "a_red", "a_H")]
    if not isinstance(gamma, torch.Tensor):  # numbers: one small tensor, no per-step stacking
        return torch.tensor(a, dtype=torch.float64)
    return torch.stack([torch.as_tensor(v, dtype=torch.float64).reshape(-1).expand(theta.shape[0]) for v in a], -1)


def closed_form_gradient(layer: InfomorphicLayer, x_receptive, x_context, gamma):
    """∂(Σ_neurons G)/∂parameters by PNAS Eqs. 8/9, without autograd through
    the PID: ∂G/∂w_R = (1/N) Σ_n F(r̃_n, c̃_n) θ_n(1 − θ_n) ∂A/∂r|_n x_R,n, and likewise for w_C.

    ∂A/∂r and ∂A/∂c are taken elementwise from the activation. Returns a dict keyed by the
    names of the layer's parameters that require a gradient (a frozen one gets none), and the
    minibatch's joint p(r̃, c̃, y). Bins are constants and θ
    is clipped as in :func:`theta_joint`. On the CPU, where the kernels are built, the joint and
    the score are fused (:func:`~infomorphic_core.fused.score_step`: the same joint, the score to
    float rounding); otherwise eager.
    """
    from .activations import with_derivatives

    cfg = layer.config
    with torch.no_grad():
        r, c = layer.aggregates(x_receptive, x_context)
        activation, da_dr, da_dc = with_derivatives(layer.activation, r, c)
        theta = torch.sigmoid(activation)
        bin_r, bin_c = layer.bins(r, c)
        n_r, n_c = cfg.binning_receptive.n_bins, cfg.binning_context.n_bins
        if fused.applies_step(theta):
            p, f_r, f_c = fused.score_step(theta, bin_r, bin_c, da_dr, da_dc, n_r, n_c,
                                           _coefficients(gamma, theta), THETA_CLIP)
        else:
            p = theta_joint(theta, bin_r, bin_c, n_r, n_c)  # [R, K, n_r, n_c, 2]
            score = pid_score(p, gamma).flatten(-2).div_(theta.shape[-2])  # [R, K, n_r*n_c], the 1/N
            cell = (bin_r * n_c + bin_c).transpose(-1, -2)  # [R, K, N]
            f = theta * (1 - theta)  # [R, N, K]
            f.mul_((theta > THETA_CLIP) & (theta < 1 - THETA_CLIP)).mul_(torch.gather(score, -1, cell).transpose(-1, -2))
            f_r, f_c = f * da_dr, f.mul_(da_dc)
        terms = {"w_receptive": lambda: _outer(f_r, x_receptive) * layer.mask_receptive,
                 "w_context": lambda: _outer(f_c, x_context) * layer.mask,
                 "b_receptive": lambda: f_r.sum(-2), "b_context": lambda: f_c.sum(-2)}
        grads = {name: term() for name, term in terms.items()
                 if getattr(layer, name) is not None and getattr(layer, name).requires_grad}
    return grads, p


def _outer(f, x):
    """Σ_n f[r, n, k] x[r, n, i] -> [r, k, i] (x may be shared by all runs: [n, i])."""
    return torch.matmul(f.transpose(-1, -2), x)
