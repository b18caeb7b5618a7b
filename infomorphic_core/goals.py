"""Goal functions G = Γ · (I_unq,R, I_unq,C, I_red, I_syn, H_res) (PNAS Eq. 7)."""

from __future__ import annotations

import math
from dataclasses import astuple, dataclass, fields

import torch

ATOM_LABELS = ("I_unq,R", "I_unq,C", "I_red", "I_syn", "H_res")

PRESETS = {
    # PNAS §3.1 and §3.3: mostly redundancy between receptive input and context
    "supervised": (0.1, 0.1, 1.0, 0.1, 0.0),
    "memory": (0.1, 0.1, 1.0, 0.1, 0.0),
    # PNAS §3.2: unique receptive information, i.e. features the other neurons do not encode
    "bars": (1.0, 0.0, 0.0, 0.0, 0.0),
    # PNAS SI 4.B (values not given there): synergy and both uniques up, redundancy down
    "error_neuron": (1.0, 1.0, -1.0, 1.0, 0.0),
}


@dataclass(frozen=True)
class Goal:
    """The five weights Γ of the local goal, in the order of the atoms (sx_pid's ``stack()``)."""

    unq_r: float = 0.0
    unq_c: float = 0.0
    red: float = 0.0
    syn: float = 0.0
    res: float = 0.0

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"Goal.{f.name} must be a finite number, got {value!r}")

    @classmethod
    def preset(cls, name: str) -> "Goal":
        """A goal of the paper: ``supervised``, ``bars``, ``memory`` or ``error_neuron``."""
        if name not in PRESETS:
            raise ValueError(f"unknown goal preset {name!r}; known: {', '.join(PRESETS)}")
        return cls(*PRESETS[name])

    @classmethod
    def from_any(cls, value) -> "Goal":
        """A Goal from a Goal, a preset name, or a sequence of five numbers."""
        if isinstance(value, Goal):
            return value
        if isinstance(value, str):
            return cls.preset(value)
        try:
            values = [float(v) for v in value]
        except (TypeError, ValueError):
            raise ValueError(f"gamma must be a preset name or five numbers, got {value!r}") from None
        if len(values) != 5:
            raise ValueError(
                f"gamma must have 5 weights (unq_r, unq_c, red, syn, res), got {len(values)}"
            )
        return cls(*values)

    def as_tuple(self) -> tuple[float, ...]:
        return astuple(self)

    def tensor(self, dtype=torch.float32, device=None) -> torch.Tensor:
        return torch.tensor(self.as_tuple(), dtype=dtype, device=device)

    def classical(self) -> dict[str, float]:
        """Coefficients of G = a_R I(Y:R̃) + a_C I(Y:C̃) + a_RC I(Y:R̃,C̃) + a_red I_red + a_H H(Y)
        (Möbius relations, PNAS Eqs. 3-5, substituted)."""
        return {
            "a_R": self.unq_r - self.syn,
            "a_C": self.unq_c - self.syn,
            "a_RC": self.syn - self.res,
            "a_red": self.red - self.unq_r - self.unq_c + self.syn,
            "a_H": self.res,
        }
