"""The atom vocabulary and the goal functions G = Γ · atoms (PNAS Eq. 7).

One table, :data:`BIVARIATE`, names the five atoms of a two-input infomorphic neuron. Each
:class:`Atom` has a *key*, the one stem used for attributes (``atoms.unq_R``), history
quantities (``unq_R``, ``train_unq_R``), DataFrame columns and metric keys (``unq_R_mean``),
and a *label*, shown in figures and printed tables. The order of the table is the order of
``PIDAtoms.stack()`` and of the weights Γ. Renaming a label is a change of one line below.

Each atom is also a node of the PID lattice (an antichain of source sets, Williams & Beer
2010), so a vocabulary for neurons with more inputs is built the same way:
:func:`antichains` lists the 4 nodes of two sources and the 18 of three.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import torch


@dataclass(frozen=True)
class Atom:
    """One atom: ``key`` (code, data and metric stem), ``label`` (display) and its ``antichain``
    (tuple of source-name tuples; empty for the residual entropy, which is outside the lattice)."""

    key: str
    label: str
    antichain: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Vocabulary:
    """An ordered table of atoms; every order, name and label in the package derives from one."""

    atoms: tuple[Atom, ...]

    def __post_init__(self):
        keys = [a.key for a in self.atoms]
        if len(set(keys)) != len(keys) or len({a.label for a in self.atoms}) != len(keys):
            raise ValueError(f"atom keys and labels must be unique, got {keys}")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(a.key for a in self.atoms)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(a.label for a in self.atoms)

    def __len__(self) -> int:
        return len(self.atoms)

    def index(self, key: str) -> int:
        try:
            return self.keys.index(key)
        except ValueError:
            raise ValueError(f"unknown atom {key!r}; known: {', '.join(self.keys)}") from None

    @property
    def names(self) -> dict[str, str]:
        """Key -> label."""
        return {a.key: a.label for a in self.atoms}

    def label(self, key: str) -> str:
        """The display label of ``key``; other names (non-atom quantities) pass unchanged."""
        return self.names.get(key, key)

    def relabel(self, frame):
        """A copy of a DataFrame (or Series) with atom keys in columns or index shown as labels."""
        names = self.names
        return frame.rename(index=names, columns=names) if frame.ndim == 2 else frame.rename(names)


def bivariate(receptive: str = "R", context: str = "C") -> Vocabulary:
    """The five atoms of a two-input neuron whose receptive and context sources are called
    ``receptive`` and ``context``: the labels (and lattice nodes) name the sources, the keys
    name their roles, so data, goals and attributes read the same in every chapter
    (``unq_R`` is always the receptive source's unique information).

    >>> bivariate("T", "R").names["unq_R"], bivariate("T", "R").names["unq_C"]
    ('I_unq,T', 'I_unq,R')
    """
    if not (receptive and context) or receptive == context:
        raise ValueError(f"two different source names are needed, got {receptive!r} and {context!r}")
    return Vocabulary((
        Atom("unq_R", f"I_unq,{receptive}", ((receptive,),)),
        Atom("unq_C", f"I_unq,{context}", ((context,),)),
        Atom("red", "I_red", ((receptive,), (context,))),
        Atom("syn", "I_syn", ((receptive, context),)),
        Atom("res", "H_res"),
    ))


BIVARIATE = bivariate()
ATOM_KEYS = BIVARIATE.keys
ATOM_LABELS = BIVARIATE.labels


def antichains(sources) -> list[tuple[tuple[str, ...], ...]]:
    """The nodes of the PID lattice of ``sources``: every non-empty set of non-empty source sets
    none of which contains another, each as a sorted tuple of tuples (4 for two sources, 18 for
    three)."""
    sources = tuple(sources)
    subsets = [c for n in range(1, len(sources) + 1) for c in combinations(sources, n)]
    nodes = []
    for n in range(1, len(subsets) + 1):
        for family in combinations(subsets, n):
            if not any(set(a) < set(b) for a in family for b in family):
                nodes.append(tuple(sorted(family)))
    return nodes


def lattice_vocabulary(sources) -> Vocabulary:
    """The atoms of a neuron with the named ``sources``: one per node of the PID lattice
    (:func:`antichains`), keyed and labelled by their source sets in the order of ``sources``
    (``{F}{C}``, ``{FC}{FL}``), followed by the residual entropy ``res``. Nodes are ordered
    by their number of source sets, then their sizes."""
    order = {name: i for i, name in enumerate(sources)}

    def arranged(node):
        return tuple(sorted((tuple(sorted(a, key=order.get)) for a in node),
                            key=lambda a: (len(a), [order[x] for x in a])))

    nodes = sorted((arranged(n) for n in antichains(sources)),
                   key=lambda n: (-len(n), [len(a) for a in n], [[order[x] for x in a] for a in n]))
    atoms = [Atom("".join("{" + "".join(a) + "}" for a in n), "Π" + "".join("{" + "".join(a) + "}" for a in n), n)
             for n in nodes]
    return Vocabulary(tuple(atoms) + (Atom("res", "H_res"),))


# Three-source neurons (Schneider et al. 2025): feedforward F, context C, lateral L; 18 atoms
TRIVARIATE = lattice_vocabulary(("F", "C", "L"))


PRESETS = {
    # PNAS §3.1 and §3.3: mostly redundancy between receptive input and context
    "supervised": (0.1, 0.1, 1.0, 0.1, 0.0),
    "memory": (0.1, 0.1, 1.0, 0.1, 0.0),
    # PNAS §3.2: unique receptive information, i.e. features the other neurons do not encode
    "bars": (1.0, 0.0, 0.0, 0.0, 0.0),
    # PNAS SI 4.B (values not given there): synergy and both uniques up, redundancy down
    "error_neuron": (1.0, 1.0, -1.0, 1.0, 0.0),
}


def classical_coefficients(unq_R, unq_C, red, syn, res) -> dict:
    """:meth:`Goal.classical` from the five bivariate weights, numbers or tensors alike."""
    return {"a_R": unq_R - syn, "a_C": unq_C - syn, "a_RC": syn - res,
            "a_red": red - unq_R - unq_C + syn, "a_H": res}


@dataclass(frozen=True)
class Goal:
    """The weights Γ of the local goal, one per atom of ``vocabulary``, in its order.

    Build one from a preset (:meth:`preset`), weights by key (:meth:`of`), a single atom
    (:meth:`single`) or anything of these (:meth:`from_any`); ``goal.red`` reads a weight.

    >>> Goal.of(red=1.0, syn=0.5)
    Goal(unq_R=0.0, unq_C=0.0, red=1.0, syn=0.5, res=0.0)
    >>> Goal.single("unq_R") == Goal.preset("bars")
    True
    """

    weights: tuple[float, ...]
    vocabulary: Vocabulary = BIVARIATE

    def __post_init__(self):
        weights = tuple(self.weights)
        if len(weights) != len(self.vocabulary):
            raise ValueError(f"gamma must have {len(self.vocabulary)} weights "
                             f"({', '.join(self.vocabulary.keys)}), got {len(weights)}")
        for key, value in zip(self.vocabulary.keys, weights):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"the weight of {key} must be a finite number, got {value!r}")
        object.__setattr__(self, "weights", tuple(float(w) for w in weights))

    def __getattr__(self, key):
        if key.startswith("_") or "vocabulary" not in self.__dict__:
            raise AttributeError(key)
        try:
            return self.weights[self.vocabulary.index(key)]
        except ValueError:
            raise AttributeError(key) from None

    def __repr__(self) -> str:
        return "Goal(" + ", ".join(f"{k}={w!r}" for k, w in zip(self.vocabulary.keys, self.weights)) + ")"

    @classmethod
    def of(cls, vocabulary: Vocabulary = BIVARIATE, **weights) -> "Goal":
        """Weights by atom key; atoms not named weigh 0."""
        for key in weights:
            vocabulary.index(key)
        return cls(tuple(weights.get(key, 0.0) for key in vocabulary.keys), vocabulary)

    @classmethod
    def single(cls, key: str, vocabulary: Vocabulary = BIVARIATE) -> "Goal":
        """The goal that maximises one atom alone."""
        return cls.of(vocabulary, **{key: 1.0})

    @classmethod
    def preset(cls, name: str) -> "Goal":
        """A goal of the paper: ``supervised``, ``bars``, ``memory`` or ``error_neuron``."""
        if name not in PRESETS:
            raise ValueError(f"unknown goal preset {name!r}; known: {', '.join(PRESETS)}, "
                             f"or 'only <atom>' for one of {', '.join(BIVARIATE.keys)}")
        return cls(PRESETS[name])

    @classmethod
    def from_any(cls, value) -> "Goal":
        """A Goal from a Goal, a preset name, ``"only <key>"`` (:meth:`single`), or a sequence
        of five numbers.

        >>> Goal.from_any("only syn").as_tuple()
        (0.0, 0.0, 0.0, 1.0, 0.0)
        """
        if isinstance(value, Goal):
            return value
        if isinstance(value, str) and value.startswith("only "):
            return cls.single(value.removeprefix("only "))
        if isinstance(value, str):
            return cls.preset(value)
        try:
            values = tuple(float(v) for v in value)
        except (TypeError, ValueError):
            raise ValueError(f"gamma must be a preset name or {len(BIVARIATE)} numbers, "
                             f"got {value!r}") from None
        return cls(values)

    def as_tuple(self) -> tuple[float, ...]:
        return self.weights

    def tensor(self, dtype=torch.float32, device=None) -> torch.Tensor:
        return torch.tensor(self.weights, dtype=dtype, device=device)

    def classical(self) -> dict[str, float]:
        """Coefficients of G = a_R I(Y:R̃) + a_C I(Y:C̃) + a_RC I(Y:R̃,C̃) + a_red I_red + a_H H(Y)
        (Möbius relations, PNAS Eqs. 3-5, substituted); bivariate goals only."""
        if self.vocabulary.keys != BIVARIATE.keys:  # source names aside, the same five atoms
            raise ValueError("classical coefficients are defined for the bivariate vocabulary")
        return classical_coefficients(*self.weights)
