"""How a comparison writes numbers and counts, the same in the terminal, Markdown and HTML."""

from __future__ import annotations

import math
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
