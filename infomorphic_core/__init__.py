"""Infomorphic neurons: local learning by the partial information decomposition of a neuron's
output about its receptive and contextual inputs (Makkeh et al., PNAS 2025).

The public API, importable from here:

- the sx-PID: :func:`sx_pid` and its :class:`PIDAtoms`, with :func:`entropy`,
  :func:`mutual_information`, :func:`conditional_mutual_information`; :func:`sx_pid_lattice`
  for neurons with more sources (18 atoms for three), :func:`sx_pid_samples` for the joint of a
  minibatch evaluated at its samples; :func:`sx_pid` and the learning step run fused kernels
  compiled on first use where a C compiler is present (:mod:`infomorphic_core.fused`,
  ``INFOMORPHIC_FUSED=0`` turns them off);
- the atom vocabulary and goals: :data:`BIVARIATE`, :data:`TRIVARIATE`, :data:`ATOM_KEYS`,
  :data:`ATOM_LABELS`, :class:`Goal`, :data:`PRESETS`;
- neurons and learning: :class:`InfomorphicLayer`, :class:`LayerConfig`, :class:`Binning`,
  :class:`ThreeSourceLayer`, :class:`ThreeSourceConfig`,
  :func:`train`, :class:`TrainConfig`, :func:`update`;
- :class:`ConfigError`, raised for settings that cannot work.

Importing the package keeps freed memory for reuse and sets torch's thread count
(:mod:`infomorphic_core.runtime`: ``INFOMORPHIC_THREADS``, ``INFOMORPHIC_KEEP_MEMORY``).

The paper's experiments are the modules of :mod:`infomorphic_core.tasks` (``supervised``,
``bars``, ``memory``, ``error_neuron``, ``redundancy_memory``, ``trivariate``), each with a ``Config``
and a ``run``; figure helpers are in :mod:`infomorphic_core.plots` (not imported here: it needs matplotlib).
"""

from . import runtime
from .checks import ConfigError
from .estimate import Binning
from .goals import ATOM_KEYS, ATOM_LABELS, BIVARIATE, PRESETS, TRIVARIATE, Goal
from .layer import InfomorphicLayer, LayerConfig
from .pid import (PIDAtoms, conditional_mutual_information, entropy, mutual_information, sx_pid,
                  sx_pid_lattice, sx_pid_samples)
from .three_source import ThreeSourceConfig, ThreeSourceLayer
from .train import TrainConfig, train, update

__version__ = "0.1.0"

runtime.apply()  # freed memory kept for reuse, the default torch threads (see runtime)

__all__ = [
    "ATOM_KEYS", "ATOM_LABELS", "BIVARIATE", "Binning", "ConfigError", "Goal", "InfomorphicLayer",
    "LayerConfig", "PIDAtoms", "PRESETS", "TRIVARIATE", "TrainConfig", "conditional_mutual_information",
    "ThreeSourceConfig", "ThreeSourceLayer", "entropy", "mutual_information", "sx_pid", "sx_pid_lattice",
    "sx_pid_samples", "train", "update",
]
