"""Settings as canonical JSON: their hash, and the keys where two of them differ.

:class:`~keras_imbalance.comparison.journal.Journal` writes a run's configuration in its header
and compares it on resume; both go through the one conversion here, so that ``np.int64(5)``
and ``5``, or a tuple and a list, hash and compare alike.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from keras_imbalance._validation import short_repr

__all__ = ["canonical", "config_differences", "config_hash", "to_json"]


def to_json(value: Any, where: str) -> Any:
    """``value`` as plain JSON types (NumPy scalars, arrays become Python); ``where`` names it."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)  # an int subclass (IntEnum) would otherwise be written by its name
    if isinstance(value, float):
        return float(value)
    if isinstance(value, np.generic) and isinstance(value, np.bool_ | np.number):
        return to_json(value.item(), where)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise TypeError(
                f"{where}={short_repr(value)} is not JSON-serialisable (dtype {value.dtype}); "
                "give numbers, strings, lists or dicts"
            )
        return to_json(value.tolist(), where)
    if isinstance(value, Mapping):
        converted = {}
        for name, item in value.items():
            if not isinstance(name, str):
                raise TypeError(
                    f"{where} has the key {short_repr(name)} of type {type(name).__name__}; "
                    "JSON keys must be strings, so convert it with str(...)"
                )
            converted[name] = to_json(item, f"{where}[{name!r}]")
        return converted
    if isinstance(value, list | tuple):
        return [to_json(item, f"{where}[{index}]") for index, item in enumerate(value)]
    raise TypeError(
        f"{where}={short_repr(value)} of type {type(value).__name__} is not JSON-serialisable; "
        "give numbers, strings, lists or dicts (e.g. str(path) for a path)"
    )


def canonical(value: Any) -> str:
    """Canonical JSON of already-converted ``value``: sorted keys, no spaces, ``json``'s floats."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def config_hash(config: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of ``config``.

    Canonical JSON: keys sorted, compact separators (``","`` and ``":"``), NumPy scalars and arrays
    converted to Python numbers and lists, tuples written as lists, floats exactly as :mod:`json`
    writes them (the shortest repr that reads back to the same double). So dict order does not
    matter and ``np.int64(5)`` hashes like ``5``.

    Args:
        config: a mapping with string keys and JSON-able values.

    Returns:
        64 hex characters.

    Raises:
        TypeError: ``config`` is not a mapping, or a value is not JSON-serialisable (the error
            names its key, e.g. ``config['model']['optimizer']``).

    Example:
        >>> from keras_imbalance.comparison.journal import config_hash
        >>> config_hash({"a": 1, "b": [0.5, 2]}) == config_hash({"b": (0.5, 2), "a": 1})
        True
        >>> config_hash({})
        '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'
    """
    if not isinstance(config, Mapping):
        raise TypeError(
            f"config={short_repr(config)} of type {type(config).__name__} is not a mapping; "
            "give a dict of the settings that define the runs"
        )
    text = canonical(to_json(config, "config"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def config_differences(old: Any, new: Any, where: str = "") -> list[str]:
    """``"key: old vs new"`` for each leaf where two converted configs differ."""
    if isinstance(old, dict) and isinstance(new, dict):
        lines = []
        for name in sorted(set(old) | set(new)):
            inner = f"{where}.{name}" if where else name
            if name not in old:
                lines.append(f"{inner}: (absent) vs {short_repr(new[name], 40)}")
            elif name not in new:
                lines.append(f"{inner}: {short_repr(old[name], 40)} vs (absent)")
            else:
                lines.extend(config_differences(old[name], new[name], inner))
        return lines
    if canonical(old) != canonical(new):
        return [f"{where or 'config'}: {short_repr(old, 40)} vs {short_repr(new, 40)}"]
    return []
