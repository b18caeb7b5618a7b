"""The minibatch loop every task uses (PNAS M&M: one update per minibatch, interleaved
evaluation with updates suppressed).

A task supplies a *stream*: ``stream.batch(layer, step) -> (x_receptive, x_context)`` records
one minibatch (for recurrent tasks by running the network), and ``state_dict()`` /
``load_state_dict()`` carry whatever it keeps between minibatches into a checkpoint.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Protocol

import pandas as pd
import torch
from tqdm import tqdm

from . import checks
from .io import write_atomic
from .goals import Goal
from .gradient import closed_form_gradient
from .layer import InfomorphicLayer
from .pid import sx_pid

OPTIMIZERS = ("sgd", "adam")
GRADIENTS = ("autograd", "closed_form")
HISTORY_COLUMNS = ["run", "step", "neuron", "quantity", "value"]


class Stream(Protocol):
    def batch(self, layer: InfomorphicLayer, step: int) -> tuple[torch.Tensor, torch.Tensor]: ...

    def state_dict(self) -> dict: ...

    def load_state_dict(self, state: dict) -> None: ...


@dataclass
class TrainConfig:
    """``n_updates`` minibatches, one gradient-ascent update each; evaluation every
    ``eval_every`` updates (and at the start and end); a checkpoint every ``checkpoint_every``."""

    n_updates: int
    learning_rate: float = 1.0
    optimizer: str = "sgd"
    eval_every: int = 0
    checkpoint_every: int = 0
    gradient: str = "closed_form"
    progress: bool | None = None

    def __post_init__(self):
        checks.integer("n_updates", self.n_updates, minimum=0)
        checks.number("learning_rate", self.learning_rate, low=0)
        checks.one_of("optimizer", self.optimizer, OPTIMIZERS)
        checks.one_of("gradient", self.gradient, GRADIENTS)
        checks.integer("eval_every", self.eval_every, minimum=0)
        checks.integer("checkpoint_every", self.checkpoint_every, minimum=0)


def make_optimizer(layer: InfomorphicLayer, config: TrainConfig) -> torch.optim.Optimizer:
    """SGD or Adam on the parameters that require gradients (a task may freeze some)."""
    params = [p for p in layer.parameters() if p.requires_grad]
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.learning_rate)
    return torch.optim.SGD(params, lr=config.learning_rate)


def tidy(step: int, values: dict[str, torch.Tensor]) -> pd.DataFrame:
    """Rows (run, step, neuron, quantity, value) from tensors [runs, neurons] or [runs]
    (network-level quantities get neuron = -1)."""
    frames = []
    for quantity, tensor in values.items():
        tensor = tensor.detach().double().cpu()
        if tensor.dim() == 1:
            tensor = tensor[:, None]
            neurons = [-1]
        else:
            neurons = list(range(tensor.shape[1]))
        runs, cols = torch.meshgrid(torch.arange(tensor.shape[0]), torch.arange(tensor.shape[1]),
                                    indexing="ij")
        frames.append(pd.DataFrame({
            "run": runs.reshape(-1).numpy(),
            "step": step,
            "neuron": [neurons[j] for j in cols.reshape(-1).tolist()],
            "quantity": quantity,
            "value": tensor.reshape(-1).numpy(),
        }))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=HISTORY_COLUMNS)


def atom_dict(atoms, prefix="") -> dict[str, torch.Tensor]:
    """History quantities of the atoms: ``prefix + key`` -> [runs, neurons]."""
    return {prefix + key: value for key, value in atoms.as_dict().items()}


def update(layer: InfomorphicLayer, optimizer: torch.optim.Optimizer, x_receptive: torch.Tensor,
           x_context: torch.Tensor, gamma: Goal | str | tuple, gradient: str = "closed_form") -> torch.Tensor:
    """One ascent step on Σ G over neurons and runs; returns the minibatch's joint
    p(r̃, c̃, y) before the step (its atoms are only computed where they are logged)."""
    optimizer.zero_grad(set_to_none=False)
    if gradient == "closed_form":  # its weight gradients are masked already
        grads, joint = closed_form_gradient(layer, x_receptive, x_context, gamma)
        for name, grad in grads.items():  # only the parameters that require one
            getattr(layer, name).grad = grad.neg_()
    else:
        joint = layer.joint(x_receptive, x_context)
        (-layer.goal_of_joint(joint, gamma).sum()).backward()
        joint = joint.detach()
        if layer.w_context.grad is not None:
            layer.w_context.grad.mul_(layer.mask)
        if layer.w_receptive.grad is not None:
            layer.w_receptive.grad.mul_(layer.mask_receptive)
    optimizer.step()
    layer.apply_mask()
    return joint


def train(
    layer: InfomorphicLayer,
    stream: Stream,
    gamma,
    config: TrainConfig,
    evaluate: Callable[[InfomorphicLayer, int], dict[str, torch.Tensor]] | None = None,
    after_update: Callable[[InfomorphicLayer, int], None] | None = None,
    checkpoint: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Train ``layer`` on ``stream`` and return the tidy history (run, step, neuron, quantity, value).

    At every evaluation step the history gets ``evaluate(layer, step)`` (computed without
    updates) and the atoms of the latest training minibatch (quantities ``train_`` + atom key, e.g. ``train_red``).
    With ``checkpoint`` set, state is saved atomically every ``config.checkpoint_every``
    updates and after the last one; a later call with the same path resumes from it (an
    unreadable checkpoint is discarded with a warning). It is kept after training: the task
    that owns it removes it once its result is in the cache (:func:`~infomorphic_core.tasks.common.cached_run`),
    so a run killed after training but before its result was stored does not train again.
    Checkpoints are data (tensors, numbers, strings), loaded with ``weights_only=True``: a
    planted file cannot run code.

    Parameters
    ----------
    layer : InfomorphicLayer
        The neurons to train, all runs at once; updated in place.
    stream : Stream
        ``stream.batch(layer, step)`` gives minibatch ``step`` (1, 2, ...) as
        ``(x_receptive, x_context)``; ``state_dict``/``load_state_dict`` carry its state into
        checkpoints.
    gamma : Goal, preset name or five weights
        The goal Γ (:class:`~infomorphic_core.goals.Goal`).
    config : TrainConfig
        Number of updates, optimiser and step, evaluation and checkpoint intervals.
    evaluate : callable, optional
        ``evaluate(layer, step) -> {quantity: tensor [runs, neurons] or [runs]}``, logged at
        step 0, every ``config.eval_every`` updates and at the end, with updates off.
    after_update : callable, optional
        ``after_update(layer, step)``, e.g. a weight decay.
    checkpoint : path, optional
        Where to save and resume (see above).

    Returns
    -------
    pandas.DataFrame
        The history, one row per run, step, neuron and quantity.

    Examples
    --------
    >>> import torch
    >>> from infomorphic_core import InfomorphicLayer, LayerConfig, TrainConfig, train
    >>> class Noise:  # a stream of random inputs that keeps no state
    ...     def batch(self, layer, step):
    ...         return torch.randn(64, 4), torch.randn(64, 2)
    ...     def state_dict(self):
    ...         return {}
    ...     def load_state_dict(self, state):
    ...         pass
    >>> layer = InfomorphicLayer(LayerConfig(n_neurons=3, n_receptive=4, n_context=2, n_runs=2))
    >>> history = train(layer, Noise(), "supervised", TrainConfig(n_updates=4, eval_every=2))
    >>> history.step.unique().tolist(), sorted(history.quantity.unique())[:2]
    ([2, 4], ['train_red', 'train_res'])
    """
    gamma = Goal.from_any(gamma)
    optimizer = make_optimizer(layer, config)
    history: list[pd.DataFrame] = []
    start = 0
    checkpoint = Path(checkpoint) if checkpoint else None
    fingerprint = repr((asdict(config), gamma, layer.config))
    started, earlier = time.perf_counter(), 0.0
    state = _load_checkpoint(checkpoint) if checkpoint is not None else None
    if state is not None and state.get("fingerprint") == fingerprint:
        earlier = float(state.get("elapsed_s", 0.0))
        layer.load_state_dict(state["layer"])
        optimizer.load_state_dict(state["optimizer"])
        stream.load_state_dict(state["stream"])
        history = [_frame(state["history"])]
        start = state["step"]
        print(f"resuming from update {start} of {config.n_updates} ({checkpoint})", file=sys.stderr)

    def record(step, train_atoms=None):
        values = {}
        if evaluate is not None:
            with torch.no_grad():
                values.update(evaluate(layer, step))
        if train_atoms is not None:
            values.update(atom_dict(train_atoms, "train_"))
        if values:
            history.append(tidy(step, values))

    if start == 0:
        record(0)
    show = config.progress if config.progress is not None else sys.stderr.isatty()
    for step in tqdm(range(start + 1, config.n_updates + 1), disable=not show, initial=start,
                     total=config.n_updates, desc="updates", leave=False):
        x_receptive, x_context = stream.batch(layer, step)
        joint = update(layer, optimizer, x_receptive, x_context, gamma, config.gradient)
        if after_update is not None:
            after_update(layer, step)
        if step == config.n_updates or (config.eval_every and step % config.eval_every == 0):
            record(step, sx_pid(joint))
        due = step == config.n_updates or (config.checkpoint_every and step % config.checkpoint_every == 0)
        if checkpoint is not None and due:
            try:
                save_atomic(checkpoint, {
                    "fingerprint": fingerprint,
                    "step": step,
                    "elapsed_s": earlier + time.perf_counter() - started,  # training time so far, all attempts
                    "layer": layer.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "stream": stream.state_dict(),
                    "history": _columns(pd.concat(history, ignore_index=True) if history else None),
                })
            except OSError as error:  # a checkpoint is a convenience: never lose the run to it
                warnings.warn(f"could not write the checkpoint {checkpoint} ({error}); "
                              f"continuing without checkpoints", stacklevel=2)
                checkpoint = None
    history = [h for h in history if h is not None and len(h)]
    return pd.concat(history, ignore_index=True) if history else pd.DataFrame(columns=HISTORY_COLUMNS)


def _columns(frame: pd.DataFrame | None):
    """A DataFrame as plain data for a checkpoint: numeric columns as tensors, others as lists."""
    if frame is None:
        return None
    return {name: torch.tensor(frame[name].to_numpy()) if frame[name].dtype.kind in "biuf"
            else frame[name].tolist() for name in frame.columns}


def _frame(columns) -> pd.DataFrame | None:
    if columns is None:
        return None
    return pd.DataFrame({name: v.numpy() if isinstance(v, torch.Tensor) else v for name, v in columns.items()})


def _load_checkpoint(path: Path) -> dict | None:
    """The checkpoint at ``path``, or ``None`` when there is none; one that cannot be read as
    data (truncated, planted, of an older format) is removed with one warning."""
    if not path.exists():
        return None
    try:
        with warnings.catch_warnings():  # torch's own notes on odd files: ours below says it all
            warnings.simplefilter("ignore")
            state = torch.load(path, weights_only=True)
        if not isinstance(state, dict):
            raise ValueError("not a checkpoint")
        return state
    except Exception as error:  # anything unreadable is discarded, never trusted
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        warnings.warn(f"discarding the unreadable checkpoint {path} ({reason[:200]}); starting over",
                      stacklevel=3)
        with contextlib.suppress(OSError):
            path.unlink()
        return None


def checkpoint_elapsed(path) -> float:
    """The training time (s) that the checkpoint at ``path`` holds from earlier attempts, 0 when
    there is none: a resumed run's provenance counts it."""
    state = _load_checkpoint(Path(path)) if path is not None else None
    return float(state.get("elapsed_s", 0.0)) if state is not None else 0.0


def save_atomic(path: Path, obj) -> None:
    """torch.save to a temporary file in the same folder, then rename over ``path``."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    write_atomic(path, buffer.getvalue())
