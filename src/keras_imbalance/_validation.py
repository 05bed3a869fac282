"""Argument checks shared by the public functions.

Every error follows one template: it names the argument, the offending value and the way out,
for example ``strategy='foo' is not a known strategy; use one of 'balanced', 'inverse'``.
"""

from __future__ import annotations

import functools
import inspect
import math
import warnings
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import numpy as np

F = TypeVar("F", bound=Callable[..., Any])


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


def positional_deprecated(number: int) -> Callable[[F], F]:
    """Let a function whose options became keyword-only still take them positionally, for one
    release, with a ``DeprecationWarning`` that names them.

    ``number`` is how many parameters stay positional (``self`` included for methods). The
    wrapped function declares the rest keyword-only (after ``*``); extra positional arguments
    are mapped to those names in the order of the signature.
    """

    def decorate(function: F) -> F:
        signature = inspect.signature(function)
        options = [p.name for p in signature.parameters.values() if p.kind is p.KEYWORD_ONLY]

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if len(args) > number:
                extra = args[number:]
                if len(extra) > len(options):
                    raise TypeError(
                        f"{function.__qualname__}() takes {number} positional arguments but "
                        f"{len(args)} were given"
                    )
                names = options[: len(extra)]
                for option, value in zip(names, extra, strict=True):
                    if option in kwargs:
                        raise TypeError(
                            f"{function.__qualname__}() got multiple values for {option!r}"
                        )
                    kwargs[option] = value
                warnings.warn(
                    f"passing {', '.join(names)} to {function.__qualname__}() by position is "
                    f"deprecated and will stop working in the next release; pass "
                    f"{', '.join(f'{n}=...' for n in names)} by keyword",
                    DeprecationWarning,
                    stacklevel=2,
                )
                args = args[:number]
            return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
