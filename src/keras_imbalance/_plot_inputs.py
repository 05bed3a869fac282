"""The inputs of :mod:`keras_imbalance.plotting`, checked and put in one shape.

Each function reads one kind of plot input (counts, comparison records, training histories)
and raises the error that names the argument, so that the plotting functions only draw.
NumPy only: nothing here imports matplotlib.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from keras_imbalance._validation import short_repr
from keras_imbalance.labels import decode_labels


def counts_and_names(
    counts: Any, class_names: Sequence[Any] | None
) -> tuple[np.ndarray, list[str]]:
    """Counts per class and their names from a ``ClassCounts``, a dict or labels."""
    if hasattr(counts, "counts") and hasattr(counts, "classes"):  # ClassCounts
        values = np.asarray(counts.counts, dtype=np.int64)
        names = [str(c) for c in counts.classes]
    elif isinstance(counts, Mapping):
        values = np.asarray(list(counts.values()), dtype=np.int64)
        names = [str(c) for c in counts]
    else:
        decoded = decode_labels(counts, name="counts")
        values = decoded.counts()
        names = decoded.class_names
    if class_names is not None:
        if len(class_names) != len(values):
            raise ValueError(
                f"class_names has {len(class_names)} names but there are {len(values)} classes; "
                f"give one name per class"
            )
        names = [str(c) for c in class_names]
    return values, names


def comparison_records(comparison_data: Any) -> list[dict[str, Any]]:
    """Normalise comparison data to a list of ``{"strategy", "seed", "metrics"}`` records.

    Accepted forms:

    * a list of records ``[{"strategy": str, "seed": int, "metrics": {name: float, ...}}, ...]``
      (one per strategy and seed; ``seed`` is optional);
    * a dict ``{"records": [...]}`` holding such a list;
    * a dict ``{strategy: [{name: float, ...}, ...]}``: one metrics dict per seed.

    Example:
        >>> comparison_records({"none": [{"auc": 0.5}, {"auc": 0.7}]})[1]
        {'strategy': 'none', 'seed': 1, 'metrics': {'auc': 0.7}}
    """
    if isinstance(comparison_data, Mapping):
        if "records" in comparison_data:
            return comparison_records(comparison_data["records"])
        records = []
        for strategy, runs in comparison_data.items():
            if isinstance(runs, Mapping):
                runs = [runs]
            for seed, metrics in enumerate(runs):
                records.append({"strategy": str(strategy), "seed": seed, "metrics": metrics})
        return comparison_records(records)
    if isinstance(comparison_data, str | bytes) or not isinstance(comparison_data, Sequence):
        raise TypeError(
            f"comparison_data must be a list of records {{'strategy', 'seed', 'metrics'}}, got "
            f"{short_repr(comparison_data)}"
        )
    checked = []
    for i, record in enumerate(comparison_data):
        if (
            not isinstance(record, Mapping)
            or "strategy" not in record
            or not isinstance(record.get("metrics"), Mapping)
        ):
            raise ValueError(
                f"comparison_data[{i}]={short_repr(record)} is not a record; give "
                f"{{'strategy': str, 'seed': int, 'metrics': {{name: value}}}}"
            )
        checked.append(
            {
                "strategy": str(record["strategy"]),
                "seed": record.get("seed", i),
                "metrics": dict(record["metrics"]),
            }
        )
    if not checked:
        raise ValueError("comparison_data is empty; give at least one record")
    return checked


def record_metrics(records: list[dict[str, Any]], metrics: Sequence[str] | None) -> list[str]:
    """The metrics to show: those asked for (every record must have them), or, for ``None``,
    every metric all records share, in the order of the first record."""
    if metrics is None:
        shared = set.intersection(*(set(r["metrics"]) for r in records))
        chosen = [m for m in records[0]["metrics"] if m in shared]
    else:
        chosen = [metrics] if isinstance(metrics, str) else list(metrics)
        for record in records:
            missing = [m for m in chosen if m not in record["metrics"]]
            if missing:
                raise ValueError(
                    f"metrics={chosen} asks for {missing}, which the record of strategy "
                    f"{record['strategy']!r} (seed {record['seed']}) lacks; it has "
                    f"{sorted(record['metrics'])}"
                )
    if not chosen:
        raise ValueError("no metric is shared by all records; pass metrics=[...]")
    return chosen


def error_bars(values: np.ndarray, error: str | None) -> np.ndarray | None:
    """Error bars over seeds (rows of ``values``): ``std`` (ddof=1), ``sem`` or ``minmax``."""
    if error is None or len(values) < 2:
        return None
    if error == "minmax":
        means = values.mean(axis=0)
        return np.stack([means - values.min(axis=0), values.max(axis=0) - means])
    spread = values.std(axis=0, ddof=1)
    return spread / np.sqrt(len(values)) if error == "sem" else spread


def _history_dict(history: Any, where: str) -> dict[str, list[float]]:
    data = getattr(history, "history", history)
    if not isinstance(data, Mapping):
        raise TypeError(
            f"{where} must be a keras History or its .history dict, got {short_repr(history)}"
        )
    return {str(k): [float(v) for v in values] for k, values in data.items()}


def training_runs(histories: Any) -> dict[str, list[dict[str, list[float]]]]:
    """``{strategy: [history dict per seed]}`` from ``{strategy: History or list of them}``."""
    if not isinstance(histories, Mapping) or not histories:
        raise TypeError(
            f"histories must be a non-empty dict {{strategy: History or list of them}}, got "
            f"{short_repr(histories)}"
        )
    runs: dict[str, list[dict[str, list[float]]]] = {}
    for strategy, value in histories.items():
        items = value if isinstance(value, list | tuple) else [value]
        if not items:
            raise ValueError(f"histories[{strategy!r}] is empty; give at least one History")
        runs[str(strategy)] = [
            _history_dict(item, f"histories[{strategy!r}][{i}]") for i, item in enumerate(items)
        ]
    return runs


def training_metrics(
    runs: Mapping[str, list[dict[str, list[float]]]], metrics: Sequence[str] | None
) -> list[str]:
    """The metric names to draw (without ``val_``): those asked for, which some history must
    record, or, for ``None``, every metric of the first history in its order."""
    if metrics is None:
        first = next(iter(runs.values()))[0]
        chosen = [k for k in first if not k.startswith("val_")]
        chosen += [k[4:] for k in first if k.startswith("val_") and k[4:] not in chosen]
    else:
        chosen = [metrics] if isinstance(metrics, str) else list(metrics)
    if not chosen:
        raise ValueError("the histories record no metric; pass metrics=[...] or check fit()")
    known = {k for items in runs.values() for h in items for k in h}
    unknown = [m for m in chosen if m not in known and f"val_{m}" not in known]
    if unknown:
        raise ValueError(
            f"metrics={chosen} has {unknown}, which no history records; the histories have "
            f"{sorted(known)}"
        )
    return chosen
