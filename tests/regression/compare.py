"""Compare a notebook cell's text output with its reference, number by number.

The words and layout of an output must match exactly; each number in it must lie within the
tolerance of its cell (``notebooks/regression.toml``), which the spread measured across CPU math
paths and seeds (``tests/regression/spread.md``) sizes. The root ``conftest.py`` plugs this into
nbval for the cells the table names; every other cell is compared exactly by nbval itself.
:func:`compare_cell` applies the same comparison to a notebook executed elsewhere (the book's).
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|\bnan\b|\bNaN\b")
MODES = ("tolerance", "words", "none")
RULES_FILE = Path(__file__).resolve().parents[2] / "notebooks" / "regression.toml"


def split(text: str) -> tuple[list[str], list[float]]:
    """The text with its numbers cut out (runs of white space collapsed, so that a column
    that widens by a digit still matches), and the numbers."""
    words, numbers, last = [], [], 0
    for match in NUMBER.finditer(text):
        words.append(" ".join(text[last:match.start()].split()))
        numbers.append(float(match.group()))
        last = match.end()
    words.append(" ".join(text[last:].split()))
    return words, numbers


@dataclass(frozen=True)
class Rule:
    """How one cell's output is compared: ``tolerance`` (words exact, each number within
    ``abs`` or ``rel`` of the reference), ``words`` (words exact, numbers not compared: a
    chaotic output whose verdict is printed in words) or ``none`` (not compared)."""

    notebook: str
    source: str
    mode: str
    why: str
    abs: float = 0.0
    rel: float = 0.0

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"{self.notebook} / {self.source!r}: mode must be one of {MODES}")
        if not self.why.strip():
            raise ValueError(f"{self.notebook} / {self.source!r}: say why in `why`")
        if self.mode == "tolerance" and self.abs <= 0 and self.rel <= 0:
            raise ValueError(f"{self.notebook} / {self.source!r}: a tolerance needs abs or rel > 0")

    def applies_to(self, notebook: str, cell_source: str) -> bool:
        return notebook == self.notebook and self.source in cell_source


def load_rules(path: Path = RULES_FILE) -> list[Rule]:
    with open(path, "rb") as f:
        table = tomllib.load(f)
    return [Rule(**entry) for entry in table.get("cell", [])]


def mismatch(reference: str, output: str, rule: Rule) -> str | None:
    """``None`` when ``output`` matches ``reference`` under ``rule``, else what differs."""
    if rule.mode == "none":
        return None
    ref_words, ref_numbers = split(reference)
    out_words, out_numbers = split(output)
    if ref_words != out_words:
        for a, b in zip(ref_words, out_words):
            if a != b:
                return f"text differs: {a!r} != {b!r}"
        return f"text differs: {len(ref_words) - 1} numbers expected, {len(out_words) - 1} found"
    if rule.mode == "words":
        return None
    for index, (a, b) in enumerate(zip(ref_numbers, out_numbers)):
        if math.isnan(a) and math.isnan(b):
            continue
        allowed = max(rule.abs, rule.rel * abs(a))
        if not abs(a - b) <= allowed:
            return (f"number {index + 1} ({ref_words[index][-40:]!r} ...): reference {a:g}, "
                    f"now {b:g}, differs by {abs(a - b):.3g} > {allowed:.3g} allowed")
    return None


def flatten(outputs, sanitize, skip) -> dict[str, list[str]]:
    """nbval's view of a cell's outputs: MIME type or stream name -> sanitised texts, without
    the keys in ``skip``."""
    from nbval.plugin import transform_streams_for_comparison

    flat: dict[str, list[str]] = {}
    for output in transform_streams_for_comparison(outputs):
        for key, value in output.items():
            if key in skip:
                continue
            values = value.items() if key == "data" else [(key, value)]
            for sub_key, text in values:
                if sub_key not in skip:
                    flat.setdefault(sub_key, []).append(sanitize(text))
    return flat


def compare_cell(reference, outputs, rule: Rule | None, sanitize, skip) -> str | None:
    """``None`` when a cell's ``outputs`` match its ``reference`` outputs (exactly, as nbval
    compares, or under ``rule``), else what differs."""
    if rule is not None and rule.mode == "none":
        return None
    got, want = flatten(outputs, sanitize, skip), flatten(reference, sanitize, skip)
    if set(got) != set(want) or any(len(got[k]) != len(want[k]) for k in want):
        return f"output kinds differ: {sorted(want)} != {sorted(got)}"
    for key in want:
        for expected, output in zip(want[key], got[key]):
            if rule is None:
                problem = None if expected == output else "differs"
            else:
                problem = mismatch(str(expected), str(output), rule)
            if problem:
                how = "exact" if rule is None else f"{rule.mode}, {rule.why}"
                return f"{key}: {problem}\n(rule: {how})\n<<< reference\n{expected}\n=== now\n{output}\n>>>"
    return None
