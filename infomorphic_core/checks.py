"""The checks every config shares; each failure is a :class:`ConfigError` naming the setting and
what it allows."""

from __future__ import annotations

import ast
import math


class ConfigError(ValueError):
    """A setting that cannot work, found before (or at the very start of) a computation; the
    command line reports it in one line with exit code 2."""


def integer(name: str, value, minimum: int = 1) -> None:
    """``value`` must be an integer (not a bool) >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ConfigError(f"{name} must be {what}, got {value!r}")


def number(name: str, value, low: float = -math.inf, high: float = math.inf,
           open_low: bool = False, open_high: bool = False) -> None:
    """``value`` must be a finite number in [low, high], ends excluded where ``open_*``."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (value > low if open_low else value >= low) and (value < high if open_high else value <= high)
    if not ok:
        if low == -math.inf and high == math.inf:
            allowed = "a finite number"
        elif high == math.inf:
            allowed = f"a finite number {'>' if open_low else '>='} {low:g}"
        else:
            allowed = f"in {'(' if open_low else '['}{low:g}, {high:g}{')' if open_high else ']'}"
        raise ConfigError(f"{name} must be {allowed}, got {value!r}")


def one_of(name: str, value, options) -> None:
    if value not in options:
        raise ConfigError(f"{name} must be one of {tuple(options)}, got {value!r}")


def parse_value(text: str):
    """A ``-p`` value: a Python literal where it parses as one, else the string itself."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_overrides(pairs: list[str]) -> dict:
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.isidentifier():
            raise ValueError(f"parameter {pair!r} must look like NAME=VALUE")
        overrides[key] = parse_value(value)
    return overrides
