"""Argument checks shared by the public functions.

Every error follows one template: it names the argument, the offending value and the way out,
for example ``strategy='foo' is not a known strategy; use one of 'balanced', 'inverse'``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np


def short_repr(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters, for error messages."""
    text = repr(value)
    if isinstance(value, np.ndarray):
        text = f"array(shape={value.shape}, dtype={value.dtype})"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_option(name: str, value: Any, allowed: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``allowed``, else raise a ``ValueError`` listing them."""
    allowed = tuple(allowed)
    if not isinstance(value, str | type(None) | int | float | bool) or value not in allowed:
        listed = ", ".join(repr(option) for option in allowed)
        raise ValueError(f"{name}={short_repr(value)} is not supported; use one of {listed}")
    return value


def check_number(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    integer: bool = False,
) -> float:
    """Check a finite real (or integer) scalar lies in a range; return it as float or int."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        kind = "an integer" if integer else "a number"
        raise TypeError(
            f"{name} must be {kind}, got {short_repr(value)} of type {type(value).__name__}"
        )
    if integer and not float(value).is_integer():
        raise ValueError(f"{name}={value!r} must be a whole number")
    if not math.isfinite(float(value)):
        raise ValueError(f"{name}={value!r} must be finite")
    number = float(value)
    too_low = low is not None and (number < low if low_inclusive else number <= low)
    too_high = high is not None and (number > high if high_inclusive else number >= high)
    if too_low or too_high:
        left = "[" if low_inclusive else "("
        right = "]" if high_inclusive else ")"
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        raise ValueError(
            f"{name}={value!r} is out of range; it must lie in {left}{lo}, {hi}{right}"
        )
    return int(number) if integer else number
