"""Choose on validation, report on test: the verdict of a multi-label comparison.

1. **Knobs.** Each remedy's knob setting with the best mean validation metric over the seeds is
   chosen (ties: the first in grid order); its runs are marked ``"chosen"``.
2. **Ranking.** Remedies are ranked by the mean validation metric of their chosen runs, rounded
   to 3 decimals (the report's precision); ties keep the order of ``strategies``, ``"none"``
   first. A remedy whose runs diverged (non-finite outputs) ranks last.
3. **Noise.** Each remedy's paired difference from ``"none"``, with a 95% interval over seeds
   and samples (:mod:`~keras_imbalance.comparison.multilabel.bootstrap`), on validation and test.
4. **Best.** The top remedy on validation is the one candidate. It is declared best only when
   its interval lies above 0 on validation and on test (test is checked once, for this one
   candidate); otherwise the verdict says to keep plain binary cross-entropy, with the numbers.

The test split never feeds a choice: thresholds, epochs, knobs and the candidate are chosen on
validation, or with cross-validation on the out-of-fold scores
(:mod:`~keras_imbalance.comparison.multilabel.cv`), which then stand for validation here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from keras_imbalance.comparison.multilabel.bootstrap import paired_intervals

__all__ = ["choose_params", "rank_rows", "verdict"]

RANK_DECIMALS = 3


def _key(params: Mapping[str, Any]) -> str:
    return json.dumps(dict(params), sort_keys=True)


def _mean(values: Sequence[float]) -> float:
    array = np.asarray(values, dtype=float)
    return float(array.mean()) if np.isfinite(array).all() else -math.inf


def choose_params(runs: list[dict[str, Any]], strategies: Sequence[str], metric: str) -> None:
    """Mark each remedy's runs of its best knob setting on validation ``run["chosen"] = True``."""
    for strategy in strategies:
        groups: dict[str, list[dict[str, Any]]] = {}
        for run in runs:
            if run["strategy"] == strategy:
                groups.setdefault(_key(run["params"]), []).append(run)
        scores = {key: _mean([r["validation"][metric] for r in g]) for key, g in groups.items()}
        winner = max(scores, key=lambda key: scores[key])
        for key, group in groups.items():
            for run in group:
                run["chosen"] = key == winner


def _versus_none(
    metric: str,
    y: np.ndarray,
    chosen: Mapping[str, Sequence[Mapping[str, Any]]],
    split: str,
    n_boot: int,
) -> dict[str, dict[str, float] | None]:
    """Each remedy's difference from ``none`` on ``split``: its mean over the seeds and its
    interval; ``None`` for a remedy whose runs, or ``none``'s, diverged."""
    key = f"_{split}_scores"
    finite = {name: all(np.isfinite(r[key]).all() for r in group) for name, group in chosen.items()}
    live = {name: group for name, group in chosen.items() if finite[name]}
    found: dict[str, dict[str, float] | None] = {n: None for n in chosen if n != "none"}
    if "none" not in live or len(live) < 2:
        return found
    pairs = {
        name: [(r[key], np.asarray(r["thresholds"])) for r in group] for name, group in live.items()
    }
    intervals = paired_intervals(metric, y, pairs, n_boot=n_boot)
    for name, (low, high) in intervals.items():
        values = [
            r[split][metric] - p[split][metric]
            for r, p in zip(live[name], live["none"], strict=True)
        ]
        found[name] = {"mean": float(np.mean(values)), "low": low, "high": high}
    return found


def rank_rows(
    runs: list[dict[str, Any]],
    strategies: Sequence[str],
    metric: str,
    labels: Mapping[str, np.ndarray],
    *,
    n_boot: int,
) -> list[dict[str, Any]]:
    """One summary row per remedy (its chosen runs), ranked on validation, with its difference
    from ``none`` on validation and test (``labels``: ``{"validation": y_val, "test": y_test}``)."""
    chosen = {s: [r for r in runs if r["strategy"] == s and r["chosen"]] for s in strategies}
    versus = {
        split: _versus_none(metric, labels[split], chosen, split, n_boot)
        for split in ("validation", "test")
    }
    rows = []
    for strategy in strategies:
        group = chosen[strategy]
        row: dict[str, Any] = {
            "strategy": strategy,
            "params": dict(group[0]["params"]),
            "diverged": any(r["diverged"] for r in group),
            "best_epochs": [r["best_epoch"] for r in group],
        }
        for split in ("validation", "test"):
            row[split] = {
                name: float(np.mean([r[split][name] for r in group])) for name in group[0][split]
            }
            if strategy != "none":
                row[f"{split}_vs_none"] = versus[split][strategy]
        rows.append(row)
    order = {s: i for i, s in enumerate(strategies)}
    rows.sort(
        key=lambda row: (
            row["diverged"],
            -round(row["validation"][metric], RANK_DECIMALS),
            order[row["strategy"]],
        )
    )
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


def _fmt(diff: Mapping[str, float]) -> str:
    return f"{diff['mean']:+.3f} (95% interval {diff['low']:+.3f} to {diff['high']:+.3f})"


def verdict(
    rows: Sequence[Mapping[str, Any]], metric: str, *, folds: int | None = None
) -> tuple[str | None, str]:
    """``(best remedy or None, the sentence)`` for rows ranked by :func:`rank_rows`.

    With ``folds`` (a ``K``-fold cross-validation chose), the validation side is the
    out-of-fold scores and the sentence says so.

    Example:
        >>> rows = [
        ...     {"strategy": "focal", "params": {}, "diverged": False,
        ...      "validation_vs_none": {"mean": 0.05, "low": 0.01, "high": 0.09},
        ...      "test_vs_none": {"mean": 0.04, "low": -0.01, "high": 0.08}},
        ...     {"strategy": "none", "params": {}, "diverged": False},
        ... ]
        >>> verdict(rows, "macro_f1")[0] is None
        True
    """
    top = rows[0]
    where = "validation" if folds is None else f"out-of-fold ({folds}-fold cross-validation)"
    if top["diverged"]:
        return None, "Every strategy diverged (non-finite outputs); lower the learning rate."
    if top["strategy"] == "none":
        return None, (
            f"No remedy beat plain binary cross-entropy on this data: 'none' ranks first on "
            f"{where} {metric}. Keep plain binary cross-entropy."
        )
    lead, test = top.get("validation_vs_none"), top.get("test_vs_none")
    knobs = ", ".join(f"{k}={v}" for k, v in top["params"].items())
    name = f"{top['strategy']}{f' ({knobs})' if knobs else ''}"
    if lead is None or test is None:
        return None, (
            f"Plain binary cross-entropy ('none') diverged, so no remedy can be measured against "
            f"it; {name} ranks first on {where} {metric}."
        )
    said = (
        f"the top strategy on {where}, {name}, leads 'none' there by {_fmt(lead)} in {metric} "
        f"(optimistic: the same data chose its epoch, knobs and thresholds); on test, checked "
        f"once for this one candidate, it differs from 'none' by {_fmt(test)}"
    )
    if lead["low"] > 0 and test["low"] > 0:
        return top["strategy"], f"Best strategy: {name}; {said}: both intervals lie above 0."
    return None, (
        f"No remedy beat plain binary cross-entropy on this data beyond the noise: {said}; a "
        f"remedy wins only when both intervals lie above 0. Keep plain binary cross-entropy, or "
        f"compare on more data or seeds."
    )
