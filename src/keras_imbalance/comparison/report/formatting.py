"""How a comparison writes numbers and counts, the same in the terminal, Markdown and HTML."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def plural(count: int, word: str) -> str:
    """``"1 epoch"``, ``"3 epochs"``.

    Example:
        >>> plural(1, "epoch"), plural(30, "epoch")
        ('1 epoch', '30 epochs')
    """
    return f"{count} {word}{'' if count == 1 else 's'}"


def format_number(value: Any, digits: int = 3, sign: bool = False) -> str:
    """``value`` rounded to ``digits``; ``"n/a"`` for ``None``, NaN or inf; never ``"-0.000"``.

    Example:
        >>> format_number(-0.0001), format_number(0.25, sign=True), format_number(None)
        ('0.000', '+0.250', 'n/a')
    """
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    rounded = round(float(value), digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{rounded:{'+' if sign else ''}.{digits}f}"


def format_params(
    params: Mapping[str, Any],
    *,
    separator: str = ", ",
    empty: str = "",
    significant: int | None = None,
) -> str:
    """A strategy's knobs as text, ``"tau=1.0, start=0.8"``, in their order; ``empty`` for none.

    Every place that shows knobs (the terminal table, Markdown, HTML, figures, run labels, log
    folder names, the verdict and the recipe notes) writes them through this function.

    Args:
        params: ``{knob: value}``.
        separator: what goes between two knobs.
        empty: the text for no knobs (``"-"`` in a table cell).
        significant: write floats with this many significant digits (``0.30000000000000004``
            as ``0.3``); ``None`` writes ``str(value)``.

    Example:
        >>> format_params({"tau": 1.0, "start": 0.8})
        'tau=1.0, start=0.8'
        >>> format_params({}, empty="-"), format_params({"tau": 0.1 + 0.2}, significant=6)
        ('-', 'tau=0.3')
    """

    def text(value: Any) -> str:
        if significant is not None and isinstance(value, float):
            return f"{value:.{significant}g}"
        return str(value)

    return separator.join(f"{key}={text(value)}" for key, value in params.items()) or empty
