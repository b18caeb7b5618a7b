"""A layer of infomorphic neurons, batched over independent runs (PNAS §2.1-2.2, Eqs. 7-9).

Weights are shaped ``[runs, neurons, inputs]``: R independent networks train together as one
tensor program. Inputs are ``[runs, samples, inputs]`` (or ``[samples, inputs]``, shared by all
runs); aggregates, firing probabilities and outputs are ``[runs, samples, neurons]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor

from . import checks, rng
from .activations import get_activation
from .estimate import Binning, theta_joint
from .goals import Goal
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
